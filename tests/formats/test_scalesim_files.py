"""SCALE-Sim's scale.cfg and topology CSV: what they read, and one-line errors naming file:line for the rest."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from property_settings import examples

from mapscope.errors import InputError
from mapscope.formats.importers import scalesim_files
from mapscope.formats.importers.scalesim_files import (
    ScaleSimArray,
    parse_scalesim_config,
    parse_scalesim_topology,
    read_scalesim_config,
    read_scalesim_topology,
)
from mapscope.limits import MAX_SIZE
from mapscope.systolic.scalesim_dram import ScaleSimSrams
from mapscope.workload.gemm import Gemm

CONFIG = """[general]
run_name = sim

[architecture_presets]
ArrayHeight:    128
ArrayWidth:     32
IfmapSramSzkB:   4096
Dataflow : WS
"""
HUGE = "9" * 5000


def config_with(**values: str) -> str:
    text = CONFIG
    for key, value in values.items():
        lines = [line for line in text.splitlines() if not line.startswith(key)]
        lines.append(f"{key}: {value}")
        text = "\n".join(lines) + "\n"
    return text


def one_line(error: pytest.ExceptionInfo[InputError]) -> str:
    message = str(error.value)
    assert "\n" not in message and len(message) < 300, message
    return message


def test_config_and_topology_read(tmp_path: Path) -> None:
    (tmp_path / "scale.cfg").write_text(CONFIG)
    # the SRAM sizes a config leaves out are SCALE-Sim's defaults (256, 256 and 128 kB)
    assert read_scalesim_config(tmp_path / "scale.cfg") == ScaleSimArray(128, 32, "ws", srams=ScaleSimSrams(4096, 256, 128))
    (tmp_path / "topology.csv").write_text(
        "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
        "conv, 58, 58, 3, 3, 64, 64, 1,\nstrided, 9, 8, 2, 3, 5, 7, 2,\n\ngemm, 100, 37, 93,\n"
    )
    assert read_scalesim_topology(tmp_path / "topology.csv") == (
        Gemm(56 * 56, 64, 3 * 3 * 64, name="conv"),
        Gemm(5 * 4, 7, 2 * 3 * 5, name="strided"),  # SCALE-Sim: ceil((H - R + stride) / stride)
        Gemm(100, 37, 93, name="gemm"),
    )


@pytest.mark.parametrize(
    "text, message",
    [
        (config_with(ArrayHeight=HUGE), r"^cfg:8: ArrayHeight has 5,000 digits"),
        (config_with(ArrayWidth="0"), r"^cfg:8: ArrayWidth must be a positive integer, found 0$"),
        (config_with(ArrayWidth="-4"), r"^cfg:8: ArrayWidth must be a positive integer, found '-4'$"),
        (config_with(ArrayHeight=str(MAX_SIZE + 1)), r"^cfg:8: ArrayHeight = 2147483648 is above the largest size"),
        (config_with(ArrayHeight="1_000"), r"^cfg:8: ArrayHeight must be a positive integer, found '1_000'"),
        (config_with(ArrayHeight="\u0661\u0662"), r"^cfg:8: ArrayHeight must be a positive integer"),  # Arabic-Indic digits
        (config_with(ArrayHeight="x" * 1_000_000), r"^cfg:8: ArrayHeight must be a positive integer, found 'xxx.*\.\.\."),
        (config_with(Dataflow="rs"), r"^cfg:8: unknown dataflow 'rs'; expected os, ws or is$"),
        (config_with(OfmapSramSzkB="0"), r"^cfg:9: OfmapSramSzkB must be a positive integer, found 0$"),
        (config_with(IfmapSramSzkB="4M"), r"^cfg:8: IfmapSramSzkB must be a positive integer, found '4M'$"),
        (config_with(Dataflow="r" * 1_000_000), r"^cfg:8: unknown dataflow 'rrr.*\.\.\."),
        (CONFIG.replace("ArrayWidth:     32\n", ""), r"^cfg: \[architecture_presets\] has no ArrayWidth$"),
        (CONFIG.replace("[architecture_presets]", "[other]"), r"^cfg: no \[architecture_presets\] section"),
        ("ArrayHeight: 3\n" + CONFIG, r"^cfg:1: expected a \[section\] header, found 'ArrayHeight: 3'$"),
        ("y" * 1_000_000 + "\n" + CONFIG, r"^cfg:1: expected a \[section\] header, found 'yyy.*\.\.\..*'$"),
        (CONFIG + "not a key value line\n", r"^cfg:9: expected 'key = value' or '\[section\]', found 'not a key value line'$"),
        (CONFIG + "[general]\n", r"^cfg:9: section \['general'\] is given twice$"),
        (CONFIG + "ArrayWidth: 8\n", r"^cfg:9: 'arraywidth' is given twice in \['architecture_presets'\]$"),
        (CONFIG.replace("run_name = sim", "run_name = %(x)s"), None),  # no interpolation: SCALE-Sim never needs it
    ],
    ids=[
        "huge", "zero", "negative", "above-max", "underscore", "unicode-digits", "huge-field", "dataflow", "sram-zero",
        "sram-unit", "huge-dataflow",
        "missing-key", "missing-section", "no-header", "huge-no-header", "not-key-value", "duplicate-section",
        "duplicate-key", "percent",
    ],
)
def test_config_errors_are_one_line_with_file_and_line(text: str, message: str | None) -> None:
    if message is None:
        assert parse_scalesim_config(text, "cfg") == ScaleSimArray(128, 32, "ws", srams=ScaleSimSrams(ifmap_kb=4096))
        return
    with pytest.raises(InputError, match=message) as error:
        parse_scalesim_config(text, "cfg")
    one_line(error)


HEADER = "Layer, M, N, K,\n"


@pytest.mark.parametrize(
    "rows, message",
    [
        (f"g, {HUGE}, 1, 1,", r"^topo:2: M has 5,000 digits"),
        ("g, 0, 1, 1,", r"^topo:2: M must be a positive integer, found 0$"),
        ("g, 4, -1, 1,", r"^topo:2: N must be a positive integer, found '-1'$"),
        ("g, 4, 1, 2147483648,", r"^topo:2: K = 2147483648 is above the largest size supported"),
        ("g, 4, 1, " + "z" * 1_000_000 + ",", r"^topo:2: K must be a positive integer, found 'zzz.*\.\.\..*'$"),
        ("g, 4, 1,", r"^topo:2: expected 'name, M, N, K' or a conv row 'name, IFMAP Height, .*', got 2 numbers$"),
        ("c, 7, 7, 9, 3, 4, 4, 1,", r"^topo:2: filter 9x3 is larger than the input 7x7$"),
        ("c, 7, 7, 3, 3, 4, 4, 0,", r"^topo:2: Strides must be a positive integer, found 0$"),
        ("c, 2000000000, 2000000000, 1, 1, 2000000000, 1, 1,", r"^topo:2: M = 4000000000000000000 is above the largest size supported"),
        ("n" * 2000 + ", 1, 1, 1,", r"^topo:2: a layer name is longer than 1,024 characters$"),
        ("", r"^topo: no layers in topology file$"),
    ],
    ids=["huge", "zero", "negative", "above-max", "huge-field", "too-few", "window", "zero-stride", "gemm-too-big", "long-name", "no-rows"],
)
def test_topology_errors_are_one_line_with_file_and_line(rows: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as error:
        parse_scalesim_topology(HEADER + rows + "\n", "topo")
    one_line(error)


def test_an_empty_topology_and_too_many_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputError, match=r"^topo: empty topology file$"):
        parse_scalesim_topology("", "topo")
    monkeypatch.setattr(scalesim_files, "MAX_LAYERS", 2)
    with pytest.raises(InputError, match=r"^topo:4: more than 2 layers$"):
        parse_scalesim_topology(HEADER + "a, 1, 1, 1,\nb, 1, 1, 1,\nc, 1, 1, 1,\n", "topo")


def test_missing_files_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^cannot read .*scale\.cfg: No such file or directory$"):
        read_scalesim_config(tmp_path / "scale.cfg")
    with pytest.raises(InputError, match=r"^cannot read .*topology\.csv: No such file or directory$"):
        read_scalesim_topology(tmp_path / "topology.csv")


@settings(max_examples=examples(200), deadline=None)
@given(text=st.text(max_size=300), topology=st.text(max_size=300))
def test_any_text_reads_or_is_a_one_line_error(text: str, topology: str) -> None:
    for parse, source in ((parse_scalesim_config, CONFIG[:40] + text), (parse_scalesim_topology, HEADER + topology)):
        try:
            parse(source, "f")
        except InputError as error:
            assert "\n" not in str(error) and str(error).startswith("f")


def test_layers_keep_the_conv_shape() -> None:
    from mapscope.systolic.topology_run import ConvShape, TopologyLayer

    text = (
        "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
        "c, 9, 8, 2, 3, 5, 7, 2,\ng, 100, 37, 93,\n"
    )
    conv = ConvShape(9, 8, 2, 3, 5, 7, 2)
    assert scalesim_files.parse_scalesim_layers(text, "t") == (
        TopologyLayer(Gemm(20, 7, 30, name="c"), conv),
        TopologyLayer(Gemm(100, 37, 93, name="g")),
    )


@pytest.mark.parametrize(
    "line, kind",
    [
        ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,", "conv"),
        ("layer,ifmap height,ifmap width,filter height,filter width,channels,num filter,strides", "conv"),
        ("Layer, M, N, K,", "gemm"),
        ("Name,M,N,K\r", "gemm"),
        ("Layer, M, N", None),
        ("Layer, M, N, K, Sparsity", None),
        ("", None),
    ],
)
def test_topology_header_kind(line: str, kind: str | None) -> None:
    assert scalesim_files.topology_header_kind(line) == kind


def test_a_topology_as_a_workload_model(tmp_path: Path) -> None:
    from mapscope.formats.sources import load_workload
    from mapscope.workload.operators import Conv, MatMul

    path = tmp_path / "net.csv"
    path.write_text(
        "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
        "even, 58, 58, 3, 3, 64, 32, 1,\nodd, 9, 8, 2, 3, 5, 7, 2,\nfc, 16, 10, 512,\n"
    )
    workload = load_workload(path)
    assert workload.model is not None and workload.model.name == "net" and workload.source == str(path)
    assert workload.model.operators == (
        Conv("even", 64, 32, (58, 58), (3, 3), stride=(1, 1)),
        Conv("odd", 5, 7, (9, 8), (2, 3), stride=(2, 2)),
        MatMul("fc", m=16, k=512, n=10),
    )
    (note,) = workload.notes  # only where SCALE-Sim's ceil and the convolution's floor disagree
    assert note.startswith(f"odd ({path}:3): SCALE-Sim counts 5x4 outputs") and "the convolution has 4x3" in note
    with pytest.raises(InputError, match=r"sizes \(--dim\) apply to ONNX models and zoo networks only, not to a SCALE-Sim"):
        load_workload(path, sizes={"batch": 2})


def test_settings_the_model_has_not_are_noted() -> None:
    assert parse_scalesim_config(CONFIG, "cfg").notes == ()
    reference_like = CONFIG + "[run_presets]\nInterfaceBandwidth: CALC\n[sparsity]\nSparsitySupport : false\n"
    assert parse_scalesim_config(reference_like, "cfg").notes == ()
    limited = CONFIG + "[run_presets]\nInterfaceBandwidth: USER\n[sparsity]\nSparsitySupport : true\n"
    bandwidth, sparsity = parse_scalesim_config(limited, "cfg").notes
    assert bandwidth.startswith("cfg: InterfaceBandwidth 'USER': SCALE-Sim adds stall cycles")
    assert sparsity == "cfg: SparsitySupport 'true' is ignored: mapscope runs every layer dense"


@settings(max_examples=examples(200), deadline=None)
@given(
    header=st.sampled_from(["Layer, M, N, K,", "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,", "x"]),
    rows=st.lists(st.lists(st.sampled_from(["a", "b", "", "0", "1", "3", "7", "12", " 2"]), max_size=9).map(", ".join), max_size=5),
)
def test_any_topology_is_a_model_or_a_one_line_error(header: str, rows: list[str]) -> None:
    try:
        model, notes = scalesim_files.scalesim_model("\n".join([header, *rows]) + "\n", "f")
    except InputError as error:
        assert "\n" not in str(error) and str(error).startswith("f")
        return
    assert len(model.operators) == len(scalesim_files.parse_scalesim_layers("\n".join([header, *rows]), "f"))
    assert all(note.count("\n") == 0 for note in notes)
