"""Channel accounts: found or created on first contact, with their language, position and
current person (whose code ``亮码`` shows)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import cast

from bot.services.callbacks import chat_rows
from bot.services.codes.display import CodeView, code_view
from bot.services.errors import NotFound
from bot.services.notices import outbox
from bot.services.runtime import Runtime
from models.person import Account, Guardianship, Person


class Channel(StrEnum):
    """``Account.channel``: the values are the words stored."""

    OFFICIAL_ACCOUNT = "mp"  # the official account's chat
    MINIAPP = "miniapp"


_LOCATION = "account.location"


@dataclass(frozen=True)
class AccountView:
    id: int
    lang: str
    position: tuple[float, float] | None


@dataclass(frozen=True)
class Current:
    person: Person
    relation: str | None  # None when it is the account's own person


async def lock_account(rt: Runtime, channel: str, openid: str) -> AccountView:
    """The account that just wrote, created on first contact, locked for the rest of the unit
    of work, so two messages of one person are handled one after the other, and touched: the
    platform's 48-hour customer-service window starts again (undone with the unit of work, as
    for a retry answered from its record). One statement for an account that exists."""
    account = await chat_rows.contacted(channel, openid, rt.now())
    if account is None:  # first contact: made (or made by a racing delivery), then locked
        await Account.get_or_create(channel=channel, openid=openid)
        account = await chat_rows.contacted(channel, openid, rt.now())
        assert account is not None, "the account was just made"
    return AccountView(account.id, account.lang, _position(rt, account.location_sealed))


def _position(rt: Runtime, location_sealed: str | None) -> tuple[float, float] | None:
    if not location_sealed:
        return None
    lat, lng = rt.sealer.open(location_sealed, _LOCATION).split(",")
    return float(lat), float(lng)


async def language_of(channel: str, openid: str) -> str:
    """The account's language without creating or locking it ("zh" for a stranger)."""
    lang = await Account.filter(channel=channel, openid=openid).values_list("lang", flat=True)
    return cast(str, lang[0]) if lang else "zh"  # Tortoise types a flat values_list as tuples


async def store_location(rt: Runtime, account_id: int, lat: float, lng: float) -> None:
    sealed = rt.sealer.seal(f"{lat:.5f},{lng:.5f}", _LOCATION)
    await Account.filter(id=account_id).update(location_sealed=sealed, located_at=rt.now())


async def set_language(account_id: int, lang: str) -> None:
    await Account.filter(id=account_id).update(lang=lang)


async def current(account_id: int) -> Current:
    """The person the account is acting as: a family member while it still acts for them,
    otherwise its own person."""
    account = await Account.get(id=account_id)
    if account.person_id is None:
        raise NotFound("code.none_yet")
    chosen = account.current_person_id
    if chosen is not None and chosen != account.person_id:
        link = await Guardianship.get_or_none(actor_id=account.person_id, member_id=chosen)
        if link is not None:
            return Current(await Person.get(id=chosen), link.relation)
    return Current(await Person.get(id=account.person_id), None)


async def show_current_code(
    rt: Runtime, account_id: int, lang: str, event: str
) -> tuple[Current, CodeView]:
    """Whose code the account shows and that code, with its image queued to follow in the chat."""
    chosen = await current(account_id)
    view = await code_view(rt, chosen.person, lang)
    await outbox.queue_code_image(rt, account_id, chosen.person, event)
    return chosen, view
