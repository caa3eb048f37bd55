"""The coalescing rules on their own: which rows of a group are stale, when the newest waits,
and which colour the person was last told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services.notices.coalescing import Change, Group, OpenRow, decide, told_colour

NOW = datetime(2020, 3, 10, 8, tzinfo=UTC)
LATER, EARLIER = NOW + timedelta(seconds=30), NOW - timedelta(seconds=30)


def test_every_open_row_older_than_the_newest_is_stale() -> None:
    group = Group(newest=9, open_rows=(OpenRow(3, "pending", NOW), OpenRow(9, "pending", NOW)))
    verdict = decide(group, NOW)
    assert (verdict.stale, verdict.newest, verdict.wait) == ((3,), 9, False)


def test_the_newest_waits_while_an_older_row_is_in_flight_under_a_live_lease() -> None:
    group = Group(newest=9, open_rows=(OpenRow(3, "sending", LATER), OpenRow(9, "pending", NOW)))
    verdict = decide(group, NOW)
    assert verdict.wait and verdict.stale == ()  # the row in flight is its sender's to end


def test_a_row_whose_lease_ran_out_is_stale_like_any_other() -> None:
    group = Group(newest=9, open_rows=(OpenRow(3, "sending", EARLIER), OpenRow(9, "pending", NOW)))
    assert decide(group, NOW).stale == (3,) and not decide(group, NOW).wait


def test_rows_older_than_a_newest_already_sent_are_all_stale() -> None:
    group = Group(newest=9, open_rows=(OpenRow(3, "pending", NOW), OpenRow(5, "pending", LATER)))
    assert decide(group, NOW).stale == (3, 5)


@pytest.mark.parametrize(
    ("history", "told"),
    [
        # nothing sent yet: where the chain of changes started
        ([("pending", "green", "orange"), ("pending", "orange", "red")], "green"),
        # the last one sent said orange
        (
            [
                ("sent", "green", "orange"),
                ("skipped", "orange", "red"),
                ("pending", "red", "orange"),
            ],
            "orange",
        ),
        # failed and skipped rows told nobody anything
        ([("failed", "green", "red"), ("pending", "red", "green")], "green"),
        # a change in between that no notice carried (a declaration's reply told it): the
        # newest is sent as it is
        ([("pending", "green", "orange"), ("pending", "red", "green")], "red"),
        (
            [
                ("sent", "green", "orange"),
                ("pending", "orange", "red"),
                ("pending", "green", "red"),
            ],
            "green",
        ),
        # a first code
        ([("pending", None, "green")], None),
        # everything sent
        ([("sent", "green", "orange")], "orange"),
    ],
)
def test_the_colour_last_told(history: list[tuple[str, str | None, str]], told: str | None) -> None:
    assert told_colour([Change(*change) for change in history]) == told
