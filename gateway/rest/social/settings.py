"""Spec 004's settings: the business profile (read and partial update through the graph's
updateBusinessSettings) and the brand assets and guidelines."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from gateway.rest.social.params import Body, Url, declare, iso

READ, WRITE = ("read:content",), ("write:content",)

_MARKETING = "brandVoice contentStyle postingFrequency targetAudience businessObjectives"
_BUSINESS = (
    "companyName industry businessType companySize website foundedYear description "
    f"contact {{ email phone address }} marketing {{ {_MARKETING} }} updatedAt"
)
_EMPTY_BUSINESS = {
    "companyName": None,
    "industry": None,
    "businessType": None,
    "companySize": None,
    "website": None,
    "foundedYear": None,
    "description": None,
    "contact": {"email": None, "phone": None, "address": None},
    "marketing": {
        "brandVoice": None,
        "contentStyle": None,
        "postingFrequency": None,
        "targetAudience": None,
        "businessObjectives": [],
    },
}


def _business(data: dict[str, Any], call: Any) -> Any:
    row = data["businessSettings"]
    if row is None:
        return _EMPTY_BUSINESS  # nothing saved yet: every documented key, empty
    marketing = dict(row["marketing"])
    marketing["businessObjectives"] = marketing["businessObjectives"] or []
    return {
        **{key: row[key] for key in _EMPTY_BUSINESS if key not in ("contact", "marketing")},
        "contact": row["contact"],
        "marketing": marketing,
    }


class ContactBody(Body):
    email: str | None = Field(default=None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=500)


class MarketingBody(Body):
    brandVoice: str | None = Field(default=None, max_length=64)
    contentStyle: str | None = Field(default=None, max_length=64)
    postingFrequency: str | None = Field(default=None, max_length=64)
    targetAudience: str | None = Field(default=None, max_length=2000)
    businessObjectives: list[str] | None = Field(default=None, max_length=50)


class BusinessBody(Body):
    companyName: str | None = Field(default=None, min_length=1, max_length=200)
    industry: str | None = Field(default=None, max_length=100)
    businessType: Literal["B2B", "B2C", "B2B2C", "D2C", "Nonprofit"] | None = None
    companySize: str | None = Field(default=None, max_length=32)
    website: Url | None = None
    foundedYear: int | None = Field(default=None, ge=1800, le=2100)
    description: str | None = Field(default=None, max_length=5000)
    contact: ContactBody | None = None
    marketing: MarketingBody | None = None


def _update_input(body: BusinessBody) -> dict[str, Any]:
    given = body.model_dump(exclude_unset=True)
    return given  # the graph's input has the same field names


def _updated(data: dict[str, Any], call: Any) -> Any:
    """The fields the request gave, as saved (spec 004 echoes them), and updatedAt."""
    row = data["updateBusinessSettings"]
    answer: dict[str, Any] = {}
    for key, value in call.body.model_dump(exclude_unset=True).items():
        if isinstance(value, dict):
            answer[key] = {k: row[key][k] for k in value}
        else:
            answer[key] = row[key]
    answer["updatedAt"] = iso(row["updatedAt"])
    return answer


_EMPTY_BRAND = {
    "colors": dict.fromkeys(("primary", "secondary", "accent", "background", "text")),
    "assets": dict.fromkeys(("primaryLogo", "lightLogo", "favicon", "watermark")),
    "guidelines": dict.fromkeys(("brandVoice", "contentStyle", "description")),
}


def _brand(data: dict[str, Any], call: Any) -> Any:
    row = data["brandSettings"]
    return _EMPTY_BRAND if row is None else {key: row[key] for key in _EMPTY_BRAND}


ROUTES = [
    declare(
        "GET",
        "/settings/business",
        "Business profile",
        "Settings",
        READ,
        f"query {{ businessSettings {{ {_BUSINESS} }} }}",
        _business,
    ),
    declare(
        "PUT",
        "/settings/business",
        "Update the business profile",
        "Settings",
        WRITE,
        "mutation($input: BusinessSettingsInput!) { updateBusinessSettings(input: $input) "
        f"{{ {_BUSINESS} }} }}",
        _updated,
        body=BusinessBody,
        variables=lambda call: {"input": _update_input(call.body)},
    ),
    declare(
        "GET",
        "/settings/brand",
        "Brand assets and guidelines",
        "Settings",
        READ,
        "query { brandSettings { colors { primary secondary accent background text } "
        "assets { primaryLogo lightLogo favicon watermark } "
        "guidelines { brandVoice contentStyle description } } }",
        _brand,
    ),
]
