"""What every job takes alike: a source (file, example, zoo name, model object or PyTorch module) loaded as a
workload, the compat mode by name, and the progress callback."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

from mapscope.errors import InputError
from mapscope.formats.sources import integer_sizes, load_workload
from mapscope.limits import quoted
from mapscope.mapping.mapped_network import MappedNetwork
from mapscope.mapping.workload_source import Workload
from mapscope.workload.operators import Model

#: The `compat` values `analyze` accepts: None (the corrected model; "none" as the command line spells it)
#: or "maestro" (MAESTRO's exact numbers).
COMPAT_MODES = (None, "none", "maestro")

#: A progress callback: `progress(done, total)` after each step of a long run.
Progress = Callable[[int, int], None]

#: What a job reads a network from.
Source = str | os.PathLike[str] | Model | MappedNetwork | Workload | Any  # Any: a torch.nn.Module


def compat_name(compat: str | None) -> str | None:
    """The engine's name of a compat mode: None (corrected) or "maestro"."""
    if compat not in COMPAT_MODES:
        raise InputError(f"compat must be None, 'none' or 'maestro', got {quoted(compat)}")
    return None if compat in (None, "none") else compat


def workload_of(source: Source, dims: Mapping[str, int] | None, skip_unsupported: bool, example_inputs: Any) -> Workload:
    """`source` loaded: a Workload as given, a PyTorch module run on its example inputs, else `load_workload`."""
    if isinstance(source, Workload):
        if dims:
            raise InputError("sizes (dims) apply when a source is read, not to a loaded Workload")
        return source
    torch = sys.modules.get("torch")  # a torch.nn.Module exists only once torch is imported
    if torch is not None and isinstance(source, torch.nn.Module):
        if example_inputs is None:
            raise InputError("a PyTorch module is analysed on example inputs: give example_inputs (a tensor or a tuple of tensors)")
        if dims:
            raise InputError("sizes (dims) apply to ONNX models and zoo networks; a PyTorch module takes them from example_inputs")
        from mapscope.formats.importers.torch_model import model_from_torch

        model, notes = model_from_torch(source, example_inputs, skip_unsupported=skip_unsupported)
        return Workload(model.source or model.name, model=model, notes=notes)
    if example_inputs is not None:
        raise InputError(f"example_inputs apply to a torch.nn.Module, not to a {type(source).__name__}")
    if not isinstance(source, str | os.PathLike | Model | MappedNetwork):
        raise InputError(
            f"cannot analyse a {type(source).__name__}: give a file path, example or zoo name, a Model, a MappedNetwork "
            "or a torch.nn.Module"
        )
    return load_workload(source, sizes=integer_sizes(dict(dims or {}), "dims"), skip_unsupported=skip_unsupported)
