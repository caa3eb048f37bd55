"""Replayed WeChat calls (docs/security.md): a signed (timestamp, nonce) pair carries one message.

The signature covers the token, the timestamp and the nonce, not the body (in plaintext mode
nothing signs the body): whoever saw one callback's URL could post any message as anyone with
it. The codec refuses a timestamp outside the callback window (WeChat's 5 minutes,
``Settings.callback_window_seconds``); here a nonce, once seen, stays bound to the message it
came with. The same message again (WeChat's own retry) is
answered from its record; another message under that nonce is a replay and refused.

Every worker must see every nonce. With Redis (``REDIS_URL``) the binding is one ``SET NX``
before the message is handled. Without it the nonce is a unique column of the handled
message's dedup row (``bot.services.callbacks.dedup``): the row is read and written anyway,
so the check costs no round trip of its own. A message refused by the rate limit is never handled
and so not recorded there; its nonce is then bound only in Redis.
"""

from __future__ import annotations

import hashlib
import logging

from redis.exceptions import RedisError

from bot.services.runtime import Runtime

MAX_NONCE_KEY = 64  # the column's width
_REDIS_PREFIX = "hc:wechat:nonce:"


log = logging.getLogger(__name__)


# Both are the WeChat server's business, never a person's: no sentence, a status.
class NoncesUnavailable(Exception):
    """Redis did not answer: the message cannot be told from a replay now (WeChat retries)."""


class Replayed(Exception):
    """A nonce already used by another message."""


def nonce_key(timestamp: str, nonce: str) -> str:
    """What names one signed request; digested when WeChat's short nonce is somehow long."""
    key = f"{timestamp}:{nonce}"
    if len(key) <= MAX_NONCE_KEY:
        return key
    return "h:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:48]


async def bind_nonce(rt: Runtime, nonce: str, message_key: str) -> str | None:
    """Bind ``nonce`` to the message; raises ``Replayed`` when another message has it.

    Returns the nonce the message's dedup row must carry (the database keeps it), or ``None``
    when Redis holds it already."""
    if rt.redis is None:
        return nonce
    key = _REDIS_PREFIX + nonce
    # a nonce must outlive its timestamp's window on both sides of now: twice the skew, and a second
    lifetime = 2 * rt.settings.callback_window_seconds + 1
    try:
        if await rt.redis.set(key, message_key, nx=True, ex=lifetime):
            return None
        bound = await rt.redis.get(key)
    except RedisError as exc:
        log.error("Redis did not answer for a WeChat nonce: %s", type(exc).__name__)
        raise NoncesUnavailable() from None
    if isinstance(bound, bytes):  # a client made with decode_responses gives text
        bound = bound.decode("utf-8", "replace")
    if bound is not None and bound != message_key:
        raise Replayed()
    return None  # the same message again, or the binding just expired: the record decides
