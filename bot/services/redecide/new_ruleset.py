"""A new ruleset applied to everyone it has not decided yet (``healthcode redecide``), or to
everyone (``--all``), after finishing the tier changes a process left part-done; one audit
entry names the versions the codes were decided under before."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services import audit
from bot.services.redecide.batches import Tally, redecide_in_batches
from bot.services.redecide.targets import RulesetTargets
from bot.services.redecide.tiers import finish_unfinished
from bot.services.runtime import Runtime
from bot.services.uow import UnitOfWork
from models.code import HealthCode


@dataclass(frozen=True)
class RulesetRun:
    codes: Tally  # under the ruleset
    tiers: Tally  # of the unfinished tier changes


async def apply_ruleset(rt: Runtime, every: bool, batch: int) -> RulesetRun:
    rules = rt.ruleset
    tiers = await finish_unfinished(rt, batch)
    before = await HealthCode.all().group_by("rules_version").values_list("rules_version")
    targets = RulesetTargets(None if every else rules.version)
    total = await targets.count()
    codes = await redecide_in_batches(rt, targets.batches(batch), f"rules:{rules.version}", total)
    async with UnitOfWork() as uow:
        after = {"version": rules.version, "all": every, **codes.as_dict()}
        versions = sorted({version for (version,) in before})
        await audit.record(
            rt, None, "rules.redecide", f"ruleset:{rules.version}", {"versions": versions}, after
        )
        uow.commit()
    return RulesetRun(codes, tiers)
