"""The base of every PATCH body: a field that is sent must mean something.

A PATCH changes the fields it names. `null` for a field that cannot be empty (a status, a label,
an opt-in switch) has no meaning, and taking it as "leave it alone" answered 200 while changing
nothing; so such a null is refused naming the field. Fields where null means "clear it" (an
assignee, a default office) list themselves in `NULLABLE`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator


class Patch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _null_means_nothing(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.NULLABLE:
            raise ValueError("null cannot be stored here; leave the field out to keep its value")
        return value
