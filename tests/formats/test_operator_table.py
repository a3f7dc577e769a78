"""The operator table both importers dispatch through: every operation spelled in both frameworks, each
importer converting exactly the table's operations, and docs/networks.md listing the table."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from mapscope.formats.importers.operator_table import (
    ONNX_OPERATIONS,
    OPERATIONS,
    SHAPED_OPERATIONS,
    Becomes,
    onnx_op_types,
    operation_rows,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "networks.md"


def _repeated(values: list[str]) -> list[str]:
    return sorted(value for value, count in Counter(values).items() if count > 1)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.name)
def test_every_operation_is_spelled_by_both_importers(operation: object) -> None:
    """An operation with no ONNX op type or no torch spelling would be supported by one importer only."""
    assert operation.onnx, f"{operation.name} has no ONNX op type: the ONNX importer would not support it"
    assert operation.torch, f"{operation.name} has no PyTorch spelling: the PyTorch importer would not support it"


def test_names_and_spellings_are_given_once() -> None:
    assert _repeated([operation.name for operation in OPERATIONS]) == []
    assert _repeated([op_type for operation in OPERATIONS for op_type in operation.onnx]) == []
    assert _repeated([spelling for operation in OPERATIONS for spelling in operation.torch]) == []
    prefixes = {spelling.partition(".")[0] for operation in OPERATIONS for spelling in operation.torch}
    assert prefixes <= {"nn", "F", "torch", "operator", "builtins", "Tensor"}


def test_the_onnx_importer_converts_exactly_the_tables_operations() -> None:
    onnx_operators = pytest.importorskip("mapscope.formats.importers.onnx_operators")
    onnx_model = pytest.importorskip("mapscope.formats.importers.onnx_model")
    shaped = onnx_op_types(Becomes.CONV, Becomes.CONV_TRANSPOSE, Becomes.MATMUL, Becomes.POOL)
    assert set(onnx_operators.CONVERTERS) == shaped
    assert {ONNX_OPERATIONS[op_type].name for op_type in onnx_operators.CONVERTERS} == SHAPED_OPERATIONS
    assert onnx_model.COMPUTE_OPERATORS == shaped
    assert onnx_model.ELEMENTWISE_OPERATORS == onnx_op_types(Becomes.ELEMENTWISE)
    assert onnx_model.IGNORED_OPERATORS == onnx_op_types(Becomes.SHAPE_ONLY)


def test_every_onnx_op_type_is_a_standard_operator() -> None:
    defs = pytest.importorskip("onnx.defs")
    assert sorted(op_type for op_type in ONNX_OPERATIONS if not defs.has(op_type)) == []


def test_the_pytorch_importer_converts_exactly_the_tables_operations() -> None:
    pytest.importorskip("torch")
    from mapscope.formats.importers.torch_layers import FUNCTION_CONVERTERS, MODULE_CONVERTERS

    with_modules = {operation.name for operation in OPERATIONS if any(s.startswith("nn.") for s in operation.torch)}
    with_calls = {operation.name for operation in OPERATIONS if any(not s.startswith("nn.") for s in operation.torch)}
    assert set(MODULE_CONVERTERS) == SHAPED_OPERATIONS & with_modules
    assert set(FUNCTION_CONVERTERS) == SHAPED_OPERATIONS & with_calls


def test_every_torch_spelling_names_one_object_of_the_installed_torch() -> None:
    pytest.importorskip("torch")
    from mapscope.formats.importers.torch_spellings import _resolve, torch_spellings

    assert torch_spellings().missing == ()
    owners: dict[int, set[str]] = {}
    for operation in OPERATIONS:
        for spelling in operation.torch:
            if not spelling.startswith("Tensor."):
                owners.setdefault(id(_resolve(spelling)), set()).add(operation.name)
    assert [names for names in owners.values() if len(names) > 1] == []  # one object, two operations


def test_every_tensor_method_exists() -> None:
    torch = pytest.importorskip("torch")
    methods = [s.removeprefix("Tensor.") for operation in OPERATIONS for s in operation.torch if s.startswith("Tensor.")]
    assert [method for method in methods if not hasattr(torch.Tensor, method)] == []


def test_the_docs_list_the_table() -> None:
    """docs/networks.md holds the table as `operation_rows` writes it (regenerate it from there)."""
    text = DOCS.read_text(encoding="utf-8")
    assert "\n".join(operation_rows()) in text
