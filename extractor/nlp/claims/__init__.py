"""Claims: who, what, where and when for every figure (see :mod:`extractor.nlp.claims.component`)."""

from __future__ import annotations


def rule_ids() -> set[str]:
    """Every rule id the claim builder may record as a claim's ``how``."""
    from extractor.nlp.claims import discourse, finish, sentence
    from extractor.nlp.claims.fields import (
        change,
        indicator,
        measure,
        modality,
        period,
        phrase,
        source,
    )

    return {r for m in (phrase, measure, indicator, modality, period, source, change, finish, sentence, discourse)
            for r in m.RECORDS}
