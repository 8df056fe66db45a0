"""Store integrity: `extractor check` (issue 9)."""

from __future__ import annotations

import click  # noqa: F401

#: click commands this module adds to the ``extractor`` group
COMMANDS: list = []
