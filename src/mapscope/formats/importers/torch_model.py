"""PyTorch modules as mapscope `Model`s: trace with torch.fx, run once for shapes, map each node to operators.

torch.fx's symbolic tracer is used rather than `torch.export`: it keeps every torch.nn layer as one
``call_module`` node named by its qualified name (``layer1.0.conv1``) with the layer's own settings
(padding strings, ceil_mode, MultiheadAttention's heads), where export decomposes layers into ATen ops
whose names and arguments would have to be pieced back together; both reject data-dependent control
flow, and fx needs no compiler stack. Unlike `symbolic_trace`'s default, buffers are traced as graph
values, so slicing a causal mask or position ids by the sequence length traces. `ShapeProp` then runs
the traced graph on the example inputs (eval mode, no gradients), so every size is the one PyTorch
computed; each convolution, pooling and product is checked against PyTorch's output size, so a mapping
mistake is an error, never a wrong number. Which calls are supported, and what each becomes, is the
operator table both importers share (`operator_table`); `torch_graph` walks the graph through it.

Going through `torch.onnx.export` instead was weighed and not taken: it renames every layer
(``/layer1/layer1.0/conv1/Conv``), its TorchScript exporter is deprecated while the new one needs
onnxscript, it fails on layers fx reads (MultiheadAttention's fast path in eval mode), and it costs
seconds per network where tracing costs milliseconds.

torch is an optional extra (``pip install 'mapscope[torch]'``), imported only when a module is imported.
"""

from __future__ import annotations

import contextlib
import io
from typing import TYPE_CHECKING, Any

from mapscope.errors import InputError
from mapscope.formats.importers.torch_graph import GraphWalker
from mapscope.formats.importers.torch_nodes import NodeReader, label
from mapscope.workload.operators import Model

if TYPE_CHECKING:
    import torch
    from torch.fx import GraphModule, Node


def model_from_torch(
    module: torch.nn.Module,
    example_inputs: tuple[Any, ...] | torch.Tensor,
    *,
    name: str | None = None,
    skip_unsupported: bool = False,
) -> tuple[Model, tuple[str, ...]]:
    """Describe what `module` computes on `example_inputs` as a Model, with notes on what was left out.

    Every size comes from running the module once on `example_inputs` (batch = their first dimension);
    unsupported layers are errors unless `skip_unsupported`, when they are left out and noted.
    """
    try:
        import torch
    except ImportError:
        raise InputError("importing PyTorch modules needs torch: pip install 'mapscope[torch]'") from None
    if not isinstance(module, torch.nn.Module):
        raise InputError(f"expected a torch.nn.Module to import, got {type(module).__name__}")
    model_name = name or type(module).__name__
    where = f"PyTorch model {model_name}"
    if isinstance(example_inputs, torch.Tensor):
        inputs: tuple[Any, ...] = (example_inputs,)
    elif isinstance(example_inputs, (tuple, list)) and any(isinstance(x, torch.Tensor) for x in example_inputs):
        inputs = tuple(example_inputs)
    else:
        raise InputError(f"example inputs must be a tensor or a tuple of tensors, got {example_inputs!r:.60}", where)
    training_flags = [(submodule, submodule.training) for submodule in module.modules()]
    module.eval()  # before tracing too: `if self.training:` branches are resolved when traced
    try:
        with torch.no_grad():
            graph_module = _trace(module, len(inputs), where)
            _propagate_shapes(graph_module, inputs, where)
    finally:
        for submodule, flag in training_flags:
            submodule.training = flag
    walker = GraphWalker(NodeReader(where), skip_unsupported)
    for node in graph_module.graph.nodes:
        walker.translate(node, graph_module)
    if not walker.operators:
        raise InputError("nothing to import: the module computes no supported operation", where)
    return Model(model_name, tuple(walker.operators), source=where), walker.notes()


def _trace(module: torch.nn.Module, input_count: int, where: str) -> GraphModule:
    """Trace `module` with torch.fx; an untraceable forward is an InputError giving the tracer's reason.

    A torch.nn layer passed on its own (nn.MultiheadAttention, nn.Conv2d) becomes a one-node graph
    named after its class, since the tracer would otherwise trace through its forward.
    """
    from torch import nn
    from torch.fx import Graph, GraphModule, Tracer

    tracer = Tracer()
    tracer.proxy_buffer_attributes = True  # buffers as graph values: `self.mask[:, :length]` traces
    if tracer.is_leaf_module(module, ""):
        graph, root, layer = Graph(), nn.Module(), type(module).__name__
        root.add_module(layer, module)
        graph.output(graph.call_module(layer, tuple(graph.placeholder(f"input_{i}") for i in range(input_count))))
        return GraphModule(root, graph, layer)
    try:
        graph = tracer.trace(module)
    except Exception as error:  # TraceError, RuntimeError, TypeError...: the tracer's reason is the message
        raise InputError(
            f"torch.fx cannot trace {type(module).__name__}: {_first_line(error).split('. ')[0]} "
            "(data-dependent control flow cannot be traced)",
            where,
        ) from None
    return GraphModule(module, graph, type(module).__name__)


def _propagate_shapes(graph_module: GraphModule, inputs: tuple[Any, ...], where: str) -> None:
    """Run the traced graph on the inputs, recording each node's output shapes in ``node.meta``."""
    from torch.fx.passes.shape_prop import ShapeProp

    class _NamingShapeProp(ShapeProp):
        """ShapeProp that remembers the node it runs, to name it when the run fails."""

        current: Node | None = None

        def run_node(self, n: Node) -> Any:
            self.current = n
            return super().run_node(n)

    propagation = _NamingShapeProp(graph_module)
    try:
        with contextlib.redirect_stderr(io.StringIO()):  # ShapeProp prints a traceback before re-raising
            propagation.propagate(*inputs)
    except Exception as error:
        node = propagation.current
        at = f" at node '{label(node)}'" if node is not None else ""
        reason = _first_line(error.__cause__ or error)
        raise InputError(f"running the module on the example inputs failed{at}: {reason}", where) from None


def _first_line(error: BaseException) -> str:
    """The first non-blank line of an error's message, so that an InputError stays one line."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__
