"""The card behind a page link (``bot.services.codes.cards``): the view it carries links to the
link it was opened by, not to one signed anew on every refresh."""

from __future__ import annotations

from bot.services.codes.cards import card_for_ticket
from bot.services.codes.display import page_url
from bot.services.runtime import Runtime
from tests.support.clock import FakeClock
from tests.support.people import make_person


async def test_a_card_links_to_the_link_it_was_opened_by(
    runtime: Runtime, clock: FakeClock
) -> None:
    person = await make_person(runtime)
    link = page_url(runtime, person, "en")
    ticket = link.split("/c/", 1)[1].split("?", 1)[0]
    clock.advance(minutes=5)  # a link signed now would expire five minutes later
    card = await card_for_ticket(runtime, ticket, "en", image=False)
    assert card.view.page_url == link
    assert page_url(runtime, person, "en") != link  # which a new link would show
