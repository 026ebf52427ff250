"""Campaign segments: spec 003's `segment.criteria` ({field, operator, value}, all must
hold) as SQL conditions on leads. Only `active` leads ever receive a campaign.

Fields: `tags`, `status`, `source`, `email`, `name`, and `customFields.<key>`.
Operators: `contains` / `not_contains` (a tag, or a substring of text), `equals` /
`not_equals`, and for tags also `in` (any of a list).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, not_, or_

from models.organic import Lead
from resolvers.organic import contains

OPERATORS = ("contains", "not_contains", "equals", "not_equals", "in")
TEXT_FIELDS = {"status": Lead.status, "source": Lead.source, "email": Lead.email, "name": Lead.name}


class SegmentError(ValueError):
    """A criterion the gateway cannot apply; the message says which and why."""


def _text_condition(column: Any, operator: str, value: Any) -> Any:
    if operator == "in":
        if not isinstance(value, list) or not value:
            raise SegmentError("`in` needs a non-empty list")
        return column.in_([str(v) for v in value])
    if not isinstance(value, str | int | float):
        raise SegmentError("the value must be text")
    text = str(value)
    return {
        "contains": lambda: contains(column, text),
        "not_contains": lambda: or_(column.is_(None), not_(contains(column, text))),
        "equals": lambda: column == text,
        "not_equals": lambda: or_(column.is_(None), column != text),
    }[operator]()


def _tags_condition(operator: str, value: Any) -> Any:
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) for v in values):
        raise SegmentError("tags are compared with text values")
    if operator in ("contains", "equals"):
        return Lead.tags.contains(values)
    if operator == "in":
        return Lead.tags.overlap(values)
    return not_(Lead.tags.overlap(values))


def conditions(segment: dict[str, Any] | None) -> list[Any]:
    """SQL conditions for the leads a segment selects (always: active leads only)."""
    result: list[Any] = [Lead.status == "active"]
    criteria = (segment or {}).get("criteria") or []
    if not isinstance(criteria, list):
        raise SegmentError("segment.criteria must be a list")
    for n, criterion in enumerate(criteria):
        if not isinstance(criterion, dict):
            raise SegmentError(f"criterion {n} must be an object")
        field, operator = criterion.get("field"), criterion.get("operator", "equals")
        value = criterion.get("value")
        if operator not in OPERATORS:
            raise SegmentError(f"criterion {n}: operator must be one of {', '.join(OPERATORS)}")
        if field == "tags":
            result.append(_tags_condition(operator, value))
        elif field in TEXT_FIELDS:
            result.append(_text_condition(TEXT_FIELDS[field], operator, value))
        elif isinstance(field, str) and field.startswith("customFields."):
            column = Lead.custom_fields[field.removeprefix("customFields.")].astext
            result.append(_text_condition(column, operator, value))
        else:
            raise SegmentError(f"criterion {n}: unknown field {field!r}")
    return [and_(*result)]
