"""Every flow by its stored name."""

from bot.conversation.flow import Flow
from bot.conversation.flows.appeal import APPEAL
from bot.conversation.flows.declare import DECLARE, FAMILY, MEMBER
from bot.conversation.flows.erase import ERASE
from bot.conversation.flows.family_menus import SWITCH, UNLINK

FLOWS: dict[str, Flow] = {
    flow.name: flow for flow in (DECLARE, FAMILY, MEMBER, SWITCH, UNLINK, APPEAL, ERASE)
}
