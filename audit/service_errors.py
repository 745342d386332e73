"""The error an area's service raises for a person, and the text checks it shares."""

from __future__ import annotations

from typing import Self

#: The longest free text (a reason, a note) a service keeps.
TEXT_MAX = 2000


class FieldError(ValueError):
    """Something a person asked for that cannot be done; ``str()`` is for them.

    ``field`` names the form field the message belongs beside, when there is one.
    Each area has its own subclass (``ActionError``, ``AppealError``…), so a view
    catches only its own.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    @classmethod
    def required_text(cls, value: str | None, missing: str, field: str) -> str:
        """``value`` stripped; raises this error (``missing`` when blank, or too long)."""
        text = (value or "").strip()
        if not text:
            raise cls(missing, field=field)
        if len(text) > TEXT_MAX:
            raise cls(f"Keep it under {TEXT_MAX} characters.", field=field)
        return text

    @classmethod
    def wrap(cls, error: FieldError) -> Self:
        """The same message and field as another area's error."""
        return cls(str(error), field=error.field)
