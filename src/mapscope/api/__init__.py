"""One entry point per job, the same as the command line's: `analyze` a network on an accelerator, `map` a
network (a mapping per layer), `explore` a design space, run the `flexsa` study, count one `gemm` on a
systolic array, run a SCALE-Sim topology (`systolic`), and `report` any of their results as one HTML file.
The `mapscope` command parses its options, calls these functions and renders what they return.

Inputs may be objects, file paths, or names of shipped examples (`mapscope examples` lists them) and zoo
networks (`mapscope zoo`). Every user error is an `InputError` with the command line's message. Each job
lives in its own module of this package (`analysis_job`, `mapping_job`, `exploration_job`,
`systolic_jobs`, `report_job`; `inputs` for what they take alike); this module gathers them.
"""

from __future__ import annotations

from mapscope.api.analysis_job import analyze, level_stats
from mapscope.api.exploration_job import design_space, explore
from mapscope.api.inputs import COMPAT_MODES, Progress, Source
from mapscope.api.mapping_job import map  # noqa: A004 - the job's name, as `mapscope map` is the command's
from mapscope.api.report_job import report
from mapscope.api.systolic_jobs import flexsa, flexsa_setup, gemm, gemm_document, systolic
from mapscope.formats.sources import HARDWARE_FIELDS, build_accelerator, load_hardware_fields, load_network, load_workload, resolve_input_path

__all__ = [
    "COMPAT_MODES",
    "HARDWARE_FIELDS",
    "Progress",
    "Source",
    "analyze",
    "build_accelerator",
    "design_space",
    "explore",
    "flexsa",
    "flexsa_setup",
    "level_stats",
    "gemm",
    "gemm_document",
    "load_hardware_fields",
    "load_network",
    "load_workload",
    "map",
    "report",
    "resolve_input_path",
    "systolic",
]
