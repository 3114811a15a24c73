"""The options of a `junit` check, as a pydantic model (imported only to validate options)."""

from __future__ import annotations

from pydantic import Field

from readiness.evidence.params import AdapterParams


class JUnitParams(AdapterParams):
    """Options of a `junit` check."""

    min_tests: int = Field(
        default=1,
        ge=1,
        description="fewer test cases in all the files is an evidence error (zero tests is "
        "never a pass: a collection error or an emptied suite must not read as green)",
        json_schema_extra={"unit": "test cases"},
    )
