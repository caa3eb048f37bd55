"""The officials' commands: ``python -m bot import-feed FILE`` and ``python -m bot redecide``.

Both print a summary on stdout; the import draws a progress bar on stderr (a line per tenth
when stderr is not a terminal), the re-decision logs a progress line per batch.
"""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TextIO

from bot.settings import Settings

SHOWN_REFUSALS = 50


class ProgressBar:
    def __init__(self, total: int, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self.total, self.stream, self.width = max(total, 1), stream, width
        self.started = time.perf_counter()
        self.tty = stream.isatty()
        self._tenths = 0

    def update(self, done: int) -> None:
        share = min(done / self.total, 1.0)
        rate = done / max(time.perf_counter() - self.started, 1e-9)
        text = f"{share:4.0%} {done}/{self.total} records, {rate:.0f}/s"
        if self.tty:
            filled = int(share * self.width)
            bar = "#" * filled + "-" * (self.width - filled)
            self.stream.write(f"\r[{bar}] {text}")
        elif int(share * 10) > self._tenths:
            self._tenths = int(share * 10)
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")


@asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[None]:
    from bot.db import apply_migrations, close_database, open_database

    await apply_migrations(settings.database_url)
    await open_database(settings.database_url)
    try:
        yield
    finally:
        await close_database()


async def import_feed_file(settings: Settings, file: str, source: str, lang: str) -> int:
    from bot.services.feeds.files import FeedFileError, count_records, read_feed
    from bot.services.feeds.imports import import_feed
    from bot.services.runtime import build_runtime

    path = Path(file)
    if not path.is_file():
        print(f"cannot import {file}: no such file", file=sys.stderr)
        return 2
    rt = build_runtime(settings)
    bar = ProgressBar(count_records(path))
    async with _database(settings):
        try:
            result = await import_feed(
                rt, None, source, read_feed(path), progress=lambda r: bar.update(r.received)
            )
        except FeedFileError as exc:
            print(f"cannot import {file}: {exc}", file=sys.stderr)
            return 2
        finally:
            bar.close()
    seconds = time.perf_counter() - bar.started
    print(
        f"imported {path.name} as source {source!r} (import #{result.import_id}) "
        f"in {seconds:.2f} s, {result.received / max(seconds, 1e-9):.0f} records/s\n"
        f"  received {result.received}: created {result.created}, updated {result.updated}, "
        f"unchanged {result.unchanged}, refused {len(result.rejected)}\n"
        f"  matched {result.matched} records to registered people; "
        f"{result.tally.decided} codes re-decided, {result.tally.changed} changed colour, "
        f"{result.tally.notices} notices queued"
    )
    for refusal in result.rejected[:SHOWN_REFUSALS]:
        where = f" ({refusal.field})" if refusal.field else ""
        print(f"  line {refusal.position}{where}: {refusal.message(lang)}")
    if len(result.rejected) > SHOWN_REFUSALS:
        print(f"  … and {len(result.rejected) - SHOWN_REFUSALS} more refused lines")
    return 1 if result.rejected else 0


async def redecide_codes(settings: Settings, every: bool, batch: int) -> int:
    from bot.services.redecide.new_ruleset import apply_ruleset
    from bot.services.runtime import build_runtime

    rt = build_runtime(settings)
    rules = rt.ruleset
    if not rules.is_effective(rt.now()):
        print(
            f"ruleset {rules.version} takes effect at {rules.effective_from.isoformat()}: "
            "nothing re-decided; run this again from then on",
            file=sys.stderr,
        )
        return 1
    async with _database(settings):
        run = await apply_ruleset(rt, every, batch)
    tally, tiers = run.codes, run.tiers
    print(
        f"ruleset {rules.version}: {tally.decided} codes re-decided, {tally.changed} changed "
        f"colour, {tally.notices} notices queued, in {tally.seconds:.2f} s\n"
        f"unfinished tier changes: {tiers.decided} codes re-decided, {tiers.changed} changed"
    )
    return 0
