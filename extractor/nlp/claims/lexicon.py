"""The claim builder's word lists and patterns, built from its rule data.

The data (``extractor/data/claims/words.yaml``, the flat-change cues of ``changes.yaml`` and the
dependency patterns of ``claims/patterns.jsonl``) is one JSON-able dict: the component loads it at
``initialize()`` and saves it with ``to_disk``, so a saved pipeline does not depend on the
installed rule files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from spacy.vocab import Vocab

from extractor.nlp.dep_patterns import DependencyPatterns, PatternError
from extractor.rules import RuleFileError, load_data


def word_rx(words: Iterable[str]) -> re.Pattern:
    """Any of ``words`` as a whole word, longest first, case-insensitive."""
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b", re.I)


def packaged_data() -> dict[str, Any]:
    """The rule data as packaged: word lists, flat-change cues, dependency patterns."""
    return {
        "words": load_data("claims/words.yaml"),
        "flat_cues": list(load_data("changes.yaml")["flat_cues"]),
        "patterns": load_data("claims/patterns.jsonl"),
    }


@dataclass
class ClaimLexicon:
    """Compiled word lists (see ``claims/words.yaml`` for what each one is)."""

    share_before: re.Pattern
    ratio_after: re.Pattern
    reporting_verbs: frozenset[str]
    target_cues: frozenset[str]
    forecast_cues: frozenset[str]
    clause_breaks: re.Pattern
    yoy: re.Pattern
    mom: re.Pattern
    deficit_words: re.Pattern
    negative_words: re.Pattern
    cut_verbs: frozenset[str]
    price_words: re.Pattern
    growth_words: re.Pattern
    anaphora: dict[str, str]
    topic_heads: frozenset[str]
    counterpart_nouns: dict[str, str]
    part_nouns: frozenset[str]
    job_nouns: frozenset[str]
    job_indicators: dict[str, str]
    full_year: re.Pattern
    lead_topic: re.Pattern
    headline_period: re.Pattern
    central_bank: re.Pattern
    policy_target_nouns: frozenset[str]
    generic_topic_nouns: frozenset[str]
    place_nouns: dict[str, str]
    unnamed: frozenset[str]
    unnamed_documents: frozenset[str]
    actor_nouns: frozenset[str]
    actor_verbs: frozenset[str]
    anaphoric_credits: dict[str, tuple[str, ...]]
    skip_before: re.Pattern
    not_claim_nouns: frozenset[str]
    anaphoric_subjects: frozenset[str]
    basis_before: re.Pattern
    record_since: re.Pattern
    same_period_of: re.Pattern
    value_of_before: re.Pattern
    earlier_value_before: re.Pattern
    measured_after: re.Pattern
    credit_patterns: tuple[re.Pattern, ...]
    credit_hint: re.Pattern
    level_nouns: frozenset[str]
    speech_verbs: frozenset[str]
    ratio_map: dict[str, str]
    flat_cues: re.Pattern
    import_words: re.Pattern
    export_words: re.Pattern
    patterns: list[dict]
    words: dict[str, Any]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "ClaimLexicon":
        try:
            r = data["words"]
            reporting = frozenset(r["reporting_verbs"])
            # a cheap test before parsing a sentence for a credit: a reporting verb in any form, or
            # a word the credit patterns start from
            stems = sorted({v[:-1] if len(v) > 4 else v for v in reporting} | set(r["irregular_reporting_forms"]))
            return cls(
                share_before=word_rx(r["share_cues_before"]),
                ratio_after=word_rx(r["ratio_cues_after"]),
                reporting_verbs=reporting,
                target_cues=frozenset(r["target_cues"]),
                forecast_cues=frozenset(r["forecast_cues"]),
                clause_breaks=re.compile(r["clause_breaks"], re.I),
                yoy=re.compile(r["basis_yoy"], re.I),
                mom=re.compile(r["basis_mom"], re.I),
                deficit_words=word_rx(r["deficit_words"]),
                negative_words=word_rx(r["negative_words"]),
                cut_verbs=frozenset(r["cut_verbs"]),
                price_words=word_rx(r["price_words"]),
                growth_words=word_rx(r["growth_words"]),
                anaphora=dict(r["place_anaphora"]),
                topic_heads=frozenset(r["topic_heads"]),
                counterpart_nouns={str(k): str(v) for k, v in r["counterpart_nouns"].items()},
                part_nouns=frozenset(r["part_nouns"]),
                job_nouns=frozenset(r["job_nouns"]),
                job_indicators=dict(r["job_indicators"]),
                full_year=re.compile(r["full_year"], re.I),
                lead_topic=re.compile(r["lead_topic"], re.I),
                headline_period=re.compile(r["headline_period"], re.I),
                central_bank=re.compile(r["central_bank"], re.I),
                policy_target_nouns=frozenset(r["policy_target_nouns"]),
                generic_topic_nouns=frozenset(r["generic_topic_nouns"]),
                place_nouns={str(k).lower(): str(v) for k, v in r["place_nouns"].items()},
                unnamed=frozenset(r["unnamed_sources"]),
                unnamed_documents=frozenset(r["unnamed_documents"]),
                actor_nouns=frozenset(r["actor_nouns"]),
                actor_verbs=frozenset(r["actor_verbs"]),
                anaphoric_credits={str(k): tuple(map(str, v)) for k, v in r["anaphoric_credits"].items()},
                skip_before=re.compile(r["not_a_claim_before"], re.I),
                not_claim_nouns=frozenset(r["not_claim_nouns"]),
                anaphoric_subjects=frozenset(r["anaphoric_subjects"]),
                basis_before=re.compile(r["basis_before"], re.I),
                record_since=re.compile(r["record_since"], re.I),
                same_period_of=re.compile(r["same_period_of"], re.I),
                value_of_before=re.compile(r["value_of_before"], re.I),
                earlier_value_before=re.compile(r["earlier_value_before"]),
                measured_after=re.compile(r["measured_after"], re.I),
                credit_patterns=tuple(re.compile(p) for p in r["credit_patterns"]),
                credit_hint=re.compile(
                    r"\b(?:" + "|".join(map(re.escape, stems)) + r")\w*|\b(?:according|data|statistics|figures)\b", re.I),
                level_nouns=frozenset(r["level_nouns"]),
                speech_verbs=frozenset(r["speech_verbs"]),
                ratio_map=dict(r["ratio_of_gdp"]),
                flat_cues=word_rx(data["flat_cues"]),
                import_words=word_rx(r["import_flow_words"]),
                export_words=word_rx(r["export_flow_words"]),
                patterns=list(data["patterns"]),
                words=dict(r),
            )
        except (KeyError, TypeError, re.error) as exc:
            raise RuleFileError(f"claim builder rule data: {type(exc).__name__}: {exc}") from None


def _expand(value: Any, words: dict[str, Any]) -> Any:
    """A pattern's ``"$name"`` list: the word list of that name, in lower, capitalised and upper
    forms (spaCy's lemmas of sentence-initial words may keep their case)."""
    if isinstance(value, dict):
        return {k: _expand(v, words) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("$"):
        name = value[1:]
        if name not in words or not isinstance(words[name], list):
            raise RuleFileError(f"claims/patterns.jsonl: no word list {name!r} in claims/words.yaml")
        return sorted({f for w in words[name] for f in (w, w.capitalize(), w.upper())})
    return value


def dependency_patterns(lex: ClaimLexicon, vocab: Vocab) -> DependencyPatterns:
    """The lexicon's dependency patterns, their ``"$name"`` lists expanded."""
    entries = []
    for entry in lex.patterns:
        nodes = [{k: (_expand(v, lex.words) if k == "RIGHT_ATTRS" else v) for k, v in node.items()}
                 for node in entry.get("pattern") or []]
        entries.append({**entry, "pattern": nodes})
    try:
        return DependencyPatterns(vocab, entries)
    except PatternError as exc:
        raise RuleFileError(f"claims/patterns.jsonl: {exc}") from None
