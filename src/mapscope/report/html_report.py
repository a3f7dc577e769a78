"""One HTML report for any result mapscope computes or writes (analysis, exploration summary, FlexSA study,
mapping search): a result object is turned into the document its command's `--json` writes, a document's
kind is recognised by its keys, and its page is built and rendered (see `html_page`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mapscope.errors import InputError
from mapscope.report.html_analyze import analysis_page, is_analysis_document
from mapscope.report.html_explore import exploration_page, is_exploration_document
from mapscope.report.html_flexsa import flexsa_page, is_flexsa_document
from mapscope.report.html_map import is_mapping_document, mapping_page
from mapscope.report.html_page import ReportPage, render_page

#: The most designs of an exploration run a report shows (the best ones, and the whole Pareto front).
REPORT_DESIGNS = 2000

#: Each kind of document: its name, how to recognise it, and its page. The first that matches wins.
REPORT_KINDS: tuple[tuple[str, Callable[[Mapping[str, Any]], bool], Callable[[Mapping[str, Any]], ReportPage]], ...] = (
    ("analyze", is_analysis_document, analysis_page),
    ("explore", is_exploration_document, exploration_page),
    ("flexsa", is_flexsa_document, flexsa_page),
    ("map", is_mapping_document, mapping_page),
)


def document_kind(document: Any, where: str) -> str:
    """Which command wrote `document` ("analyze", "explore", "flexsa" or "map"); an InputError otherwise."""
    if isinstance(document, Mapping):
        for kind, matches, _ in REPORT_KINDS:
            if matches(document):
                return kind
    known = ", ".join(kind for kind, _, _ in REPORT_KINDS)
    raise InputError(f"not a result mapscope writes (the JSON of {known})", where)


def report_page(document: Mapping[str, Any], where: str) -> ReportPage:
    """The page of a result document of any kind."""
    kind = document_kind(document, where)
    build = next(page for name, _, page in REPORT_KINDS if name == kind)
    try:
        return build(document)
    except (KeyError, TypeError, ValueError) as error:  # a document of the right shape with a broken entry
        raise InputError(f"a {kind} result with a missing or malformed entry ({type(error).__name__}: {error})", where) from None


def result_document(result: Any) -> Any:
    """The JSON document of a result object (what its command's `--json` writes; an exploration with up to
    REPORT_DESIGNS of its best designs); parsed JSON is taken as a document already (its kind told later)."""
    from mapscope.explore.exploration import ExplorationResult
    from mapscope.explore.summary import summary_document
    from mapscope.formats.results.json_output import network_stats_document
    from mapscope.stats import NetworkStats

    if result is None or isinstance(result, Mapping | list | str | int | float):  # parsed JSON
        return result
    if isinstance(result, NetworkStats):
        return network_stats_document(result)
    if isinstance(result, ExplorationResult):
        return summary_document(result, best=REPORT_DESIGNS)
    document = getattr(result, "document", None)  # a FlexSA study or a mapping search
    if callable(document):
        return document()  # type: ignore[no-any-return]
    raise TypeError(f"no HTML report for a {type(result).__name__}")


def report_html(result: Any, where: str = "report") -> str:
    """The self-contained HTML report of a result object or document: the same bytes for the same input."""
    return render_page(report_page(result_document(result), where))
