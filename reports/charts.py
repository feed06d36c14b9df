"""Charts as vector SVG with matplotlib (Agg backend, no display), labels in Hangul.

The Korean font is Noto Sans KR from the ``pylopdf-fonts-ko`` package (SIL OFL 1.1),
registered with matplotlib from its file: never a system font, never the network.

Two drawings of the same chart: for the screen, text is written into the SVG as paths, so
the chart looks the same in every browser (an SVG shown as an image cannot load a font); for
the PDF, text stays text in the PDF's own Korean font (``core.fonts.FONT_FAMILY``, declared
by the PDF's ``@font-face``). WeasyPrint draws a few dozen ``<text>`` elements far faster than
hundreds of glyph outlines referenced by ``<use>``, and the words of a chart become
searchable in the PDF (docs/performance.md, "The provisional PDF's layout").
"""

from __future__ import annotations

import base64
import io
from functools import cache, lru_cache

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402  (after choosing the backend)
from matplotlib.figure import Figure  # noqa: E402

from core.fonts import FONT_FAMILY, korean_font_path  # noqa: E402
from reports.sections import Chart  # noqa: E402

BAR_COLOUR = "#0d6efd"
STYLE = {
    "svg.fonttype": "path",
    "svg.hashsalt": "hanjari",  # stable element ids: the same data gives the same file
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.unicode_minus": False,
}


@cache
def _font_family() -> str:
    """Register the Korean font with matplotlib once per process and answer its name."""
    path = str(korean_font_path())
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


def render_svg(chart: Chart, *, printed: bool = False) -> str:
    """The chart as an SVG document: for the screen (text as paths) or, ``printed``, for
    the PDF (text as text in the PDF's font)."""
    return _svg(chart.kind, chart.title, tuple(chart.labels), tuple(chart.values),
                chart.category_axis, chart.value_axis, printed)


@lru_cache(maxsize=256)
def _svg(kind: str, title: str, labels: tuple[str, ...], values: tuple[float, ...],
         category_axis: str = "", value_axis: str = "", printed: bool = False) -> str:
    """Drawing a chart takes tens of milliseconds and the same data always gives the same
    file (fixed hash salt, no date), so the page and the PDF of a month, and every later
    look at a closed month, reuse the first drawing. The key is the chart's whole content:
    a changed figure is a different key, never a stale picture."""
    chart = Chart(kind, title, list(labels), list(values), category_axis, value_axis)
    family = _font_family()
    style = {**STYLE, "font.family": family, "svg.fonttype": "none" if printed else "path"}
    with matplotlib.rc_context(style):
        figure = _days(chart) if chart.kind == "days" else _categories(chart)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    if printed:
        # matplotlib names the font it measured with; the PDF knows it by its @font-face name.
        svg = svg.replace(f"font-family: '{family}'", f"font-family: '{FONT_FAMILY}'")
    return svg


def data_uri(chart: Chart, *, printed: bool = False) -> str:
    """The SVG as a ``data:`` URI for an ``<img>``: a separate document, so the element ids
    of two charts on one page cannot clash."""
    svg = render_svg(chart, printed=printed)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _days(chart: Chart) -> Figure:
    figure = Figure(figsize=(7.0, 2.4), layout="constrained")
    axes = figure.subplots()
    positions = range(len(chart.values))
    axes.bar(positions, chart.values, color=BAR_COLOUR, width=0.7)
    axes.set_xticks(list(positions), chart.labels, fontsize=6)
    axes.set_xlim(-0.6, len(chart.values) - 0.4)
    _counts_from_zero(axes.set_ylim, chart.values)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_title(chart.title, loc="left", fontsize=9)
    axes.set_xlabel(chart.category_axis, fontsize=7)
    axes.set_ylabel(chart.value_axis, fontsize=7)
    return figure


def _categories(chart: Chart) -> Figure:
    height = 1.0 + 0.22 * max(1, len(chart.values))
    figure = Figure(figsize=(7.0, height), layout="constrained")
    axes = figure.subplots()
    positions = list(range(len(chart.values)))
    bars = axes.barh(positions, chart.values, color=BAR_COLOUR, height=0.6)
    axes.set_yticks(positions, chart.labels)
    axes.invert_yaxis()
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.bar_label(bars, fmt="%g", padding=2, fontsize=7)
    axes.margins(x=0.12)
    _counts_from_zero(axes.set_xlim, chart.values)
    axes.set_title(chart.title, loc="left", fontsize=9)
    axes.set_xlabel(chart.value_axis, fontsize=7)
    axes.set_ylabel(chart.category_axis, fontsize=7)
    return figure


def _counts_from_zero(set_limits, values) -> None:
    """Counts start at 0; a month with none would otherwise get a -0.06…0.06 axis."""
    top = max(values, default=0)
    set_limits(0, top * 1.15 if top > 0 else 1)
