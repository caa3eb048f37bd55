"""Flows declared as data: each step has a prompt, a parser and the step that follows.

A parser returns a JSON-safe value or raises ``InvalidInput`` naming the sentence that says
what was wrong; the engine re-asks the same step and keeps every earlier answer. A step's
stored name (``declare:doc_number``) is a contract: renaming one strands saved dialogues.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.health.districts import Region

Answers = dict[str, Any]


@dataclass(frozen=True)
class Ask:
    """What parsers and prompts may know besides the answers: the day, the region, the language."""

    today: date
    region: Region
    lang: str
    position: tuple[float, float] | None = None  # the account's last reported (lat, lng)


# What ``Step.after`` may return besides the name of the next step.
FINISH, RESTART, CANCEL = "<finish>", "<restart>", "<cancel>"


@dataclass(frozen=True)
class Step:
    name: str
    prompt: Callable[[Ask, Answers], str]
    parse: Callable[[str, Ask, Answers], Any]
    after: Callable[[Answers], str]


def then(step_name: str) -> Callable[[Answers], str]:
    return lambda _answers: step_name


@dataclass(frozen=True)
class Flow:
    name: str
    steps: tuple[Step, ...]
    finish: Callable[..., Awaitable[str]]
    keep_on_restart: frozenset[str] = frozenset()  # answers "重新填写" does not throw away
    # the catalogue key of the line a reply outside the flow (亮码) adds while it is open: it
    # names this dialogue ("您正在填写申报"), so each flow says its own, or None for nothing
    hint: str | None = None

    @property
    def first(self) -> Step:
        return self.steps[0]

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)
