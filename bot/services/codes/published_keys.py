"""The public half of our signing keys, for other regions and offline scanners.

The set lists the key that signs now and every older key a token still valid somewhere may
carry: one that stopped signing less than the longest token life ago, plus the skew a
checkpoint allows and the time our other processes take to notice a rotation (they sign with
the old key until then). Older keys keep verifying here, and drop out of the set.
"""

from datetime import timedelta

from bot.health.tokens import DEFAULT_SKEW, jwks
from bot.services.runtime import Runtime


def publication_window(rt: Runtime) -> timedelta:
    s = rt.settings
    return s.token_lifetime + DEFAULT_SKEW + timedelta(seconds=s.key_reload_seconds)


def published_keys(rt: Runtime) -> dict[str, object]:
    info = rt.region_info
    keys = jwks(rt.keyring, now=rt.now(), window=publication_window(rt))
    # who we are, so that a region adding us to its trust list can check it took the right URL
    return keys | {"region": {"adcode": info.adcode, "name": info.name, "name_en": info.name_en}}
