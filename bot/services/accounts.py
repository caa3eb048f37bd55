"""Channel accounts: found or created on first contact, with their language and current person."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services import outbox
from bot.services.codes import CodeView, code_view
from bot.services.errors import NotFound
from bot.services.runtime import Runtime
from models.person import Account, Person

OFFICIAL_ACCOUNT, MINIAPP = "mp", "miniapp"


@dataclass(frozen=True)
class AccountView:
    id: int
    lang: str
    has_person: bool


async def lock_account(channel: str, openid: str) -> AccountView:
    """The account, created on first contact and locked for the rest of the unit of work, so
    two messages of one person are handled one after the other (on PostgreSQL: a row lock;
    SQLite serialises every transaction anyway)."""
    await Account.get_or_create(channel=channel, openid=openid)
    account = await Account.select_for_update().get(channel=channel, openid=openid)
    return AccountView(account.id, account.lang, account.person_id is not None)


async def touch(rt: Runtime, account_id: int) -> None:
    """The user just wrote: the platform's 48-hour customer-service window starts again."""
    await Account.filter(id=account_id).update(last_message_at=rt.now())


async def set_language(account_id: int, lang: str) -> None:
    await Account.filter(id=account_id).update(lang=lang)


async def current_person(account_id: int) -> Person:
    account = await Account.get(id=account_id)
    person_id = account.current_person_id or account.person_id
    if person_id is None:
        raise NotFound("code.none_yet")
    return await Person.get(id=person_id)


async def show_current_code(rt: Runtime, account_id: int, lang: str, event: str) -> CodeView:
    """The current person's code, and its image queued to follow in the chat."""
    person = await current_person(account_id)
    view = await code_view(rt, person, lang)
    await outbox.queue_code_image(rt, await Account.get(id=account_id), person, event)
    return view
