"""Text helpers the components share: the dateline pattern, and one sentence index per document.

``Doc.sents`` and ``Token.sent`` walk the sentence boundaries again on every access; the
quantity, period and claim components ask for them thousands of times per article. The index is
kept in ``doc.user_data`` as plain integers (it travels with the doc between worker processes).
"""

from __future__ import annotations

import re
from bisect import bisect_right

from spacy.attrs import ORTH, SPACY
from spacy.tokens import Doc, Span

#: a dateline at the start of a line: "HANOI, October 6 (VNA) –", "BEIJING, Aug. 8 (Xinhua) --",
#: "SEOUL, Nov 1 (Reuters) -", without an agency "WUHAN, March 21 --", "Taipei, Aug. 7 --", and a
#: city in capitals alone "TOKYO – ", "KARACHI: ";
#: the story's first sentence starts after it
DATELINE = re.compile(
    r"(?m)^(?:[A-Z][A-Z .'’-]{1,30},[^\n()]{0,30}\([^\n()]{1,30}\)"
    r"|[A-Z][A-Za-z .'’-]{1,30},\s+(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,\s*\d{4})?|\d{1,2}\s+[A-Z][a-z]{2,8}\.?)"
    r"|[A-Z]{3,}(?:[ .'’-][A-Z]{2,}){0,2}(?=\s*+(?:-{1,2}|–|—)\s)"
    r"|[A-Z]{3,}(?:[ .'’-][A-Z]{2,}){0,2}(?=:\s))"
    r"\s*+(?:-{1,2}|–|—|:)\s*")

_KEY = "extractor.sentence_starts"


def sentence_starts(doc: Doc) -> list[int]:
    """Token index of each sentence start, in order (``[0]`` for a doc without sentences)."""
    starts = doc.user_data.get(_KEY)
    if starts is None or (starts and starts[-1] >= len(doc) > 0):
        if doc.has_annotation("SENT_START"):
            starts = [s.start for s in doc.sents]
        else:
            starts = [0]
        doc.user_data[_KEY] = starts
    return starts


def sentence_of(doc: Doc, token_i: int) -> Span:
    """The sentence holding token ``token_i``."""
    starts = sentence_starts(doc)
    k = max(0, bisect_right(starts, token_i) - 1)
    end = starts[k + 1] if k + 1 < len(starts) else len(doc)
    return doc[starts[k]:end]


def sentences(doc: Doc) -> list[Span]:
    starts = sentence_starts(doc)
    return [doc[s:(starts[k + 1] if k + 1 < len(starts) else len(doc))] for k, s in enumerate(starts)]


_TEXT_KEY = "extractor.text"


def doc_text(doc: Doc) -> str:
    """``doc.text``, joined once per document (spaCy joins every token on each access)."""
    text = doc.user_data.get(_TEXT_KEY)
    if text is None:
        text = doc.user_data[_TEXT_KEY] = joined_text(doc)
    return text


def joined_text(doc: Doc) -> str:
    """``doc.text`` from the token arrays: spaCy's makes a Token object per token."""
    if not len(doc):
        return ""
    strings = doc.vocab.strings
    orth, space = doc.to_array([ORTH, SPACY]).T.tolist()
    return "".join([strings[o] + " " if s else strings[o] for o, s in zip(orth, space)])


def remember_text(doc: Doc, text: str) -> Doc:
    """Cache ``text`` as the text of ``doc`` made from it (the tokenizer keeps every character, so
    ``doc.text == text``): the components then never join the tokens."""
    doc.user_data[_TEXT_KEY] = text
    return doc


def forget(doc: Doc) -> None:
    """Drop the cached text (the last component does, so it does not travel with the doc)."""
    doc.user_data.pop(_TEXT_KEY, None)
