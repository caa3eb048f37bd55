"""What every use case needs besides the database: keys, region, rules and the clock.

Built once at start-up (``build_runtime``) and passed explicitly; no module-level state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.faq.entries import FaqError
from bot.faq.files import faq_matcher
from bot.faq.matcher import FaqMatcher
from bot.health.districts import Region
from bot.health.rules import Ruleset
from bot.health.sealing import Sealer
from bot.health.tokens import Keyring
from bot.keys import load_data_key, load_keyring
from bot.production import refuse_unsafe_production
from bot.region import load_default_region
from bot.rules import default_ruleset, load_ruleset_file
from bot.services.credentials import Credentials
from bot.services.scan_log import ScanLogWriter
from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from redis.asyncio import Redis


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    settings: Settings
    sealer: Sealer
    keyring: Keyring
    ticket_secret: bytes
    region: Region
    ruleset: Ruleset
    faq: FaqMatcher  # indexed once per process (bot.faq.files)
    clock: Callable[[], datetime] = field(default=utc_now)
    session_secret: bytes = field(default=b"", repr=False)
    # the Redis client when REDIS_URL is set (bot.shared_state opens and closes it), else None
    redis: Redis | None = None
    # per process: what the database said of bearer credentials, for a few seconds
    credentials: Credentials = field(init=False, repr=False)
    # per process: the one writer of scan logs (group commit), closed when the app stops
    scan_log: ScanLogWriter = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.credentials = Credentials(clock=lambda: self.clock().timestamp())
        self.scan_log = ScanLogWriter(self.settings.scan_log_linger_ms / 1000)

    def now(self) -> datetime:
        return self.clock()


def build_runtime(settings: Settings, clock: Callable[[], datetime] = utc_now) -> Runtime:
    refuse_unsafe_production(settings)
    data_key = load_data_key(settings)
    ruleset = load_ruleset_file(settings.rules_file) if settings.rules_file else default_ruleset()
    return Runtime(
        settings=settings,
        sealer=Sealer(data_key),
        keyring=load_keyring(settings),
        ticket_secret=_derive_ticket_secret(data_key),
        region=load_default_region(),
        ruleset=ruleset,
        faq=_faq(settings),
        clock=clock,
        session_secret=_derive_session_secret(data_key),
    )


def _faq(settings: Settings) -> FaqMatcher:
    try:
        return faq_matcher(str(settings.faq_file) if settings.faq_file else None)
    except FaqError as error:
        raise SettingsError(f"HC_FAQ_FILE: {error}") from error


def _derive_ticket_secret(data_key: bytes) -> bytes:
    # a separate key for page links, so a leaked link secret opens no personal data
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"health-code ticket v1").derive(data_key)


def _derive_session_secret(data_key: bytes) -> bytes:
    # the mini-program's session tokens get their own key: a leak of one secret forges nothing else
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"health-code miniapp session v1").derive(
        data_key
    )
