"""Each flow names itself in the hint a reply outside it (亮码) adds while it is open."""

from __future__ import annotations

import pytest

from bot.conversation.engine import open_dialogue_hint
from bot.conversation.flows import FLOWS
from bot.conversation.store import Dialogue
from bot.texts import LANGUAGES, catalogue


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_every_flow_has_a_hint_in_both_languages(name: str) -> None:
    hint = FLOWS[name].hint
    assert hint is not None, f"{name} says nothing while it is open"
    for lang in LANGUAGES:
        assert hint in catalogue(lang), f"{name}: {hint} has no text in {lang}"


def test_the_hint_is_the_open_flows_own() -> None:
    switching = open_dialogue_hint(Dialogue("switch", "choice"), "zh")
    declaring = open_dialogue_hint(Dialogue("declare", "name"), "zh")
    assert switching and "选择出示谁的健康码" in switching
    assert declaring and "填写申报" in declaring
    assert open_dialogue_hint(None, "zh") is None
    assert open_dialogue_hint(Dialogue("a flow renamed since", "step"), "zh") is None
