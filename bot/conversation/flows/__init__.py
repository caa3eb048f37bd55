"""Every flow by its stored name."""

from bot.conversation.flow import Flow
from bot.conversation.flows.appeal import APPEAL
from bot.conversation.flows.declare import DECLARE, FAMILY, MEMBER
from bot.conversation.flows.declare_again import AGAIN
from bot.conversation.flows.erase import ERASE
from bot.conversation.flows.family_menus import SWITCH, UNLINK
from bot.conversation.flows.transfer import TRANSFER_FLOWS

FLOWS: dict[str, Flow] = {
    flow.name: flow
    for flow in (DECLARE, AGAIN, FAMILY, MEMBER, SWITCH, UNLINK, APPEAL, ERASE, *TRANSFER_FLOWS)
}
