"""Open HTML reports in headless Chromium (the system's `chromium`, driven by Playwright) and say what a
reader would see: JavaScript errors, charts drawn, table rows, and a screenshot."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Where Debian's `chromium` package puts the browser (found on PATH first).
CHROMIUM_NAMES = ("chromium", "chromium-browser")
VIEWPORT = {"width": 1280, "height": 900}


def chromium_path() -> str | None:
    """The system Chromium's executable, or None when it is not installed."""
    return next((path for path in map(shutil.which, CHROMIUM_NAMES) if path), None)


@dataclass(frozen=True)
class PageView:
    """What a headless browser saw of one report."""

    errors: tuple[str, ...]  # console errors and uncaught exceptions
    chart_ids: tuple[str, ...]  # every Plotly chart's element id
    empty_charts: tuple[str, ...]  # charts with no SVG drawing (or an SVG without marks)
    table_rows: dict[str, int]  # rows per table id
    requests: tuple[str, ...]  # every URL the page asked for besides the file itself (refused)
    screenshot_png: bytes


@contextmanager
def browser() -> Iterator[Any]:
    """A headless system Chromium (Playwright does not download a browser of its own here)."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    assert executable is not None, "install Debian's chromium package (.ci/run does)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield launched
        finally:
            launched.close()


#: Run in the page: each Plotly chart's id and how many marks (paths, points, bars) its SVG holds.
_CHART_MARKS = """() => Array.from(document.querySelectorAll('div.js-plotly-plot')).map(div => {
  const svg = div.querySelector('svg.main-svg');
  const marks = svg ? div.querySelectorAll('g.trace path, g.trace .point, g.points path').length : 0;
  return [div.id, marks];
})"""
_TABLE_ROWS = """() => Object.fromEntries(Array.from(document.querySelectorAll('table.data')).map(t => [t.id, t.tBodies[0].rows.length]))"""


def show(page: Any, path: Path) -> None:
    """Load `path` in `page` and wait until its charts are drawn."""
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function("() => document.querySelectorAll('div.js-plotly-plot').length > 0", timeout=20_000)


def view(launched: Any, path: Path, viewport: dict[str, int] = VIEWPORT) -> PageView:
    """Open `path` (no network: every request other than the file itself is refused) and look at it."""
    page = launched.new_page(viewport=viewport)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    requests: list[str] = []

    def refuse_network(route: Any) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            requests.append(route.request.url)
            route.abort()

    page.route("**/*", refuse_network)
    try:
        show(page, path)
        charts = page.evaluate(_CHART_MARKS)
        rows = page.evaluate(_TABLE_ROWS)
        png = page.screenshot(full_page=False)
    finally:
        page.close()
    return PageView(
        errors=tuple(errors),
        chart_ids=tuple(chart_id for chart_id, _ in charts),
        empty_charts=tuple(chart_id for chart_id, marks in charts if marks == 0),
        table_rows=rows,
        requests=tuple(requests),
        screenshot_png=png,
    )


def pixel_spread(png: bytes) -> float:
    """The standard deviation of the screenshot's grey levels: 0 for a blank page."""
    import numpy as np
    from matplotlib import image

    pixels = image.imread(io.BytesIO(png), format="png")
    return float(np.asarray(pixels)[..., :3].mean(axis=-1).std())


#: The README's picture: the facts, the warnings and the first two charts.
README_VIEWPORT = {"width": 1280, "height": 1400}


def screenshot(html_path: Path, png_path: Path) -> None:
    """Save the top of a report as a PNG (the README's picture of the analyze report)."""
    with browser() as launched:
        png_path.write_bytes(view(launched, html_path, README_VIEWPORT).screenshot_png)


if __name__ == "__main__":  # python tests/report/html_browser.py REPORT.html OUT.png
    import sys

    screenshot(Path(sys.argv[1]), Path(sys.argv[2]))
