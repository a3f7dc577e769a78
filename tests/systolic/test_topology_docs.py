"""docs/scalesim.md lists every field of a `mapscope systolic` record, in the order of the CSV columns."""

from __future__ import annotations

import re
from pathlib import Path

from mapscope.systolic.topology_run import SystolicLayerStats

DOC = Path(__file__).resolve().parents[2] / "docs" / "scalesim.md"


def test_the_field_table_is_the_record() -> None:
    text = DOC.read_text()
    section = text.split("Every field of a record", 1)[1].split("\n## ", 1)[0]
    names = []
    for line in section.splitlines():
        if line.startswith("| `"):
            names += re.findall(r"`([a-z_0-9]+)`", line.split("|")[1])
    assert names == list(SystolicLayerStats.field_names())
