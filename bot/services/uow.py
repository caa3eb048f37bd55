"""The unit of work: one database transaction that rolls back unless committed.

Inside another unit of work it becomes a savepoint, so a use case called from a larger one
(a declaration inside the handling of one WeChat message) commits or fails with it.
"""

from __future__ import annotations

from types import TracebackType

from tortoise.backends.base.client import TransactionContext
from tortoise.transactions import in_transaction


class UnitOfWork:
    def __init__(self) -> None:
        self._context: TransactionContext | None = None
        self._committed = False

    async def __aenter__(self) -> UnitOfWork:
        self._context = in_transaction()
        await self._context.__aenter__()
        return self

    def commit(self) -> None:
        """Mark the work done: it is written when the block ends without an error."""
        self._committed = True

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._context is not None
        if exc_type is None and not self._committed:
            # Tortoise rolls back (the transaction, or the savepoint when nested) only when an
            # exception leaves the block: hand it one.
            exc_type, exc, tb = _NotCommitted, _NotCommitted(), None
        await self._context.__aexit__(exc_type, exc, tb)


class _NotCommitted(Exception):
    """The block ended without commit(): its writes are undone."""
