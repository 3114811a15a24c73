"""Pieces shared by the Locust evidence readers (`csv`, `json`, `hdr`,
`steady`) and the adapter in `readiness.evidence.locust.adapter`: the percentiles reported, the
kinds of output file, the error and size-check helpers, one endpoint's totals (`Entry`) and
Locust's own percentile function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from readiness.errors import EvidenceError
from readiness.evidence.base import MAX_EVIDENCE_BYTES

PERCENTILES: tuple[tuple[str, float], ...] = (
    ("50", 0.50),
    ("90", 0.90),
    ("95", 0.95),
    ("99", 0.99),
    ("99.9", 0.999),
)
AGGREGATED = "Aggregated"
# Bounds on every number read from Locust's files: far beyond any real run, and small enough
# that sums and products stay exact or finite in a float. A count above MAX_COUNT or a time,
# rate, size or timestamp above MAX_NUMBER is a located evidence error.
MAX_COUNT = 10**15
MAX_NUMBER = 1e12
MAX_SHOWN = 40  # characters of an offending value quoted in an error message
# The steady state's windows and per-second rates are as many as its seconds: a first and last
# request 10^12 s apart (each a valid number) would ask for terabytes, so a longer one is an
# evidence error, and a longer `window` option is refused. A month is far beyond any soak test.
MAX_STEADY_S = 31 * 86400


def shown(text: str) -> str:
    """`text` cut to MAX_SHOWN characters for an error message (a cell may be megabytes)."""
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + f"... ({len(text):,} chars)"


FileKind = Literal["stats", "history", "failures", "exceptions", "json", "hlog"]


def fail(message: str, display: str, line: int | None = None) -> EvidenceError:
    return EvidenceError(message, path=display, line=line)


def classify(path: Path) -> FileKind | None:
    """The kind of a Locust output file from its name, or None for anything else."""
    name = path.name
    if name.endswith("_stats_history.csv"):
        return "history"
    if name.endswith("_stats.csv"):
        return "stats"
    if name.endswith("_failures.csv"):
        return "failures"
    if name.endswith("_exceptions.csv"):
        return "exceptions"
    if name.endswith(".json"):
        return "json"
    if name.endswith(".hlog"):
        return "hlog"
    return None


def check_size(path: Path, display: str) -> int:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise fail(f"cannot read ({exc.strerror})", display) from None
    if size > MAX_EVIDENCE_BYTES:
        raise fail(f"file is {size} bytes, over the {MAX_EVIDENCE_BYTES}-byte limit", display)
    if size == 0:
        raise fail("empty file (Locust was killed before writing it?)", display)
    return size


def calculate_response_time_percentile(
    response_times: dict[int, int], num_requests: int, percent: float
) -> int:
    """Locust's own percentile over its bucketed response times (locust/stats.py, 2.47).

    Walks the buckets from the slowest down and returns the bucket at which the requests still
    to come number no more than int(num_requests * percent).
    """
    num_of_request = int(num_requests * percent)
    processed_count = 0
    for response_time in sorted(response_times, reverse=True):
        processed_count += response_times[response_time]
        if num_requests - processed_count <= num_of_request:
            return response_time
    return 0


@dataclass
class Entry:
    """One endpoint's (or the aggregate's) totals, from the JSON or the CSV."""

    method: str
    name: str
    requests: int
    failures: int
    avg_ms: float | None
    min_ms: float | None
    max_ms: float | None
    percentiles: dict[str, float]
    none_requests: int = 0
    response_times: dict[int, int] = field(default_factory=dict)
    per_second: dict[int, int] = field(default_factory=dict)
    fail_per_second: dict[int, int] = field(default_factory=dict)
    start: float | None = None
    last: float | None = None
    rps: float | None = None  # Locust's own total rate (CSV only)

    @property
    def key(self) -> str:
        return f"{self.method} {self.name}" if self.method else self.name
