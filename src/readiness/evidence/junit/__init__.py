"""JUnit / xUnit XML evidence -> TestRun.

`adapter` holds the adapter and the recount, `stream` the hardened libxml2 streaming, `case`
what one `<testcase>` says (outcome, time and count attributes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readiness.evidence.junit.adapter import JUnitAdapter
from readiness.evidence.junit.case import parse_time

if TYPE_CHECKING:
    from readiness.evidence.junit.params import JUnitParams


def __getattr__(name: str) -> object:
    """`JUnitParams`, imported on first use (pydantic: only to validate options)."""
    if name == "JUnitParams":
        from readiness.evidence.junit import params

        return params.JUnitParams
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["JUnitAdapter", "JUnitParams", "parse_time"]
