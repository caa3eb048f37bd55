"""Bearer credentials checked without a round trip: a per-process cache of what the database
said about a staff token or a mini-program account, for at most ``CREDENTIAL_TTL`` seconds.

The bound is the promise: a staff member deactivated (or a token whose row is deleted), or an
account erased by another process, is refused by every process within that many seconds. The
process that erases an account forgets it at once. Unknown tokens are remembered too (as
"no such staff"), so a flood of made-up tokens cannot turn into a flood of queries; entries are
bounded in number, the least recently stored dropped first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from enum import Enum
from typing import Final, Generic, Literal, TypeVar

CREDENTIAL_TTL = 5.0  # seconds; tests/e2e/test_credentials.py holds every path to it
MAX_ENTRIES = 50_000

V = TypeVar("V")


class _Missing(Enum):
    """Nothing cached (``None`` is a value the cache keeps: "no such staff")."""

    MISSING = "missing"


MISSING: Final = _Missing.MISSING


class TtlCache(Generic[V]):
    """Values that expire ``ttl`` seconds after they were stored (clock: seconds)."""

    def __init__(
        self, ttl: float, clock: Callable[[], float], max_entries: int = MAX_ENTRIES
    ) -> None:
        self.ttl = ttl
        self._clock = clock
        self._max = max_entries
        self._entries: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()

    def get(self, key: Hashable) -> V | Literal[_Missing.MISSING]:
        entry = self._entries.get(key)
        if entry is None:
            return MISSING
        stored_at, value = entry
        now = self._clock()
        if not stored_at <= now < stored_at + self.ttl:  # expired (or the clock went back)
            del self._entries[key]
            return MISSING
        return value

    def put(self, key: Hashable, value: V) -> None:
        self._entries.pop(key, None)
        self._entries[key] = (self._clock(), value)
        if len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def forget(self, key: Hashable) -> None:
        self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True, slots=True)
class CachedStaff:
    id: int
    name: str
    role: str


@dataclass
class Credentials:
    """One process's cache: staff by token hash, mini-program accounts by id (their language)."""

    clock: Callable[[], float]
    ttl: float = CREDENTIAL_TTL
    staff: TtlCache[CachedStaff | None] = field(init=False)
    accounts: TtlCache[str | None] = field(init=False)

    def __post_init__(self) -> None:
        self.staff = TtlCache(self.ttl, self.clock)
        self.accounts = TtlCache(self.ttl, self.clock)
