"""Reads a source file (plain text or PDF) into a Document: regions, paragraphs and sentences with exact offsets."""

# `source` turns a file into its text (a PDF's through `pdf`, all under `limits`), `structure` finds
# the letter's parts in it, over the `document` model and its normalised view (`norm`).

from __future__ import annotations

from .document import (
    DAY_MONTH_YEAR,
    FURNITURE,
    MONTH_DAY_YEAR,
    MONTH_RE,
    MONTH_YEAR,
    MONTHS,
    SYMBOL_RE,
    Document,
    Paragraph,
    Sentence,
    Span,
    parse_date,
)
from .limits import (
    MAX_BYTES,
    MAX_LINE_CHARS,
    MAX_STATEMENTS,
    PDF_MEMORY_MIB,
    PDF_SECONDS,
    PDF_STREAM_BYTES,
    SOURCE_SECONDS,
    ReadError,
    TimeLimitExceeded,
    describe_error,
    time_limit,
)
from .norm import NormText
from .pdf import pdf_text
from .source import (
    check_shape,
    check_statements,
    clean_text,
    decode,
    kind_problem,
    path_problem,
    read_path,
    read_text,
    source_bytes,
)
from .structure import ANNEX_HEADINGS, SIGNED_RE, TITLE_RE, structure

__all__ = [
    "ANNEX_HEADINGS",
    "DAY_MONTH_YEAR",
    "FURNITURE",
    "MAX_BYTES",
    "MAX_LINE_CHARS",
    "MAX_STATEMENTS",
    "MONTHS",
    "MONTH_DAY_YEAR",
    "MONTH_RE",
    "MONTH_YEAR",
    "PDF_MEMORY_MIB",
    "PDF_SECONDS",
    "PDF_STREAM_BYTES",
    "SIGNED_RE",
    "SOURCE_SECONDS",
    "SYMBOL_RE",
    "TITLE_RE",
    "Document",
    "NormText",
    "Paragraph",
    "ReadError",
    "Sentence",
    "Span",
    "TimeLimitExceeded",
    "check_shape",
    "check_statements",
    "clean_text",
    "decode",
    "describe_error",
    "kind_problem",
    "parse_date",
    "path_problem",
    "pdf_text",
    "read_path",
    "read_text",
    "source_bytes",
    "structure",
    "time_limit",
]
