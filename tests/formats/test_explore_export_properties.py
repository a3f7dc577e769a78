"""Any records export to unique column names, each column holding only values of its type, the same in
CSV, JSON lines and Parquet."""

from __future__ import annotations

import io
import json
import math

import pandas
import pyarrow.parquet
from hypothesis import given, settings
from hypothesis import strategies as st
from property_settings import examples

from mapscope.formats.results.explore_export import export_columns, format_csv, format_json_lines, parquet_bytes
from mapscope.formats.results.store import DesignRecord, design_key

NAMES = st.sampled_from(["num_pes", "rows", "dataflow", "l1_size_elems", "feasible", "on_pareto_front", "energy_nj"])
PARAMETER = st.one_of(st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=False), st.booleans(), st.text(max_size=5))
METRIC = st.one_of(st.integers(0, 2**63 - 1), st.floats())
EXPECTED_TYPES = {"int64": int, "float64": float, "bool": bool, "string": str}


@st.composite
def record_lists(draw: st.DrawFn) -> list[DesignRecord]:
    parameter_names = draw(st.lists(NAMES, unique=True, max_size=3))
    metric_names = draw(st.lists(NAMES, unique=True, max_size=3))
    kinds = {name: draw(st.sampled_from([PARAMETER, st.integers(1, 9)])) for name in parameter_names}
    records = []
    for _ in range(draw(st.integers(0, 5))):
        parameters = {name: draw(kinds[name]) for name in parameter_names}
        metrics = {name: draw(METRIC) for name in metric_names}
        feasible = draw(st.booleans())
        records.append(DesignRecord(design_key(parameters), parameters, metrics, feasible, None if feasible else "why"))
    return records


@settings(max_examples=examples(150), deadline=None)
@given(record_lists(), st.data())
def test_columns_are_unique_typed_and_agree_across_formats(records: list[DesignRecord], data: st.DataObject) -> None:
    front = data.draw(st.sets(st.integers(0, max(0, len(records) - 1)))) if records else set()
    columns = export_columns(records, front)
    names = [column.name for column in columns]
    assert len(set(names)) == len(names) and names[-3:] == ["feasible", "on_pareto_front", "violation"]
    for column in columns:
        assert len(column.values) == len(records)
        if column.type in EXPECTED_TYPES:
            assert all(value is None or type(value) is EXPECTED_TYPES[column.type] for value in column.values), column
    rows = [json.loads(line) for line in format_json_lines(columns).splitlines()]
    assert len(rows) == len(records) and all(list(row) == names for row in rows)
    assert pandas.read_csv(io.StringIO(format_csv(columns)), dtype=str, keep_default_na=False).shape == (len(records), len(names))
    if all(column.type != "mixed" for column in columns):
        table = pyarrow.parquet.read_table(io.BytesIO(parquet_bytes(columns, "test")))
        assert table.column_names == names
        for column in columns:
            read = table.column(column.name).to_pylist()
            for written, back in zip(column.values, read):
                assert back == written or (isinstance(written, float) and math.isnan(written) and math.isnan(back))
