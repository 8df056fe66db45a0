"""Publication dates and body detection on each seed article (issue 2)."""

from __future__ import annotations

import pytest

from extractor.ingest.body import find_body
from extractor.ingest.corpus import read_article
from extractor.ingest.pubdate import detect, publication_date

from .conftest import CORPUS

# (article, date printed in the text or None, publication date with the sidecar, how)
PUBDATES = [
    ("000_eb5fc65021657d43", "2012-12-07", "2012-12-07", "text"),
    ("001_a98aa1da957942e1", None, "2019-03", "meta"),
    ("002_50abea90d804c576", None, None, "unknown"),
    ("003_270bea5b41e05852", None, "2019-02", "meta"),
    ("004_f21e5918f760a7ed", "2025-07-11", "2025-07-11", "text"),
    # the held-out articles (issue 2: date forms the seeds do not show)
    ("005_40835593ade68c84", "2023-08-08", "2023-08-08", "text"),  # "Source: Xinhua | 2023-08-08 17:05:12"
    ("006_d0541200c3d6c7f2", None, "2021-12-21", "meta"),
    ("007_e154a2eea022245b", "2022-11-01", "2022-11-01", "text"),  # "November 1, 2022 9:05 AM GMT+9 Updated"
    ("009_5d0590625db7654f", "2023-10-26", "2023-10-26", "text"),  # "Published: 18:07, October 26, 2023 | ..."
    ("010_87ef545e7f4b934e", None, "2021-04-27", "meta"),
    ("011_88775acbfe5bd8e6", "2023-10-06", "2023-10-06", "text"),  # "Fri, 06/10/2023 - 16:20"
    ("013_24ea185e73eee49c", "2024-01-17", "2024-01-17", "text"),  # "2024年01月17日 | Source: Xinhua"
    ("015_aca90bca9f7ca162", "2024-01-24", "2024-01-24", "text"),  # "Posted: Jan 24, 2024 | 09:12 JST"
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
        # issue 2 regressions: header lines the seeds do not show
        ("Source: Xinhua | 2019-01-14 20:33:05\n\nBody text here.", "2019-01-14"),
        ("By Reuters | March 3, 2021\nText", "2021-03-03"),
        ("March 3, 2021 10:20 AM\nText", "2021-03-03"),
        ("Posted on 2021-03-04\nText", "2021-03-04"),
        ("chinadaily.com.cn | Updated: 2019-02-18 09:12\nText", "2019-02-18"),
        ("2012-12-07 08:32:10 | Xinhua\nText", "2012-12-07"),
        ("Published: 18:07, October 26, 2023 | Updated: 19:42, October 27, 2023\nText", "2023-10-26"),
        ("Business > Trade\nFri, 06/10/2023 - 16:20\nHeadline", "2023-10-06"),  # day/month: a Friday
        ("Sat, 06/10/2023\nHeadline", "2023-06-10"),  # month/day: 10 June 2023 was a Saturday
        ("Tue, 05/06/2024\nHeadline", None),  # neither reading is a Tuesday: not a date to trust
        ("2024年01月17日 | Source: Xinhua\nText", "2024-01-17"),
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
    # held-out articles: menus, breadcrumbs, "Share:" widgets, "Editor's picks", "Read Next" stay out
    ("005_40835593ade68c84", "China's foreign trade up 2.1 pct", "in the fourth quarter. ■"),
    ("006_d0541200c3d6c7f2", "Zhejiang eyes 400b yuan", "Commodities Fair in October, organizers said."),
    ("008_b5b0bf86f8d3210b", "EU research spending rises", "that is where Europe lags.\""),
    ("010_87ef545e7f4b934e", "China's technology exports nearly double", "three-quarters of R&D input."),
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


@pytest.mark.parametrize("aid,headline,last", [
    ("007_e154a2eea022245b", "South Korea's chip exports fall", "index at 48.2."),
    ("009_5d0590625db7654f", "Hong Kong exports jump 10.1 per cent", 'had been "patchy".'),
])
def test_issue2_body_holds_the_story_and_no_menu(aid, headline, last):
    text = read_article(CORPUS / f"{aid}.txt").text
    b = find_body(text)
    body = text[b.start:b.end]
    assert headline in body[:400] and body.endswith(last)
    assert "|" not in body.split(headline)[0].replace("| Updated", "")  # no menu line above the headline
    assert "Reporting by" not in body and "Most Read" not in body


def test_issue2_a_short_closing_paragraph_stays_in_the_body():
    para = "The ministry said exports of machinery rose sharply in the first quarter of the year, driven by demand."
    text = f"Headline\n\n{para}\n{para}\nImports rose 0.2 percent.\n\nMost Popular\n\nJunk 1"
    b = find_body(text)
    assert text[b.start:b.end].endswith("Imports rose 0.2 percent.")


@pytest.mark.parametrize("nav", ["Home | China | World | Business | Sci-Tech", "HOME CHINA WORLD BUSINESS LIFESTYLE",
                                 "Home  About Us  News Center  Policies", "Finance > Economy", "Skip to main content"])
def test_issue2_navigation_lines_are_not_the_header_block(nav):
    para = "The ministry said exports of machinery rose sharply in the first quarter of the year, driven by demand."
    text = f"{nav}\nTrade grows in March\n{para}\n{para}"
    b = find_body(text)
    assert text[b.start:b.end].startswith("Trade grows in March")


def test_issue16_a_closing_list_of_figures_stays_in_the_body():
    """A paragraph introduces a list of figures ("numbers from the previous month in brackets:");
    its lines are too short of stop words for jusText, and a scraped copy may start with a figure."""
    para = "The ministry said exports of machinery rose sharply in the first quarter of the year, driven by demand."
    listing = ("Here's a quick look at the figures (previous month in brackets):\n\nUnemployment rate: 5.5 per cent (5.4)\n\n"
               "5.5 per cent (5.4) Employment rate: 62.1 per cent (62.2)\n\n62.1 per cent (62.2) Number working: 19,054,600")
    text = f"Headline\n\n{para}\n{para}\n{listing}\n\nMost Popular\n\nUpdated: 2019-07-05 10:00"
    b = find_body(text)
    assert text[b.start:b.end].endswith("Number working: 19,054,600")


@pytest.mark.parametrize("line", ["Updated: 2019-07-05 10:00", "Posted: 10:45 GMT, 3 July 2019"])
def test_issue16_a_time_stamp_line_is_no_figures_list(line):
    para = "The ministry said exports of machinery rose sharply in the first quarter of the year, driven by demand."
    text = f"Headline\n\n{para}\n{para}\n{line}"
    b = find_body(text)
    assert text[b.start:b.end].endswith("driven by demand.")
