"""The store's schema: tables, indexes, full-text indexes and the schema version.

The columns of ``claims`` and ``mentions`` are those of :class:`extractor.schema.Claim` and
:class:`extractor.schema.Mention`. Every span row keeps character offsets into ``articles.text``; ``text[start:end]`` equals its
stored surface. Claims are keyed by ``claim_key``, a digest of the article's content hash, the
value span and the value, so audit verdicts (``audits.claim_key``) survive re-extraction even
though claim rows are replaced; ``audits`` has no foreign key to ``claims`` for that reason.
"""

from __future__ import annotations

import hashlib
from typing import Any

from extractor.schema import Claim, Mention, columns

SCHEMA_VERSION = 3


def claim_key(content_hash: str, start: int, end: int, value: Any, unit: Any) -> str:
    raw = f"{content_hash}:{start}:{end}:{value!r}:{unit}"
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:20]


TABLES: dict[str, dict] = {
    "meta": dict(columns={"key": str, "value": str}, pk="key"),
    "articles": dict(
        columns={
            "id": str, "content_hash": str, "path": str, "text": str, "chars": int, "encoding": str,
            "published": str, "published_how": str, "published_start": int, "published_end": int,
            "url": str, "source": str, "title": str, "body_start": int, "body_end": int,
            "pipeline_version": str, "extracted_at": str,
            # digest of the .meta.json fields read with the text: a change re-extracts (issue 19)
            "meta_hash": str,
        },
        pk="id",
        not_null={"content_hash", "text"},
    ),
    "article_files": dict(
        columns={"path": str, "article_id": str, "content_hash": str},
        pk="path",
        foreign_keys=[("article_id", "articles", "id")],
    ),
    "sentences": dict(
        columns={"id": str, "article_id": str, "idx": int, "paragraph": int, "start": int, "end": int, "text": str},
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    ),
    "mentions": dict(
        columns={"id": str, "article_id": str, "sentence_id": str, **columns(Mention)},
        pk="id",
        foreign_keys=[("article_id", "articles", "id"), ("sentence_id", "sentences", "id")],
    ),
    "indicators": dict(
        columns={"id": str, "name": str, "aliases": str, "wdi": str, "units": str, "measures": str, "description": str},
        pk="id",
    ),
    "claims": dict(
        columns={"id": str, "claim_key": str, "article_id": str, "sentence_id": str, "mention_id": str,
                 **columns(Claim)},
        pk="id",
        foreign_keys=[
            ("article_id", "articles", "id"), ("sentence_id", "sentences", "id"),
            ("mention_id", "mentions", "id"), ("indicator", "indicators", "id"),
        ],
    ),
    "audits": dict(
        columns={
            "id": int, "claim_key": str, "article_id": str, "verdict": str, "fields": str, "note": str,
            "reviewer": str, "created_at": str,
            # issue 19: a misstated figure's reference; the key judged; the anchor of the claim the
            # verdict is attached to now (quote, value and their offsets in the article text); how
            # it was re-attached after a text change, or why it could not be (an orphan)
            "reference": str, "judged_key": str, "quote": str, "quote_start": int, "value": float, "unit": str,
            "value_text": str, "value_start": int, "value_end": int, "attached_how": str, "detached": str,
        },
        pk="id",
    ),
    # a flag judged by a verdict on its claim stays resolved while the same check finds the same
    # claims with the same numbers (issue 19)
    "flag_resolutions": dict(
        columns={
            "id": int, "check": str, "claim_key": str, "related": str, "expected": float, "actual": float,
            "audit_id": int, "resolved_at": str,
        },
        pk="id",
    ),
    "flags": dict(
        columns={
            "id": int, "claim_key": str, "article_id": str, "check": str, "message": str,
            "expected": float, "actual": float, "tolerance": float, "related": str, "created_at": str,
        },
        pk="id",
    ),
    # a file that could not be extracted (article_id null), or a sentence of a stored article that
    # the pipeline failed on and left out (article_id, component, start/end/text), issue 14
    "failures": dict(
        columns={"id": int, "path": str, "article_id": str, "component": str, "start": int, "end": int, "text": str,
                 "reason": str, "at": str},
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    ),
}

INDEXES = {
    "articles": [["content_hash"]],
    "article_files": [["article_id"]],
    "sentences": [["article_id"]],
    "mentions": [["article_id"], ["sentence_id"], ["type"]],
    "claims": [["article_id"], ["sentence_id"], ["mention_id"], ["indicator"], ["claim_key"], ["geo", "period"]],
    "audits": [["claim_key"], ["article_id"]],
    "flag_resolutions": [["claim_key"]],
    "flags": [["claim_key"], ["article_id"]],
    "failures": [["path"], ["article_id"]],
}

FTS = {"sentences": ["text"], "claims": ["quote", "phrase", "indicator", "source"]}
