"""Fact extraction for economic news: statistical claims stored in SQLite with provenance."""

__version__ = "0.1.0"
