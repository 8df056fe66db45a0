"""What the store's rows read off a processed Doc, as plain picklable data.

Worker processes send a :class:`DocDigest` back to the main process rather than the Doc: the
Doc's bytes cost the workers a serialisation and the main process a deserialisation (with
spaCy's extension data) that together took more CPU than writing the rows, and the main
process is the one every worker waits on.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from spacy.tokens import Doc

from extractor.nlp.claims.component import claims as doc_claims
from extractor.nlp.periods.component import timexes
from extractor.nlp.periods.timex_component import timexes3
from extractor.nlp.quantities.component import quantities as doc_quantities
from extractor.nlp.text import joined_text
from extractor.schema import Claim

#: entity labels stored as mentions
ENTITY_LABELS = frozenset({"ORG", "GPE", "PERSON", "NORP", "LOC", "FAC", "EVENT", "LAW", "PRODUCT", "WORK_OF_ART",
                           "LANGUAGE"})


@dataclass
class DocDigest:
    """One processed text: offsets are into that text."""

    #: each sentence of the parse, in order: (start, end) of its text without surrounding
    #: spaces (None for a sentence of spaces), and the end of the whole sentence
    sentences: list[tuple[int | None, int | None, int]]
    #: (label, start, end, entity id) of the entities stored as mentions
    ents: list[tuple[str, int, int, str | None]]
    quantities: list[dict]
    timexes: list[dict]
    timexes3: list[dict]
    claims: list[Claim]
    #: character -> the number of the (non-blank) sentence of the token there, for every
    #: character a row is keyed at (mention and claim starts); absent: none
    sentence_at: dict[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, doc: Doc) -> "DocDigest":
        text = joined_text(doc)  # once: Span.text and Doc.text join their tokens on every access
        sentences: list[tuple[int | None, int | None, int]] = []
        first_tokens: list[int] = []  # of each sentence, in order
        blank: set[int] = set()
        for n, sent in enumerate(doc.sents):
            first_tokens.append(sent.start)
            raw = text[sent.start_char:sent.end_char]
            stripped = raw.strip()
            if not stripped:
                sentences.append((None, None, sent.end_char))
                blank.add(n)
                continue
            s = sent.start_char + len(raw) - len(raw.lstrip())
            sentences.append((s, s + len(stripped), sent.end_char))
        ents = [(e.label_, e.start_char, e.end_char, e.kb_id_ or None) for e in doc.ents if e.label_ in ENTITY_LABELS]
        qs, ts, t3s, cs = doc_quantities(doc), timexes(doc), timexes3(doc), doc_claims(doc)
        keyed = {e[1] for e in ents} | {q["start"] for q in qs} | {t["start"] for t in ts} | {t["start"] for t in t3s}
        keyed |= {c.start for c in cs}
        sentence_at = {}
        for char in keyed:
            span = doc.char_span(char, char + 1, alignment_mode="expand")
            if span is not None and len(span) and first_tokens:
                n = bisect_right(first_tokens, span.start) - 1
                if n >= 0 and n not in blank:
                    sentence_at[char] = n
        return cls(sentences, ents, qs, ts, t3s, cs, sentence_at)
