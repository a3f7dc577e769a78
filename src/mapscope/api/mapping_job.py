"""The `map` job: a mapping searched for every layer of a network, in this process, on local processes or
on a Dask cluster."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mapscope.api.inputs import Progress, Source, compat_name, workload_of
from mapscope.formats.sources import build_accelerator
from mapscope.hardware.accelerator import Accelerator

if TYPE_CHECKING:  # the mapper loads when the job runs
    from mapscope.mapper.network_search import NetworkMapping, SpaceRestrictions


def map(  # noqa: A001 - the job's name, as `mapscope map` is the command's
    source: Source, hardware: Accelerator | str | os.PathLike[str] | None = None, *, objective: str | Mapping[str, float] = "edp",
    space: SpaceRestrictions | str | os.PathLike[str] | None = None, strategy: str | None = None, budget_per_layer: int | None = None,
    seed: int = 0, workers: int = 1, scheduler: Any = None, compat: str | None = None, dims: Mapping[str, int] | None = None,
    progress: Progress | None = None,
) -> NetworkMapping:
    """Search a mapping for every layer of `source` on `hardware` (`mapscope map`; `source`, `hardware`, `compat`, `dims` as for
    `analyze`; distinct layers on `workers` processes or a Dask `scheduler` (address or `distributed.Client`); the rest:
    `mapper.network_search.map_workload_network`). `document()` of the result is the JSON --json writes."""
    from mapscope.mapper.network_search import map_workload_network
    from mapscope.task_pools import check_pool_settings

    check_pool_settings(workers, scheduler)
    return map_workload_network(
        workload_of(source, dims, False, None), build_accelerator(hardware), objective=objective, space=space, strategy=strategy, seed=seed,
        budget_per_layer=budget_per_layer, workers=workers, scheduler=scheduler, compat=compat_name(compat), progress=progress)
