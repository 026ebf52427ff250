"""Spec 001's request forms: the dashboard query body, the time-series and CSV query
parameters, the upload body. Only the form is checked here; every rule on the values
(known metrics, sources, dimensions, the time range, granularity, the bucket count) is the
query engine's (models/analytics/ads_query.py), so REST and GraphQL refuse alike."""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from gateway.rest.routing import Call
from models.analytics import ads_registry as reg
from resolvers.ingestion import MAX_RECORDS_PER_UPLOAD

_NAME = Field(min_length=1, max_length=128)
# Documented bounds (OpenAPI); the engine enforces them, in its own words.
_GRANULARITY = Field(
    3600, json_schema_extra={"minimum": reg.MIN_GRANULARITY, "maximum": reg.MAX_GRANULARITY}
)
_SPACED_OFFSET = re.compile(r" (\d\d:?\d\d)$")


def _plus_restored(value: Any) -> Any:
    """An unencoded `+00:00` in a query string arrives as ` 00:00`: read it as meant."""
    return _SPACED_OFFSET.sub(r"+\1", value) if isinstance(value, str) else value


QueryTime = Annotated[datetime, BeforeValidator(_plus_restored)]


class MetricRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = _NAME
    data_type: str = _NAME
    dimensions: list[str] = Field(default_factory=list)
    aggregation_type: str | None = None


class TimeRange(BaseModel):
    start: datetime
    end: datetime


class DashboardQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    metrics: list[MetricRequest] = Field(min_length=1, max_length=reg.MAX_METRICS)
    time_range: TimeRange
    granularity: int = _GRANULARITY
    filters: dict[str, Any] | None = None
    limit: int = reg.DEFAULT_LIMIT

    @model_validator(mode="after")
    def _one_answer_per_name(self) -> DashboardQuery:
        # The answer's `data` is keyed by metric name: a name asked twice would lose one.
        names = [m.name for m in self.metrics]
        for index, name in enumerate(names):
            if name in names[:index]:
                raise ValueError(f"metrics[{index}]: {name} is asked twice")
        return self


class SeriesParams(BaseModel):
    """GET /v1/metrics/{metric_name}/timeseries (`dimensions` may repeat; read from the
    query string by `dimensions_of`)."""

    model_config = ConfigDict(extra="ignore")

    data_type: str = _NAME
    start_time: QueryTime
    end_time: QueryTime
    granularity: int = _GRANULARITY
    dimensions: str | None = None
    aggregation_type: str | None = None


class ExportParams(BaseModel):
    model_config = ConfigDict(extra="ignore")

    data_type: str = _NAME
    start_time: QueryTime
    end_time: QueryTime
    granularity: int = _GRANULARITY


class CacheClearParams(BaseModel):
    model_config = ConfigDict(extra="ignore")

    pattern: str = Field(default="*", min_length=1, max_length=200)


class UploadBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    data_type: str = Field(min_length=1, max_length=64)
    data: list[dict[str, Any]] = Field(max_length=MAX_RECORDS_PER_UPLOAD)
    batch_id: str | None = Field(default=None, min_length=1, max_length=200)


def dimensions_of(call: Call) -> list[str]:
    """Repeated (`dimensions=a&dimensions=b`) or comma-separated (`dimensions=a,b`)."""
    values = call.request.query_params.getlist("dimensions")
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def started(call: Call) -> None:
    """Remember when the operation started (for spec 001's `total_query_time`)."""
    call.context.extras["rest_started"] = time.perf_counter()


def elapsed(call: Call) -> float:
    return time.perf_counter() - call.context.extras.get("rest_started", time.perf_counter())


def iso(moment: datetime) -> str:
    return moment.isoformat()
