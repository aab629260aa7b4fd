"""Turn the results of other layers (pydantic models, dataclasses, numpy values) into JSON-ready data."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any


def to_jsonable(value: Any) -> Any:
    """A JSON-ready copy of pydantic models, dataclasses, dates, numpy scalars, lists and dicts."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return value
