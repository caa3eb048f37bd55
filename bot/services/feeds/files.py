"""Reading a feed file: CSV with a header line, or JSON lines (one object per line).

Rows come out as ``(line number, record)``, lazily, so a file of any size streams through
``feeds.import_feed`` in chunks. A line that cannot be read becomes an ``InvalidInput`` in
place of its record: it is reported with its number and the rest of the file still imports.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

from bot.health.errors import InvalidInput

COLUMNS = ("record_id", "doc_type", "doc_number", "status", "since", "until")
REQUIRED = COLUMNS[:5]
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")


class FeedFileError(ValueError):
    """The file as a whole cannot be read (no header, missing columns): nothing is imported."""


def count_records(path: Path) -> int:
    """Lines that may hold a record: for a progress bar's total, read fast without parsing."""
    with path.open("rb") as fh:
        lines = sum(1 for line in fh if line.strip())
    return max(lines - (0 if is_json_lines(path) else 1), 0)


def is_json_lines(path: Path) -> bool:
    if path.suffix.lower() in JSON_SUFFIXES:
        return True
    if path.suffix.lower() == ".csv":
        return False
    with path.open("rb") as fh:
        head = fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{")


def read_feed(path: Path) -> Iterator[tuple[int, object]]:
    return _json_lines(path) if is_json_lines(path) else _csv_rows(path)


def _json_lines(path: Path) -> Iterator[tuple[int, object]]:
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError:
                yield number, InvalidInput("feeds.bad_json")


def _csv_rows(path: Path) -> Iterator[tuple[int, object]]:
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.DictReader(fh)
        header = [name.strip() for name in reader.fieldnames or ()]
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            raise FeedFileError(f"the header line lacks the column(s) {', '.join(missing)}")
        reader.fieldnames = header
        for row in reader:
            # too many cells, or too few to reach the required ones (a missing trailing
            # `until` is only an empty one)
            if None in row or any(row.get(name) is None for name in REQUIRED):
                yield reader.line_num, InvalidInput("feeds.columns", expected=len(header))
            else:
                yield reader.line_num, row
