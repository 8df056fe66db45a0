"""Publication dates and body detection on each seed article (issue 2)."""

from __future__ import annotations

import pytest

from extractor.body import find_body
from extractor.corpus import read_article
from extractor.pubdate import detect, publication_date

from .conftest import CORPUS

# (article, date printed in the text or None, publication date with the sidecar, how)
PUBDATES = [
    ("000_eb5fc65021657d43", "2012-12-07", "2012-12-07", "text"),
    ("001_a98aa1da957942e1", None, "2019-03", "meta"),
    ("002_50abea90d804c576", None, None, "unknown"),
    ("003_270bea5b41e05852", None, "2019-02", "meta"),
    ("004_f21e5918f760a7ed", "2025-07-11", "2025-07-11", "text"),
]


@pytest.mark.parametrize("aid,in_text,final,how", PUBDATES)
def test_publication_date_of_each_seed(aid, in_text, final, how):
    art = read_article(CORPUS / f"{aid}.txt")
    body = find_body(art.text)
    assert detect(art.text, body.span).value == in_text
    pd = publication_date(art.text, art.meta, body.span)
    assert (pd.value, pd.how) == (final, how)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Latest\n\nHeadline here\n\n08:32, December 07, 2012\n\nBody text follows.", "2012-12-07"),
        (" date 2025-07-11 \n\n\nBody.", "2025-07-11"),
        ("Trade grew. (Xinhua News Agency June 13, 2003)", "2003-06-13"),
        ("Updated: 2004-10-25 09:33\n\nThe ministry said exports rose.", "2004-10-25"),
        ("Published: 7 March 2021\nText.", "2021-03-07"),
        ("Exports rose 5 percent in March 2019, officials said on June 13, 2019.", None),  # dates in prose
        ("Nothing dated here at all.", None),
    ],
)
def test_publication_date_forms(text, expected):
    assert detect(text).value == expected


def test_unknown_date_is_not_the_clock():
    pd = publication_date("No date anywhere.", {})
    assert pd.value is None and pd.how == "unknown"


# (article, first words of the body, last words of the body)
BODIES = [
    ("000_eb5fc65021657d43", "China pledges to narrow", "and development,\" Zhou said."),
    ("001_a98aa1da957942e1", "High-tech product exports", "from large to strong."),
    ("002_50abea90d804c576", "Ministry of Commerce and Ministry", "platform for technology export."),
    ("003_270bea5b41e05852", "Guangdong province", "to reach 7.99 billion yuan."),
    ("004_f21e5918f760a7ed", "Huo Jianguo Photo", "bizopinion@globaltimes.com.cn"),
]


@pytest.mark.parametrize("aid,first,last", BODIES)
def test_body_of_each_seed(aid, first, last):
    text = read_article(CORPUS / f"{aid}.txt").text
    b = find_body(text)
    body = text[b.start:b.end]
    assert body.startswith(first)
    assert body.endswith(last)


def test_body_drops_repeated_headline_copy():
    text = read_article(CORPUS / "001_a98aa1da957942e1.txt").text
    b = find_body(text)
    assert b.start == text.index("High-tech product exports", 1)  # the second copy, not the scraped first line


@pytest.mark.parametrize(
    "marker", ["Leave a comment", "Most Popular", "Tel: 0086-10-88177889", "【1】 【2】 【3】", "We recommend:"]
)
def test_boilerplate_markers_end_the_body(marker):
    para = "The ministry said exports of machinery rose sharply in the first quarter of the year, driven by demand."
    text = f"Headline\n\n{para}\n\n{para}\n\n{marker}\n\nMore junk here"
    b = find_body(text)
    assert marker not in text[b.start:b.end]
    assert text[b.start:b.end].startswith("Headline")
