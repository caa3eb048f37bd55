"""Broadcast batching against the database: WeChat's 2 to 10,000 openids a mass send, shown
with small batches."""

from __future__ import annotations

import pytest

from bot.services.notices.kinds import NoticeKind
from bot.services.officials.broadcasts import broadcast, mass_batches
from bot.services.runtime import build_runtime
from bot.settings import Settings
from models.audit import Broadcast
from models.outbox import Notice
from models.person import Account


async def followers(n: int) -> list[str]:
    openids = [f"o-{i:03d}" for i in range(n)]
    await Account.bulk_create([Account(channel="mp", openid=o) for o in openids])
    return openids


@pytest.mark.parametrize(
    ("n", "size", "lengths"),
    [
        (10, 3, [3, 3, 2, 2]),
        (9, 3, [3, 3, 3]),
        (7, 3, [3, 2, 2]),
        (2, 3, [2]),
        (23, 10, [10, 10, 3]),
    ],
)
async def test_several_batches_cover_everyone_once(
    db: str, settings: Settings, n: int, size: int, lengths: list[int]
) -> None:
    openids = await followers(n)
    sent = await broadcast(build_runtime(settings), None, "通知", None, batch_size=size)
    assert (sent.queued, sent.batches) == (n, len(lengths))
    rows = await Notice.filter(kind=NoticeKind.MASS_TEXT).order_by("id")
    assert [len(r.payload["openids"]) for r in rows] == lengths
    assert [r.dedupe_key for r in rows] == [f"broadcast:{sent.id}:{i}" for i in range(len(rows))]
    seen = [o for r in rows for o in r.payload["openids"]]
    assert sorted(seen) == openids and len(set(seen)) == n
    assert all(r.account_id is None and r.payload["broadcast"] == sent.id for r in rows)
    assert (await Broadcast.get(id=sent.id)).queued == n


def test_the_batches_follow_wechats_bounds() -> None:
    openids = [str(i) for i in range(20_001)]
    batches = mass_batches(openids)
    assert [len(b) for b in batches] == [10_000, 9_999, 2]
    assert [o for b in batches for o in b] == openids
    assert mass_batches([]) == [] and mass_batches(["a", "b"]) == [["a", "b"]]
    with pytest.raises(ValueError):
        mass_batches(openids, size=2)  # a batch lending one of two would be left with one
    with pytest.raises(ValueError):
        mass_batches(openids, size=10_001)
