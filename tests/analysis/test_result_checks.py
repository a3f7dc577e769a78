"""Compatibility mode keeps MAESTRO's numbers but says where they are not what the layer computes (issue 11):
MAC counts that differ from the true count, runtime 0 and NaN results. The CSV stays MAESTRO's bytes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from cli_helpers import run

from mapscope.analysis.network_analysis import analyze_network
from mapscope.api import analyze
from mapscope.errors import InputError
from mapscope.formats.maestro.csv_file import format_maestro_csv
from mapscope.formats.maestro.mapping_file import parse_mapping_text, read_mapping_file
from mapscope.hardware.accelerator import Accelerator

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "mapscope" / "examples"

NO_STEP_COMPUTES = """Network N {
  Layer L {
    Type: CONV
    Dimensions { K: 1, C: 2, R: 1, S: 2, Y: 3, X: 3 }
    Dataflow { TemporalMap(1,1) K; TemporalMap(1,1) C; TemporalMap(1,1) Y; SpatialMap(1,1) X; }
  }
}
"""


def test_compat_mode_names_the_layers_whose_mac_count_is_maestros() -> None:
    stats = analyze(str(EXAMPLES / "resnet50_yxp_os.m"), str(EXAMPLES / "accelerator_256pe.m"), compat="maestro")
    assert stats.macs == 4_500_128_384  # MAESTRO's number stays
    (warning,) = [w for w in stats.warnings if "MAC count" in w]
    assert warning == (
        "MAESTRO's MAC count differs from the true count in 4 of 54 layers (4,500,128,384 in all against 4,089,184,256): "
        "res4a_branch2b 222,953,472 (true 115,605,504, +92.9%), res3a_branch2b 218,824,704 (true 115,605,504, +89.3%), "
        "conv1 219,300,480 (true 118,013,952, +85.8%) and 1 more"
    )
    corrected = analyze(str(EXAMPLES / "resnet50_yxp_os.m"), str(EXAMPLES / "accelerator_256pe.m"))
    assert corrected.macs == 4_089_184_256
    assert not [w for w in corrected.warnings if "MAC count" in w or "not numbers" in w]


def test_compat_mode_warns_of_runtime_0_and_nan_and_keeps_them_out_of_the_csv(maestro_data: Path) -> None:
    path = maestro_data / "data" / "mapping" / "ResNeXt50_yxp_os.m"
    stats = analyze(str(path), str(maestro_data / "data" / "hw" / "accelerator_1.m"), compat="maestro")
    fc = stats.layers[-1]
    assert (fc.layer, fc.runtime_cycles, fc.macs) == ("FC1000", 0, 0)  # MAESTRO's numbers
    assert (
        "1 layer has runtime 0 or results that are not numbers (as MAESTRO reports them): FC1000 (runtime 0 cycles; "
        "0 MACs; 8 results not finite: throughput_macs_per_cycle, throughput_per_energy_gmacs_per_s_j, ...)"
    ) in stats.warnings
    assert any(w.startswith("MAESTRO's MAC count differs from the true count in 5 of 50 layers") and "FC1000 0 (true 100,352,000" in w for w in stats.warnings)
    text = format_maestro_csv(stats, compat=True)
    assert text == format_maestro_csv(replace(stats, warnings=()), compat=True)
    assert text.count("\n") == len(read_mapping_file(path).layers) + 1 and "nan" in text.splitlines()[-1]


def test_the_default_mode_refuses_a_layer_none_of_whose_steps_computes_a_mac() -> None:
    network = parse_mapping_text(NO_STEP_COMPUTES, "n.m")
    with pytest.raises(InputError, match=(
        r"^n\.m:2: layer L: directive SpatialMap\(1,1\) X \(n\.m:5\) at cluster level 0 gives a tile of 1 element\(s\) of X "
        r"for a window of 2 element\(s\) of S \(output tile X' = 0\), so no step computes a MAC; MAESTRO reports runtime 0 "
        r"and NaN throughputs for it"
    )):
        analyze_network(network, Accelerator(num_pes=4))
    stats = analyze_network(network, Accelerator(num_pes=4), compat="maestro")
    assert stats.layers[0].runtime_cycles == 0
    assert [w.split(":")[0] for w in stats.warnings] == [
        "MAESTRO's MAC count differs from the true count in 1 of 1 layers (0 in all against 24)",
        "1 layer has runtime 0 or results that are not numbers (as MAESTRO reports them)",
    ]


def test_the_report_prints_the_warnings_and_the_compat_csv_has_none(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = tmp_path / "out.csv"
    arguments = ["analyze", "resnet50_yxp_os", "--hw", "accelerator_256pe", "--compat", "maestro", "--csv", str(csv_path)]
    status, out, err = run(arguments, capsys)
    assert status == 0, err
    assert "MAESTRO's MAC count differs from the true count in 4 of 54 layers" in " ".join(out.split())
    csv_text = csv_path.read_text()
    assert "MAC count" not in csv_text and "true count" not in csv_text
    assert csv_text.count("\n") == 55
