"""The public half of our signing keys, for other regions and offline scanners."""

from bot.health.tokens import jwks
from bot.services.runtime import Runtime


def published_keys(rt: Runtime) -> dict:
    return jwks(rt.keyring)
