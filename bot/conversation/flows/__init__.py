"""Every flow by its stored name."""

from bot.conversation.flow import Flow
from bot.conversation.flows.declare import DECLARE

FLOWS: dict[str, Flow] = {flow.name: flow for flow in (DECLARE,)}
