"""Finding the article body in scraped page text: one contiguous range, the rest is boilerplate.

Paragraphs (lines) are classified by jusText (stop-word density, length); the body runs from the
first to the last paragraph jusText keeps, extended up over the header block (headline, byline,
dateline) and cut at the first page-furniture marker after the article (``boilerplate.yaml``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

import justext
import justext.core
import justext.paragraph
import justext.utils

from extractor.rules import load_data


@dataclass
class Line:
    start: int
    end: int
    text: str
    cls: str = "bad"  #: jusText's class: good, neargood, short, bad
    blank_before: int = 0  #: blank lines between this line and the previous non-empty one


@dataclass
class Body:
    start: int
    end: int
    lines: list[Line]

    @property
    def span(self) -> tuple[int, int]:
        return self.start, self.end


@lru_cache(maxsize=1)
def _rules() -> tuple[list[re.Pattern], dict, dict]:
    data = load_data("boilerplate.yaml")
    markers = [re.compile(p, re.I) for p in data["markers"]]
    return markers, data["justext"], data["header"]


@lru_cache(maxsize=1)
def _navigation() -> list[re.Pattern]:
    return [re.compile(p, re.I) for p in load_data("boilerplate.yaml")["navigation"]]


_HAS_DATE = re.compile(
    r"\b\d{4}[-/]\d{1,2}[-/]\d{1,2}\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}\b"
    r"|\b\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{4}\b", re.I)


def is_navigation(line: str) -> bool:
    """A menu, breadcrumb or cookie/skip link line (``navigation`` in boilerplate.yaml); a line
    holding a date is a dateline, not navigation."""
    if _HAS_DATE.search(line):
        return False
    if len(line.split()) >= 4 and line.upper() == line and re.search(r"[A-Z]", line):
        return True  # "HOME CHINA WORLD BUSINESS LIFESTYLE"
    return any(p.search(line) for p in _navigation())


@lru_cache(maxsize=1)
def _stoplist() -> frozenset[str]:
    return justext.get_stoplist("English")


class _Paragraph(justext.paragraph.Paragraph):
    """jusText's paragraph with its text joined and normalised once: jusText's own recomputes it
    (a regular-expression callback per space) on each of the dozens of reads while classifying,
    most of the cost of finding a body."""

    @cached_property
    def text(self) -> str:
        return justext.utils.normalize_whitespace("".join(self.text_nodes).strip())


def _justext(page: str, params: dict) -> list:
    """``justext.justext`` step by step, with :class:`_Paragraph` (the text nodes are complete
    once the paragraphs are made; classifying does not change them)."""
    core = justext.core
    dom = core.preprocessor(core.html_to_dom(page.encode("utf-8"), core.DEFAULT_ENCODING, "utf-8",
                                             core.DEFAULT_ENC_ERRORS))
    paragraphs = core.ParagraphMaker.make_paragraphs(dom)
    for p in paragraphs:
        p.__class__ = _Paragraph
    kw = {k: params.get(k, getattr(core, f"{k.upper()}_DEFAULT")) for k in (
        "length_low", "length_high", "stopwords_low", "stopwords_high", "max_link_density", "no_headings")}
    core.classify_paragraphs(paragraphs, _stoplist(), **kw)
    core.revise_paragraph_classification(
        paragraphs, params.get("max_heading_distance", core.MAX_HEADING_DISTANCE_DEFAULT))
    return paragraphs


def split_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    pos = 0
    blanks = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            lines.append(Line(pos + lead, pos + lead + len(stripped), stripped, blank_before=blanks))
            blanks = 0
        else:
            blanks += 1
        pos += len(raw) + 1
    return lines


def is_marker(line: str) -> bool:
    markers, _, _ = _rules()
    return any(m.search(line) for m in markers)


def classify(lines: list[Line]) -> None:
    if not lines:
        return
    _, params, _ = _rules()
    page = "<html><body>" + "".join(f"<p>{html.escape(ln.text)}</p>" for ln in lines) + "</body></html>"
    paragraphs = _justext(page, params)
    if len(paragraphs) == len(lines):
        for ln, p in zip(lines, paragraphs):
            ln.cls = p.class_type if p.class_type == "good" else p.cf_class
        return
    # jusText dropped or merged a paragraph: align by text instead.
    by_text = {}
    for p in paragraphs:
        by_text.setdefault(" ".join(p.text.split()), p.class_type)
    for ln in lines:
        ln.cls = by_text.get(" ".join(ln.text.split()), "bad")


def find_body(text: str) -> Body:
    lines = split_lines(text)
    if not lines:
        return Body(0, 0, lines)
    classify(lines)
    _, _, header = _rules()
    good = [i for i, ln in enumerate(lines) if ln.cls == "good" and not is_marker(ln.text)]
    if not good:  # a short article: jusText keeps nothing as "good", take its near-good paragraphs
        good = [i for i, ln in enumerate(lines) if ln.cls == "neargood" and not is_marker(ln.text)]
    if not good:
        # Nothing looks like prose (a note, a list of figures): the lines before the first marker.
        keep = [i for i, ln in enumerate(lines) if not is_marker(ln.text)] or list(range(len(lines)))
        first_marker = next((i for i in range(keep[0], len(lines)) if is_marker(lines[i].text)), len(lines))
        keep = [i for i in keep if i < first_marker] or keep
        return Body(lines[keep[0]].start, lines[keep[-1]].end, lines)
    good = [i for i in good if not is_navigation(lines[i].text)] or good
    # The article starts at its first paragraph of prose (menus and section labels above it can
    # pass jusText's length test); the headline, byline and dateline above it join below.
    first = next((i for i in good if len(lines[i].text.split()) >= header["min_paragraph_words"]), good[0])
    last = good[-1]
    # The end: the last good paragraph, or the line before the first marker after the first one.
    for i in range(first + 1, last + 1):
        if is_marker(lines[i].text):
            last = max(j for j in good if j < i) if any(j < i for j in good) else first
            break
    # Paragraphs after the last good one that still read as article text (a figures-dense
    # closing paragraph has too few stop words for jusText) until a marker or a gap.
    while (
        last + 1 < len(lines)
        and not is_marker(lines[last + 1].text)
        and lines[last + 1].blank_before <= header["max_blank_lines"]
        and (_reads_as_prose(lines[last + 1].text) or _reads_as_data(lines[last + 1].text)
             or _introduces_data(lines, last + 1))
    ):
        last += 1
    # The header block above the first paragraph: short lines, single-spaced, no markers, and not
    # a scraped copy of a line that appears again later.
    later = {ln.text for ln in lines[first:]}
    start = first
    while start > 0:
        prev, cur = lines[start - 1], lines[start]
        if cur.blank_before > header["max_blank_lines"]:
            break
        if is_marker(prev.text) or is_navigation(prev.text) or len(prev.text) > header["max_line_chars"]:
            break
        if prev.text in later or any(prev.text == ln.text for ln in lines[start:first]):
            break
        start -= 1
    return Body(lines[start].start, lines[last].end, lines)


_SENTENCE_END = re.compile(r"[.!?。”\"’')]\s*$")


#: "Unemployment rate: 5.5 per cent (5.4)", "• Exports: $12.3 billion": a line of a figures list
_DATA_LINE = re.compile(r"(?:^|\s)[A-Za-z(][\w ()',&/-]{1,60}:\s*[-+−]?(?:[$€£¥]|[A-Z]{1,3}\$)?\s?\d")
_CLOCK_OR_DATE = re.compile(r"\b\d{1,2}:\d{2}\b|\b\d{4}-\d{2}-\d{2}\b")


def _reads_as_data(line: str) -> bool:
    """A closing list of figures a paragraph introduced ("Here's a quick look at June employment:"),
    which jusText reads as too short of stop words for prose."""
    return bool(_DATA_LINE.search(line)) and not _CLOCK_OR_DATE.search(line) and not is_navigation(line)


def _introduces_data(lines: list[Line], i: int) -> bool:
    """"Here's a quick look at June employment (previous month in brackets):" before a figures list."""
    line = lines[i].text.rstrip()
    return line.endswith(":") and len(line.split()) >= 4 and line[:1].isupper() and i + 1 < len(lines) \
        and _reads_as_data(lines[i + 1].text)


def _reads_as_prose(line: str) -> bool:
    """A closing paragraph: a sentence ("Imports rose 0.2 percent." is one), not a list item or
    a headline of another story (no final stop)."""
    words = line.split()
    return len(words) >= 4 and line[:1].isupper() and bool(_SENTENCE_END.search(line)) and not is_navigation(line)
