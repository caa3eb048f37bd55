"""How long a health code PNG takes: ``bot.health.qr.render_png`` against naive ``qrcode.make``.

Run from the repository root: ``python -m bench.qr_render [--tokens 2000] [--rules-version r12]``.
Tokens are real (signed by a fresh key), so their length and QR version are the production ones.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import qrcode

from bot.health.colors import Color
from bot.health.qr import render_png, version_for
from bot.health.tokens import Keyring, SigningKey, issue_token


def make_tokens(count: int, rules_version: str) -> list[str]:
    keyring = Keyring(SigningKey.generate())
    now = datetime.now(UTC)
    colors = list(Color)
    return [
        issue_token(
            keyring,
            code_id=os.urandom(16),
            color=colors[i % len(colors)],
            region=120101,
            rules_version=rules_version,
            now=now,
            lifetime=timedelta(seconds=120),
        )
        for i in range(count)
    ]


def naive_png(token: str) -> bytes:
    out = io.BytesIO()
    qrcode.make(token).save(out)
    return out.getvalue()


def timings_ms(render: Callable[[str], bytes], tokens: list[str]) -> list[float]:
    render(tokens[0])  # warm caches (qrcode keeps blank symbols per version)
    gc.collect()
    samples = []
    for token in tokens:
        start = time.perf_counter_ns()
        render(token)
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return sorted(samples)


def p99(samples: list[float]) -> float:
    return samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--rules-version", default="r12")
    args = parser.parse_args()
    tokens = make_tokens(args.tokens, args.rules_version)
    length = len(tokens[0])
    print(f"{len(tokens)} tokens of {length} characters, QR version {version_for(length)} (Q)")
    fast = timings_ms(lambda t: render_png(t, Color.GREEN), tokens)
    naive = timings_ms(naive_png, tokens)
    for name, samples in (("render_png", fast), ("qrcode.make", naive)):
        print(f"{name:12} median {statistics.median(samples):6.3f} ms  p99 {p99(samples):6.3f} ms")
    ratio = statistics.median(naive) / statistics.median(fast)
    print(f"render_png is {ratio:.1f}x faster at the median ({p99(naive) / p99(fast):.1f}x at p99)")


if __name__ == "__main__":
    main()
