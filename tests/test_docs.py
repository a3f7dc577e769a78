"""The documentation stands alone and stays true: no pointer outside the repository, no dangling link or
section citation, every dataflow template and every function docs name exists, and the examples parse."""

from __future__ import annotations

import importlib
import re
import unicodedata
from pathlib import Path

import pytest

from mapscope.formats.maestro.hardware_file import parse_hardware_text
from mapscope.formats.maestro.mapping_file import parse_mapping_text
from mapscope.formats.trajectory_file import read_trajectory
from mapscope.mapping.templates import TEMPLATES
from mapscope.workload.cnn_models import training_model

REPOSITORY = Path(__file__).resolve().parents[1]
SOURCE = REPOSITORY / "src"
DOCS = REPOSITORY / "docs"
README = REPOSITORY / "README.md"

#: Strings that send a reader to a file users of the repository do not have.
OUTSIDE_REFERENCES = ("spec §", "DESIGN.md", "STYLE.md", "../shared")
#: Pages whose dotted names (`analysis.volumes.CaseVolumes`) must name something in mapscope.
PAGES_NAMING_CODE = ("model.md", "formats.md", "flexsa.md", "mapper.md", "mapper-search.md")
#: The first component of a dotted name that refers to mapscope (`mapscope.x` or a subpackage `x.y`).
MAPSCOPE_PACKAGES = ("mapscope", "analysis", "hardware", "mapping", "workload", "formats", "explore", "mapper", "systolic", "report", "cli")

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_DOTTED_NAME = re.compile(r"`([A-Za-z_]\w*(?:\.\w+)+)`")
#: A section citation in source: "docs/model.md, Per-case volumes" up to ")" (several sections: "; ").
_CITATION = re.compile(r"docs/([\w.-]+\.md), ([^)\n]+)\)")
_DOC_PATH = re.compile(r"docs/[\w./-]*\w\.md")


def _markdown_pages() -> list[Path]:
    return [README, *sorted(DOCS.rglob("*.md"))]


def _source_files() -> list[Path]:
    return sorted(SOURCE.rglob("*.py"))


def _prose_lines(path: Path) -> list[tuple[int, str]]:
    """The (line number, text) pairs of a Markdown file outside fenced code blocks."""
    lines, fenced = [], False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append((number, line))
    return lines


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"<[^>]+>", "", heading).replace("`", "").strip().lower()
    kept = "".join(ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in "LN")
    return kept.replace(" ", "-")


def headings(path: Path) -> list[str]:
    """The heading texts of a Markdown file (code blocks left out)."""
    found = []
    for _, line in _prose_lines(path):
        match = _HEADING.match(line)
        if match:
            found.append(match.group(2))
    return found


def anchors(path: Path) -> set[str]:
    """Every anchor of a Markdown file, repeated headings numbered as GitHub numbers them."""
    seen: dict[str, int] = {}
    result = set()
    for heading in headings(path):
        anchor = github_anchor(heading)
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        result.add(anchor if count == 0 else f"{anchor}-{count}")
    return result


def _relative(path: Path) -> str:
    return str(path.relative_to(REPOSITORY))


# ---- nothing points outside the repository ------------------------------------------------------------
@pytest.mark.parametrize("area", ["src", "docs", "README.md"])
def test_no_reference_outside_the_repository(area: str) -> None:
    files = _source_files() if area == "src" else sorted(DOCS.rglob("*.md")) if area == "docs" else [README]
    found = [
        f"{_relative(path)}:{number}: {text!r} in {line.strip()[:100]!r}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        for text in OUTSIDE_REFERENCES
        if text in line
    ]
    assert not found, "references to files outside the repository:\n" + "\n".join(found)


# ---- links and citations resolve ----------------------------------------------------------------------
def _link_problems(page: Path) -> list[str]:
    problems = []
    for number, line in _prose_lines(page):
        for target in _LINK.findall(_INLINE_CODE.sub("", line)):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:, ...
                continue
            path_part, _, anchor = target.partition("#")
            linked = (page.parent / path_part).resolve() if path_part else page
            where = f"{_relative(page)}:{number}: {target}"
            if not linked.is_relative_to(REPOSITORY) or not linked.exists():
                problems.append(f"{where}: no such file in the repository")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                problems.append(f"{where}: {_relative(linked)} has no heading with anchor #{anchor}")
    return problems


@pytest.mark.parametrize("page", _markdown_pages(), ids=_relative)
def test_relative_links_resolve(page: Path) -> None:
    problems = _link_problems(page)
    assert not problems, "dangling links:\n" + "\n".join(problems)


