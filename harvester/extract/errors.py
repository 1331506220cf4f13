"""The one error extraction raises: input that is not an HTML page at all.

A `ValueError` so callers that already catch bad input keep working; the message is
one line, ready for the CLI's "harvest extract: <path>: <message>".
"""
from __future__ import annotations


class ExtractionError(ValueError):
    """The input cannot be extracted (empty, binary, PDF, image ...)."""
