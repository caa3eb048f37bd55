"""People made straight through the services, for tests that are about what happens to them
afterwards (tier changes, feeds, expiry, notices), not about declaring."""

from __future__ import annotations

import itertools
import secrets
from datetime import timedelta

from bot.health.identity import DocType
from bot.services.codes.decisions import redecide
from bot.services.residents.people import Identity, create_person, lookup_key
from bot.services.runtime import Runtime
from models.code import HealthCode
from models.declaration import Declaration
from models.person import Account, Person
from tests.support.districts import JIZHOU

_serial = itertools.count(1)


def resident_id(n: int) -> str:
    """A valid 居民身份证 number (GB 11643 check digit) for the n-th test person."""
    body = f"1201011990{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    weights = [pow(2, 17 - i, 11) for i in range(17)]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


async def make_person(
    rt: Runtime,
    lives_in: int = JIZHOU,
    declared_in: int | None = None,
    days_ago: float = 0,
    *,
    doc: str | None = None,
    name: str = "王小明",
    channel: str | None = "mp",
    lang: str = "zh",
) -> Person:
    """A person with an account (unless ``channel`` is None), a code, and one declaration made
    ``days_ago`` while in ``declared_in`` (their home district unless given)."""
    doc = doc or resident_id(next(_serial))
    who = Identity(name, DocType.RESIDENT_ID, doc, "13800000000")
    person = await create_person(rt, who, lookup_key(rt, who.doc_type, doc), lives_in)
    account = None
    if channel is not None:
        account = await Account.create(
            channel=channel,
            openid=f"o-{secrets.token_hex(6)}",
            person_id=person.id,
            lang=lang,
            last_message_at=rt.now(),
        )
    await Declaration.create(
        person_id=person.id,
        account_id=account.id if account else None,
        district_id=declared_in or lives_in,
        left_city=False,
        symptoms=[],
        contact=False,
        declared_at=rt.now() - timedelta(days=days_ago),
    )
    await redecide(rt, person, "declaration")
    return person


async def color_of(person: Person) -> str:
    return (await HealthCode.get(person_id=person.id)).color