def test_source_citations_name_existing_pages_and_sections() -> None:
    problems = []
    for path in _source_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            where = f"{_relative(path)}:{number}"
            for mentioned in _DOC_PATH.findall(line):
                if not (REPOSITORY / mentioned).is_file():
                    problems.append(f"{where}: {mentioned} does not exist")
            for page_name, sections in _CITATION.findall(line):
                page = DOCS / page_name
                if not page.is_file():
                    continue  # reported above
                titles = set(headings(page))
                for section in sections.split("; "):
                    if section.strip() not in titles:
                        problems.append(f"{where}: docs/{page_name} has no section {section.strip()!r}")
    assert not problems, "\n".join(problems)


def test_anchor_rule_matches_github() -> None:
    assert github_anchor("Bandwidth, utilisation, intensity and delay statistics") == "bandwidth-utilisation-intensity-and-delay-statistics"
    assert github_anchor("Named dataflows in MAESTRO's files") == "named-dataflows-in-maestros-files"
    assert github_anchor("FlexSA: pruned training on systolic arrays") == "flexsa-pruned-training-on-systolic-arrays"
    assert github_anchor("The compile heuristic (`mapscope.systolic.compiler`)") == "the-compile-heuristic-mapscopesystoliccompiler"


# ---- the docs name what exists ------------------------------------------------------------------------
def _template_rows() -> dict[str, str]:
    """docs/explore.md's Mapping templates table: template name -> the row's text."""
    rows = {}
    for _, line in _prose_lines(DOCS / "explore.md"):
        match = re.match(r"^\|\s*`(\w+)`\s*\|", line)
        if match:
            rows[match.group(1)] = line
    return rows


def test_explore_page_lists_every_template_with_its_parameters() -> None:
    rows = _template_rows()
    assert set(rows) >= set(TEMPLATES), f"templates missing from docs/explore.md: {sorted(set(TEMPLATES) - set(rows))}"
    for name, chosen in TEMPLATES.items():
        for parameter in chosen.parameters:
            assert f"`{parameter.name}`" in rows[name], f"docs/explore.md: template {name} lacks parameter {parameter.name}"
            default = parameter.default_from or parameter.default
            assert str(default) in rows[name], f"docs/explore.md: template {name}, parameter {parameter.name}: default {default} not shown"


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    if parts[0] != "mapscope":
        parts.insert(0, "mapscope")
    for split in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return False


@pytest.mark.parametrize("page_name", PAGES_NAMING_CODE)
def test_named_functions_and_modules_exist(page_name: str) -> None:
    text = (DOCS / page_name).read_text(encoding="utf-8")
    names = sorted({name for name in _DOTTED_NAME.findall(text) if name.split(".")[0] in MAPSCOPE_PACKAGES})
    assert names, f"docs/{page_name} names no mapscope function"
    missing = [name for name in names if not _resolves(name)]
    assert not missing, f"docs/{page_name} names what mapscope does not have: {missing}"


# ---- the examples in the docs are valid input ---------------------------------------------------------
def _code_blocks(page: Path) -> list[str]:
    blocks, current, fenced = [], [], False
    for line in page.read_text(encoding="utf-8").splitlines():
        if _FENCE.match(line):
            if fenced:
                blocks.append("\n".join(current) + "\n")
                current = []
            fenced = not fenced
        elif fenced:
            current.append(line)
    return blocks


def test_formats_page_examples_parse() -> None:
    blocks = _code_blocks(DOCS / "formats.md")
    mapping = next(block for block in blocks if block.lstrip().startswith("Network "))
    network = parse_mapping_text(mapping, "docs/formats.md")
    assert [mapped.layer.name for mapped in network.layers] == ["conv1"]
    assert len(network.layers[0].dataflow) == 12
    hardware = next(block for block in blocks if block.lstrip().startswith("num_pes:"))
    assert parse_hardware_text(hardware, "docs/formats.md") == {
        "num_pes": 256,
        "l1_size_elems": 100,
        "l2_size_elems": 3000,
        "noc_bandwidth_elems_per_cycle": 1000,
        "offchip_bandwidth_elems_per_cycle": 50,
        "noc_latency_cycles": 1,
    }


def test_flexsa_page_trajectory_examples_read_alike(tmp_path: Path) -> None:
    blocks = _code_blocks(DOCS / "flexsa.md")
    csv_text = next(block for block in blocks if block.startswith("# network:"))
    yaml_text = next(block for block in blocks if block.startswith("network:"))
    (tmp_path / "pruning.csv").write_text(csv_text, encoding="utf-8")
    (tmp_path / "pruning.yaml").write_text(yaml_text, encoding="utf-8")
    cnn = training_model("resnet56")
    from_csv = read_trajectory(tmp_path / "pruning.csv", cnn)
    from_yaml = read_trajectory(tmp_path / "pruning.yaml", cnn)
    assert from_csv == from_yaml
    assert from_csv.epochs == (0, 40, 80) and from_csv.total_epochs == 160
    last = {name: (c, k) for name, c, k in from_csv.channels[-1]}
    assert last["layer1.0.conv1"] == (16, 10) and last["layer1.0.conv2"] == (10, 16)
