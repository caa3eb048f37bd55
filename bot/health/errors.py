"""Errors the domain core raises when a person's answer cannot be accepted."""

from __future__ import annotations


class InvalidInput(ValueError):
    """An answer a person typed was refused; ``code`` names the sentence that says why.

    ``code`` is a key of the message catalogue (``identity.checksum`` is the entry ``checksum``
    of ``texts/<lang>/identity.toml``) and ``params`` fill its placeholders, so the domain stays
    free of wording and language. ``str()`` of the error is the code alone: params can hold
    pieces of what the person typed (part of a document number), which logs must not keep.
    """

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params: dict[str, object] = params

    @property
    def field(self) -> str | None:
        """The field of a request the refusal is about, when it names one."""
        field = self.params.get("field")
        return field if isinstance(field, str) else None

    def __repr__(self) -> str:
        return f"InvalidInput({self.code!r})"
