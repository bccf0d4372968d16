"""The base of every request body the API reads, and its whole-number type."""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict


class Body(BaseModel):
    """Strict: JSON's true is not the number 1 nor "5" a number (pydantic's lax mode
    would take both), so a body either has the types the document gives or is a 422."""
    model_config = ConfigDict(strict=True)


def _whole(value):
    # JSON Schema's integer includes 5.0, which strict pydantic would refuse
    return int(value) if isinstance(value, float) and value.is_integer() else value


Whole = Annotated[int, BeforeValidator(_whole)]
