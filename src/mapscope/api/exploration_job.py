"""The `explore` job: a design space checked (`design_space`) and searched (`explore`), on local processes
or a Dask cluster, optionally into a resumable store."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mapscope.api.inputs import Progress
from mapscope.errors import InputError
from mapscope.formats.sources import resolve_input_path

if TYPE_CHECKING:  # explore loads when the job runs
    from mapscope.explore.exploration import ExplorationResult
    from mapscope.explore.space import DesignSpace


def design_space(
    space: Mapping[str, Any] | str | os.PathLike[str] | DesignSpace,
    directory: str | os.PathLike[str] | None = None,
    *,
    strategy: str | None = None,
    budget: int | None = None,
    seed: int | None = None,
    energy_table: str | os.PathLike[str] | None = None,
) -> DesignSpace:
    """A checked DesignSpace from a space file (path or shipped example), a dict with the file's keys, or a
    DesignSpace; `strategy` (grid, random, evolve), `budget` and `seed` replace the file's search settings,
    `energy_table` (a built-in table or a table file) its `energy_table` (not for a built DesignSpace).

    Relative paths in a dict are taken from `directory` (default: the current folder). The space is
    refused here, before any evaluation, when its search is too large or its constraints remove every
    design. See docs/explore.md.
    """
    from mapscope.explore.engines import design_space as build_space
    from mapscope.explore.engines import load_design_space
    from mapscope.explore.preparation import checked_space, with_search_overrides
    from mapscope.explore.space import DesignSpace

    if isinstance(space, DesignSpace):
        if energy_table is not None:
            raise InputError("a built DesignSpace keeps its energy table: give energy_table with the space file or dict", "energy_table")
        built, where = space, space.name
    elif isinstance(space, Mapping):
        import yaml

        from mapscope.formats.space_file import parse_space_text

        text = yaml.safe_dump(dict(space), sort_keys=False)
        built = build_space(parse_space_text(text, "<space>.yaml", Path(directory) if directory is not None else None), energy_table)
        where = "<space>"
    else:
        built, where = load_design_space(resolve_input_path(space, "design space"), energy_table), os.fspath(space)
    return checked_space(with_search_overrides(built, strategy=strategy, budget=budget, seed=seed, where=where), where)

def explore(
    space: Mapping[str, Any] | str | os.PathLike[str] | DesignSpace,
    *,
    workers: int | None = 1,
    scheduler: Any = None,
    store: str | os.PathLike[str] | None = None,
    resume: bool = False,
    strategy: str | None = None,
    budget: int | None = None,
    seed: int | None = None,
    progress: Progress | None = None,
) -> ExplorationResult:
    """Run a design space's search; returns an ExplorationResult (records, objectives, Pareto front).

    `space` is what `design_space` takes; a DesignSpace without search overrides is used as it is (built
    and checked by `design_space`). `workers` local processes (None: all cores) or a `scheduler` (a Dask
    address or `dask.distributed.Client`) evaluate the designs. With `store`, results stream into that
    SQLite file; `resume` continues the run kept there. `progress(done, total)` follows the run.
    """
    from mapscope.explore.executors import make_executor
    from mapscope.explore.exploration import explore as run_search
    from mapscope.explore.space import DesignSpace, check_search_size
    from mapscope.formats.results.store import ResultStore

    if resume and store is None:
        raise InputError("--resume continues a run kept in a store: give --store FILE", "--resume")
    if isinstance(space, DesignSpace) and strategy is None and budget is None and seed is None:
        checked = space
        check_search_size(checked, checked.name)
    else:
        checked = design_space(space, strategy=strategy, budget=budget, seed=seed)
    opened = (
        ResultStore.open(Path(store), space_fingerprint=checked.fingerprint, space_document=checked.document, resume=resume)
        if store is not None
        else None
    )
    try:
        executor = make_executor(checked, workers, scheduler)  # after the store, so a refused store starts no worker
        try:
            return run_search(checked, executor, opened, progress)
        finally:
            executor.close()
    finally:
        if opened is not None:
            opened.close()
