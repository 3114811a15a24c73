"""JUnit / xUnit XML evidence -> TestRun.

`adapter` holds the adapter and the recount, `stream` the hardened libxml2 streaming, `case`
what one `<testcase>` says (outcome, time and count attributes).
"""

from __future__ import annotations

from readiness.evidence.junit.adapter import JUnitAdapter, JUnitParams
from readiness.evidence.junit.case import parse_time

__all__ = ["JUnitAdapter", "JUnitParams", "parse_time"]
