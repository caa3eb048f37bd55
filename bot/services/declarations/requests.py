"""A declaration filed once per ``Idempotency-Key`` (``bot.services.request_keys``): the
mini-program's retry after a lost answer, or three taps at once, file one declaration; each
repeat is answered with the code it filed. The key is scoped to the account, and its request
is remembered as a keyed digest: the same key with another request is refused (409).

The declaration row carries the key (unique per account), written by the same insert that
files it: the account's lock makes concurrent repeats wait for the first, and the one that
comes after finds the key taken and answers with what the first one filed.
"""

from __future__ import annotations

import json

from bot.services.declarations.declare import DeclarationInput
from bot.services.errors import ServiceError
from bot.services.request_keys import KeyedRequest
from bot.services.runtime import Runtime
from models.declaration import Declaration
from models.person import Person


def keyed_request(
    rt: Runtime, key: str, answers: DeclarationInput, person_id: str | None, relation: str | None
) -> KeyedRequest:
    """The request under ``key``; its digest is keyed (the lookup key's HMAC), so the column
    says nothing of the personal data it was made from."""
    who = answers.who
    return _keyed(
        rt,
        key,
        {
            "who": [who.name, who.doc_type.value, who.doc_number, who.phone],
            "district": answers.district_adcode,
            "trip": [answers.left_city, answers.from_city, str(answers.return_date)],
            "symptoms": sorted(answers.symptoms),
            "contact": answers.contact,
            "person_id": person_id,
            "relation": relation,
        },
    )


def same_as_last_request(rt: Runtime, key: str, person_id: str | None) -> KeyedRequest:
    """``{"same_as_last": true, "person_id"?}`` under ``key``: a request of its own, so the key
    of a full declaration cannot name it, nor the other way round."""
    return _keyed(rt, key, {"same_as_last": True, "person_id": person_id})


def _keyed(rt: Runtime, key: str, request: dict[str, object]) -> KeyedRequest:
    digest = rt.sealer.lookup_key("declaration request:" + json.dumps(request, sort_keys=True))
    return KeyedRequest(key, digest)


async def earlier_declaration(account_id: int, request: KeyedRequest) -> Person | None:
    """The person the account's earlier request under the key filed for, if there was one;
    ``ServiceError`` when that was another request."""
    row = await Declaration.get_or_none(account_id=account_id, request_key=request.key)
    if row is None:
        return None
    if row.request_digest != request.digest:
        raise ServiceError("miniapp.request_key_reused")
    return await Person.get(id=row.person_id)
