"""All 41 mapping files MAESTRO bundles: the 33 it runs give results, the 8 it crashes on or rejects
give a one-line error with exit status 2 (spec §9), in both modes, through the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from shared_data import BUNDLED_HARDWARE, BUNDLED_MAPPINGS

from mapscope.cli import main
from mapscope.formats.maestro.csv_file import read_maestro_csv
from mapscope.formats.maestro.mapping_file import read_mapping_file

#: The 8 files MAESTRO cannot run, and what the one-line error must name. Three row-stationary files
#: also map S twice in their inner level (SpatialMap(1,1) S, then TemporalMap(Sz(S),Sz(S)) S), which
#: mapscope refuses before analysing; MAESTRO would count the second copy as one more loop over S, but
#: never gets that far: it dies of SIGFPE on the first layer, as on vgg16_rs.m.
FAILING = {
    "Resnet50_rs.m": "directive TemporalMap(7,7) S: cluster level 1 maps S a second time",  # MAESTRO: SIGFPE
    "ResNeXt50_rs.m": "directive TemporalMap(1,1) S: cluster level 1 maps S a second time",
    "UNet_RS.m": "directive TemporalMap(2,2) S: cluster level 1 maps S a second time",
    "vgg16_rs.m": "SpatialMap(1,1) X",
    "googlenet_ykp_os.m": "TemporalMap(1,7) R",  # MAESTRO: rejected, exit 255
    "mnasnet_ykp_os.m": "TemporalMap(3,7) R",
    "squeezenet1_0_ykp_os.m": "TemporalMap(1,7) R",
    "UNet_kcp_ws.m": "TemporalMap(7,7) R",
}
RUNNING = [path for path in BUNDLED_MAPPINGS if path.name not in FAILING]
BROKEN = [path for path in BUNDLED_MAPPINGS if path.name in FAILING]


def test_the_bundled_set_is_complete() -> None:
    if not BUNDLED_MAPPINGS:
        pytest.skip("../shared/maestro-data is not beside the checkout")
    assert (len(BUNDLED_MAPPINGS), len(RUNNING), len(BROKEN)) == (41, 33, 8)


@pytest.mark.parametrize("mode", ["maestro", "none"])
@pytest.mark.parametrize("mapping", RUNNING, ids=lambda path: path.name)
def test_runnable_mapping_gives_a_row_per_layer(mapping: Path, mode: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = tmp_path / "out.csv"
    status = main(["analyze", str(mapping), "--hw", str(BUNDLED_HARDWARE), "--compat", mode, "--csv", str(csv_path), "--quiet"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    rows = read_maestro_csv(csv_path)
    assert len(rows) == len(read_mapping_file(mapping).layers)


@pytest.mark.parametrize("mode", ["maestro", "none"])
@pytest.mark.parametrize("mapping", BROKEN, ids=lambda path: path.name)
def test_broken_mapping_is_a_one_line_error(mapping: Path, mode: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = tmp_path / "out.csv"
    status = main(["analyze", str(mapping), "--hw", str(BUNDLED_HARDWARE), "--compat", mode, "--csv", str(csv_path)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert mapping.name in err and FAILING[mapping.name] in err
    assert not csv_path.exists()  # nothing half-written
