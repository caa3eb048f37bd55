"""How the recipients of one text to many are cut into ``mass_text`` notices.

A ``mass_text`` notice is one mass send: 2 to 10 000 recipients, the most one call takes, and
never a single one (the platform refuses it, WeChat's 40130). A broadcast cuts its recipients
into notices with ``mass_batches`` when it queues them, and the WeChat adapter cuts each send
into calls with it again, so the rows and the calls keep the same rule. The rule stays with the
rows rather than the sender: a notice row is the unit retried, recorded and counted, and rows
already written hold these batches.
"""

from collections.abc import Sequence

MASS_SEND_MIN = 2
MASS_SEND_MAX = 10_000


def mass_batches(openids: Sequence[str], size: int = MASS_SEND_MAX) -> list[list[str]]:
    """Openids in batches of at most ``size``, none with fewer than two: a last batch of one
    takes a recipient from the batch before it."""
    if not 2 * MASS_SEND_MIN - 1 <= size <= MASS_SEND_MAX:  # the lender must keep two
        raise ValueError(f"a batch holds {2 * MASS_SEND_MIN - 1} to {MASS_SEND_MAX} openids")
    batches = [list(openids[start : start + size]) for start in range(0, len(openids), size)]
    if len(batches) > 1 and len(batches[-1]) < MASS_SEND_MIN:
        batches[-1].insert(0, batches[-2].pop())
    return batches
