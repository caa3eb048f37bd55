"""How well and how fast the FAQ answers: ``python -m bench.faq [--rounds 20] [--faq FILE]``.

Runs the team's questions (tests/data/faq_questions.tsv) and the fresh set written after the
matcher was tuned (tests/data/faq_questions_fresh.tsv) against the FAQ and prints, for each,
the share of answerable questions that got the right entry, the share of the others that got
the fallback, and every question that went wrong (the confusion list). Then the time of one
match, each question matched ``--rounds`` times: p50, p99 and the slowest, and what building
the matcher cost (time, and the memory it added to this process).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections import Counter
from pathlib import Path

from bot.faq.accuracy import UNANSWERABLE, Report, evaluate, read_questions
from bot.faq.files import default_faq_text, load_faq_file
from bot.faq.loading import load_faq
from bot.faq.matcher import FaqMatcher
from bot.faq_cli import print_report

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
SETS = (
    ("the team's set (tuned on)", DATA / "faq_questions.tsv"),
    ("the fresh set (written after)", DATA / "faq_questions_fresh.tsv"),
)


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def build(faq_file: str | None) -> tuple[FaqMatcher, float, float]:
    faq = load_faq_file(faq_file) if faq_file else load_faq(default_faq_text())
    gc.collect()
    before, started = rss_mb(), time.perf_counter()
    matcher = FaqMatcher(faq)
    return matcher, time.perf_counter() - started, rss_mb() - before


def timed(matcher: FaqMatcher, texts: list[str], rounds: int) -> tuple[Report, Report]:
    """Each match timed twice: by the wall clock, and by this thread's CPU time, which leaves
    out the moments other processes had the core (this machine's two cores are shared)."""
    wall, cpu = Report(), Report()
    for _ in range(rounds):
        for text in texts:
            started, started_cpu = time.perf_counter(), time.thread_time()
            matcher.match(text)
            cpu.seconds.append(time.thread_time() - started_cpu)
            wall.seconds.append(time.perf_counter() - started)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="matches of each question")
    parser.add_argument("--faq", help="a FAQ file (default: HC_FAQ_FILE, else Tianjin's)")
    args = parser.parse_args()
    matcher, seconds, grew = build(args.faq or os.environ.get("HC_FAQ_FILE"))
    known = {entry.id for entry in matcher.faq.entries}
    print(f"FAQ: {len(known)} entries; matcher built in {seconds * 1000:.0f} ms, +{grew:.0f} MB")
    texts: list[str] = []
    for title, path in SETS:
        questions = read_questions(path.read_text(encoding="utf-8"), known)
        asked = Counter(q.expected == UNANSWERABLE for q in questions)
        print(f"\n{title}: {path.name}, {asked[False]} answerable, {asked[True]} beyond the FAQ")
        print_report(evaluate(matcher, questions), sys.stdout)
        texts.extend(q.text for q in questions)
    gc.collect()
    wall, cpu = timed(matcher, texts, args.rounds)
    print(f"\none match, {len(wall.seconds)} matches (load average {os.getloadavg()[0]:.1f}):")
    for name, timing in (("CPU time", cpu), ("wall clock", wall)):
        p50, p99 = timing.percentile_ms(0.5), timing.percentile_ms(0.99)
        slowest = max(timing.seconds) * 1000
        print(f"  {name}: p50 {p50:.3f} ms, p99 {p99:.3f} ms, slowest {slowest:.3f} ms")


if __name__ == "__main__":
    main()
