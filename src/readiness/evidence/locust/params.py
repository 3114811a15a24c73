"""The options of a `locust` check, as a pydantic model (imported only to validate options)."""

from __future__ import annotations

from pydantic import Field

from readiness.evidence.locust.common import MAX_STEADY_S
from readiness.evidence.params import AdapterParams


class LocustParams(AdapterParams):
    """Options of a `locust` check (kebab-case in YAML)."""

    min_duration: float | None = Field(
        default=None,
        gt=0,
        allow_inf_nan=False,
        description="a run shorter than this is an evidence error (a run cut short proves "
        "nothing); none: any duration",
        json_schema_extra={"unit": "s"},
    )
    min_requests: int | None = Field(
        default=None,
        ge=1,
        description="fewer requests in total is an evidence error; none: any number above 0",
        json_schema_extra={"unit": "requests"},
    )
    target_users: int | None = Field(
        default=None,
        ge=1,
        description="the user count the run must reach, else an evidence error (needs the "
        "_stats_history.csv); none: not checked",
        json_schema_extra={"unit": "users"},
    )
    ramp_up: float | None = Field(
        default=None,
        ge=0,
        allow_inf_nan=False,
        description="time skipped at the start before the steady state of the sustained "
        "metrics; none: until the user count first reaches its peak",
        json_schema_extra={"unit": "s"},
    )
    window: int = Field(
        default=10,
        ge=1,
        le=MAX_STEADY_S,
        description="length of the windows the steady state is cut into for sustained.p99 "
        "(worst window) and sustained.min_rps (slowest window)",
        json_schema_extra={"unit": "s"},
    )
    max_failure_ratio: float = Field(
        default=10.0,
        ge=0,
        le=100,
        allow_inf_nan=False,
        json_schema_extra={"unit": "%"},
        description="share of an endpoint's (or the aggregate's) requests that may fail "
        "before its latency and throughput stop being measurements (failed requests are "
        "fast): above it, criteria on that row's latency, rate and sustained metrics are "
        "ERROR with the reason; failure counts stay usable; 100 turns this off",
    )
