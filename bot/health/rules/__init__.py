"""Deciding a person's colour from their facts under a ruleset (docs/architecture.md).

A ruleset is data (TOML, see ``bot/ruleset_files/default.toml``) with a closed vocabulary of
conditions; nothing in it is ever evaluated as code. ``decide`` is pure: the same facts, clock and
ruleset always give the same ``Decision``.

How "within N days" is counted is told in ``conditions``; how overrides meet the rules' colour,
in ``decide``. The modules, each with one job:

- ``facts``: what is known about a person (Facts, Trip, Presence, AuthorityRecord, Override).
- ``decision``: what ``decide`` answers (Decision, Reason).
- ``places``: listed places and ``match_place``.
- ``ruleset``: the ruleset as typed records (Ruleset, Rule, Conditions, Case, RulesetError).
- ``conditions``: the condition checks.
- ``decide``: matching rules, the winning colour, the reasons shown.
- ``cases``: running a ruleset's own cases (``case_failures``).
- ``loader``: ``load_ruleset`` from TOML, with ``records`` (tables to typed records) and
  ``validation`` (checks on rules and cases).
"""

from __future__ import annotations

from bot.health.rules.cases import case_failures
from bot.health.rules.decide import decide
from bot.health.rules.decision import Decision, Reason
from bot.health.rules.facts import ENDING_STATUSES as ENDING_STATUSES
from bot.health.rules.facts import RISK_STATUSES as RISK_STATUSES
from bot.health.rules.facts import SYMPTOMS as SYMPTOMS
from bot.health.rules.facts import AuthorityRecord, Facts, Override, Presence, Trip
from bot.health.rules.loader import MAX_VERSION_LENGTH as MAX_VERSION_LENGTH
from bot.health.rules.loader import load_ruleset
from bot.health.rules.places import Place, match_place
from bot.health.rules.ruleset import Case, Conditions, Rule, Ruleset, RulesetError

__all__ = [
    "AuthorityRecord",
    "Case",
    "Conditions",
    "Decision",
    "Facts",
    "Override",
    "Place",
    "Presence",
    "Reason",
    "Rule",
    "Ruleset",
    "RulesetError",
    "Trip",
    "case_failures",
    "decide",
    "load_ruleset",
    "match_place",
]
