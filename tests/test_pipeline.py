"""The pipeline's own sentence rules (extractor/pipeline.py): datelines and line breaks."""

from __future__ import annotations

import pytest

from extractor.nlp.text import DATELINE as _DATELINE


@pytest.mark.parametrize("line,is_dateline", [
    ("HANOI, October 6 (VNA) – Vietnam's exports fell.", True),
    ("BEIJING, Aug. 8 (Xinhua) -- China's foreign trade rose.", True),
    ("SEOUL, Nov 1 (Reuters) - South Korea's exports fell.", True),
    # issue 6 (third held-out batch): datelines without an agency
    ("WUHAN, March 21 -- Central China's Hubei province spent 130.48 billion yuan.", True),
    ("Taipei, Aug. 7 -- Taiwan's exports rose 11.6 percent.", True),
    ("LONDON, 5 March — Britain's trade deficit narrowed.", True),
    ("Overall, exports rose 5 — the fastest pace in a year.", False),
    ("Exports, imports and the balance -- all rose in May.", False),
])
def test_dateline(line, is_dateline):
    assert bool(_DATELINE.match(line)) is is_dateline


def test_issue6_a_dateline_date_is_no_period_of_the_story(nlp):
    from extractor.nlp.claims.component import claim_dicts as claims

    doc = nlp.make_doc("WUHAN, March 21 -- Hubei province spent 130.5 billion yuan on research and development, "
                       "the provincial statistics bureau said.")
    doc._.published = "2024-03-21"
    got = claims(nlp(doc))
    assert [c["period"] for c in got] == [None]


def test_issue16_no_sentence_starts_inside_a_figure(nlp):
    """A line that starts with a figure ("62.1 per cent ...") was split after its number: the
    claim's sentence then began inside its value."""
    text = ("Here's a quick look at June employment:\n\nUnemployment rate: 5.5 per cent (5.4)\n\n"
            "5.5 per cent (5.4) Employment rate: 62.1 per cent (62.2)\n\n"
            "62.1 per cent (62.2) Participation rate: 65.7 per cent (65.7)\n\n"
            "65.7 per cent (65.7) Number unemployed: 1,114,400 (1,081,800)")
    doc = nlp(text)
    assert [s.text.strip() for s in doc.sents] == [line for line in text.split("\n") if line]
