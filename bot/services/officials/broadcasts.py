"""Broadcasts: officials send one text to the official-account followers of some districts, or
to everyone, through the outbox (docs/architecture.md).

Who receives a district's broadcast: every account whose own person lives there, and every
account of a person acting for a family member who lives there (家人代办). The elderly the FAQ
mentions (question 18) often have no smartphone, so a notice about their district must reach
the family who shows their code. Everyone means every follower we know, registered or not.
Mini-program accounts are left out: the platform has no mass send for them.

A client may send an ``Idempotency-Key``: the same key again (a retry after a lost answer, a
double click) answers the broadcast already queued instead of queuing it twice.

WeChat's mass send takes 2 to 10,000 openids a call: one ``mass_text`` notice per batch (no
account: the payload lists its openids), and a lone recipient gets an ordinary ``text`` notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery

from bot.health.errors import InvalidInput
from bot.services import audit
from bot.services.access.staff import StaffView
from bot.services.errors import ServiceError
from bot.services.notices import outbox
from bot.services.notices.kinds import MassText
from bot.services.notices.mass_batches import MASS_SEND_MAX, mass_batches
from bot.services.residents.accounts import Channel
from bot.services.runtime import Runtime
from bot.services.uow import UnitOfWork
from models.audit import Broadcast
from models.district import District
from models.outbox import Notice
from models.person import Account, Guardianship

MAX_TEXT_LENGTH = 600  # a text message's content is at most 2048 bytes
MAX_DISTRICTS = 64
_ROWS_PER_INSERT = 10  # a batch row holds up to 10,000 openids: keep each statement small


@dataclass(frozen=True)
class Broadcasted:
    id: int
    queued: int  # accounts the text was queued for
    batches: int  # mass-send notices written (a lone recipient's text notice counts as none)
    replayed: bool = False  # answered from an earlier request with the same key


def parse_text(raw: str) -> str:
    text = raw.strip()
    if not text:
        raise InvalidInput("broadcasts.text_empty", field="text")
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidInput("broadcasts.text_too_long", field="text", max=MAX_TEXT_LENGTH)
    return text


def parse_districts(raw: list[int | str] | None) -> list[int] | None:
    """Adcodes, or ``None`` (the field left out) for everyone. An empty list is refused rather
    than read as everyone: a filter that selected nothing must not reach the whole city."""
    if raw is None:
        return None
    if not raw:
        raise InvalidInput("broadcasts.districts_empty", field="districts")
    if len(raw) > MAX_DISTRICTS:
        raise InvalidInput("broadcasts.too_many_districts", field="districts", max=MAX_DISTRICTS)
    adcodes = []
    for item in raw:
        text = str(item).strip()
        if not (text.isascii() and text.isdigit() and len(text) == 6):
            raise InvalidInput("broadcasts.unknown_district", field="districts", adcode=text[:12])
        adcodes.append(int(text))
    return sorted(set(adcodes))


async def broadcast(
    rt: Runtime,
    staff: StaffView | None,
    text: str,
    districts: list[int] | None,
    batch_size: int = MASS_SEND_MAX,
    request_key: str | None = None,
) -> Broadcasted:
    """Queue ``text`` for the followers of ``districts`` (``None``: everyone), in one unit of
    work with the ``Broadcast`` row and its audit entry; once per ``request_key`` of an
    official."""
    if staff is None:
        request_key = None  # a key is an official's own: nothing to scope it to
    if request_key is not None:
        earlier = await _earlier(staff, request_key, text, districts)
        if earlier is not None:
            return earlier
    try:
        return await _broadcast(rt, staff, text, districts, batch_size, request_key)
    except IntegrityError:
        # the same request twice at once: the other one's row took the key, and this whole
        # unit of work rolled back
        earlier = await _earlier(staff, request_key, text, districts) if request_key else None
        if earlier is None:
            raise
        return earlier


async def _earlier(
    staff: StaffView | None, key: str, text: str, districts: list[int] | None
) -> Broadcasted | None:
    row = await Broadcast.get_or_none(staff_id=staff.id if staff else None, request_key=key)
    if row is None:
        return None
    if row.text != text or (row.districts or None) != districts:
        raise ServiceError("broadcasts.request_key_reused")
    return Broadcasted(row.id, row.queued, row.batches, replayed=True)


async def _broadcast(
    rt: Runtime,
    staff: StaffView | None,
    text: str,
    districts: list[int] | None,
    batch_size: int,
    request_key: str | None,
) -> Broadcasted:
    async with UnitOfWork() as uow:
        if districts is not None:
            await _check_known(districts)
        recipients = await _recipients(districts)
        now = rt.now()
        row = await Broadcast.create(
            staff_id=staff.id if staff else None,
            text=text,
            districts=districts or [],
            request_key=request_key,
            created_at=now,
        )
        batches = await _queue(rt, row.id, text, recipients, batch_size)
        row.queued, row.batches = len(recipients), batches
        await row.save(update_fields=["queued", "batches"])
        after = {"districts": districts, "queued": row.queued, "batches": batches}
        await audit.record(
            rt, staff.id if staff else None, "broadcast.send", f"broadcast:{row.id}", after=after
        )
        uow.commit()
    return Broadcasted(row.id, row.queued, batches)


async def _check_known(adcodes: list[int]) -> None:
    found = await District.filter(adcode__in=adcodes).values_list("adcode", flat=True)
    known = set(cast(list[int], found))
    for adcode in adcodes:
        if adcode not in known:
            raise InvalidInput("broadcasts.unknown_district", field="districts", adcode=adcode)


async def _recipients(districts: list[int] | None) -> dict[str, int]:
    """Openid → account id, each follower once, in account order. Set-based: the family link
    is a subquery, so a district of a million people is still two queries."""
    followers = Account.filter(channel=Channel.OFFICIAL_ACCOUNT)
    if districts is None:
        rows = await followers.order_by("id").values_list("openid", "id")
        return dict(rows)
    residents = followers.filter(person__district_id__in=districts)
    actors = Guardianship.filter(member__district_id__in=districts).values("actor_id")
    family = Account.filter(channel=Channel.OFFICIAL_ACCOUNT, person_id__in=Subquery(actors))
    rows = [
        *await residents.values_list("id", "openid"),
        *await family.values_list("id", "openid"),
    ]
    return {openid: account_id for account_id, openid in sorted(rows)}


async def _queue(
    rt: Runtime, broadcast_id: int, text: str, recipients: dict[str, int], size: int
) -> int:
    if len(recipients) == 1:
        (account_id,) = recipients.values()
        await outbox.queue_text(rt, account_id, text, f"broadcast:{broadcast_id}")
        return 0
    now = rt.now()
    notices = [
        outbox.new_notice(
            f"broadcast:{broadcast_id}:{index}",
            None,
            MassText(openids, text, broadcast_id),
            now,
        )
        for index, openids in enumerate(mass_batches(list(recipients), size))
    ]
    for start in range(0, len(notices), _ROWS_PER_INSERT):
        await Notice.bulk_create(notices[start : start + _ROWS_PER_INSERT])
    return len(notices)
