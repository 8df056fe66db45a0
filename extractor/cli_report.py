"""The HTML report: `extractor report` (issue 7)."""

from __future__ import annotations

import click  # noqa: F401

#: click commands this module adds to the ``extractor`` group
COMMANDS: list = []
