"""What every use case needs besides the database: keys, region, rules and the clock.

Built once at start-up (``build_runtime``) and passed explicitly; no module-level state.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.faq.entries import Faq, FaqError, Texts
from bot.faq.files import faq_matcher
from bot.faq.matcher import FaqMatcher
from bot.health.districts import Region
from bot.health.rules import Ruleset, RulesetError
from bot.health.sealing import Sealer
from bot.health.tokens import Keyring
from bot.key_files import key_file_stamp, load_data_key, load_keyring
from bot.production import refuse_unsafe_production
from bot.regions import RegionConfig, RegionError, load_region
from bot.ruleset_files import default_ruleset, load_ruleset, load_ruleset_file
from bot.services.access.credentials import Credentials
from bot.services.checkpoint.scan_log import ScanLogWriter
from bot.services.trust.trusted_keys import TrustedKeys
from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    settings: Settings
    sealer: Sealer
    keyring: Keyring
    ticket_secret: bytes
    region: Region  # the region's districts, in menu order
    ruleset: Ruleset
    faq: FaqMatcher  # indexed once per process (bot.faq.files)
    # the region served: its name, adcode and hotline (bot/regions/)
    region_info: RegionConfig
    clock: Callable[[], datetime] = field(default=utc_now)
    session_secret: bytes = field(default=b"", repr=False)
    # the Redis client when REDIS_URL is set (bot.shared_state opens and closes it), else None
    redis: Redis | None = None
    # per process: what the database said of bearer credentials, for a few seconds
    credentials: Credentials = field(init=False, repr=False)
    # per process: the one writer of scan logs (group commit), closed when the app stops
    scan_log: ScanLogWriter = field(init=False, repr=False)
    # per process: other regions' keys, read again every trust_cache_seconds
    trusted: TrustedKeys = field(init=False, repr=False)
    _key_stamp: tuple[int, ...] | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        self.credentials = Credentials(clock=lambda: self.clock().timestamp())
        self.scan_log = ScanLogWriter(self.settings.scan_log_linger_ms / 1000)
        self.trusted = TrustedKeys(self.settings.trust_cache_seconds)
        self._key_stamp = key_file_stamp(self.settings)

    def now(self) -> datetime:
        return self.clock()

    def reload_keys(self) -> bool:
        """Read the signing key file again if it changed since (``keys rotate`` in another
        process): sign with its first key from now on, and verify with all of them."""
        stamp = key_file_stamp(self.settings)
        if stamp == self._key_stamp:
            return False
        try:
            keyring = load_keyring(self.settings)
        except SettingsError as error:  # a file edited by hand, half right: keep what works
            log.error("signing keys not reloaded: %s", error)
            return False
        self.keyring, self._key_stamp = keyring, stamp
        return True


def build_runtime(settings: Settings, clock: Callable[[], datetime] = utc_now) -> Runtime:
    refuse_unsafe_production(settings)
    region = load_region(settings)
    # what the rest of the service reads from the settings comes from the region
    settings = dataclasses.replace(
        settings, region_adcode=region.adcode, hotline=settings.hotline or region.hotline
    )
    data_key = load_data_key(settings)
    return Runtime(
        settings=settings,
        sealer=Sealer(data_key),
        keyring=load_keyring(settings),
        ticket_secret=_derive_ticket_secret(data_key),
        region=region.districts,
        ruleset=_ruleset(settings, region),
        faq=_faq(settings, region),
        clock=clock,
        session_secret=_derive_session_secret(data_key),
        region_info=region,
    )


def _faq(settings: Settings, region: RegionConfig) -> FaqMatcher:
    """HC_FAQ_FILE, else the region's own FAQ. A region without one answers no question from
    a FAQ (every question gets the hotline): another region's answers would be wrong there."""
    path = settings.faq_file or region.faq_file
    if path is None:
        title = Texts(f"{region.short_name}健康码答疑", f"{region.short_name_en} health code FAQ")
        return FaqMatcher(Faq(title, ()))
    try:
        return faq_matcher(str(path))
    except FaqError as error:
        where = "HC_FAQ_FILE" if settings.faq_file else f"region {region.adcode}'s FAQ"
        raise SettingsError(f"{where}: {error}") from error


def _ruleset(settings: Settings, region: RegionConfig) -> Ruleset:
    """HC_RULES_FILE, else the region's own ruleset, else the default one."""
    if settings.rules_file:
        return load_ruleset_file(settings.rules_file)
    if region.rules_file is None:
        return default_ruleset()
    try:
        return load_ruleset(region.rules_file.read_text(encoding="utf-8"))
    except RulesetError as error:
        raise RegionError(f"region {region.adcode}: its rules file: {error}") from error


def _derive_ticket_secret(data_key: bytes) -> bytes:
    # a separate key for page links, so a leaked link secret opens no personal data
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"health-code ticket v1").derive(data_key)


def _derive_session_secret(data_key: bytes) -> bytes:
    # the mini-program's session tokens get their own key: a leak of one secret forges nothing else
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"health-code miniapp session v1").derive(
        data_key
    )
