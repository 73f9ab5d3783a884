"""Bulk writes: a block in which the apps that react to each write (the search index, the page
cache) collect their work and do it once, at the end of the block, inside the writer's
transaction. The writer (catalogue.services.powers_bulk_upsert) only says "this is a bulk
write"; the apps that take part register themselves when they start (AppConfig.ready), so the
writer need not know them."""

from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack, contextmanager

_participants: list[Callable[[], AbstractContextManager]] = []


def participate(block: Callable[[], AbstractContextManager]) -> None:
    """Enter `block()` around every bulk write (registered once, when an app starts)."""
    if block not in _participants:
        _participants.append(block)


@contextmanager
def bulk_write():
    """Within this block, reactions to writes are deferred and batched by each participant."""
    with ExitStack() as stack:
        for block in _participants:
            stack.enter_context(block())
        yield
