"""Cross-checks between the Locust readers' results, for `readiness.evidence.locust`: a
stale `_stats.csv` against the JSON, an HDR log against the run it claims to be from, and the
rows whose latency is not a measurement because too many of their requests failed.
"""

from __future__ import annotations

from dataclasses import replace

from readiness.evidence.locust.common import Entry, fail
from readiness.evidence.locust.csv import History
from readiness.evidence.locust.hdr import HdrResult
from readiness.evidence.records import EndpointStats


def stale_warning(
    csv_entries: dict[str, Entry], csv_aggregate: Entry, json_entries: dict[str, Entry],
    json_aggregate: Entry, shown: str,
) -> str | None:  # fmt: skip
    diffs = []
    for key in sorted(set(csv_entries) | set(json_entries)):
        c, j = csv_entries.get(key), json_entries.get(key)
        c_counts = (c.requests, c.failures) if c else (0, 0)
        j_counts = (j.requests, j.failures) if j else (0, 0)
        if c_counts != j_counts:
            diffs.append(key)
    agg_c = (csv_aggregate.requests, csv_aggregate.failures)
    agg_j = (json_aggregate.requests, json_aggregate.failures)
    if not diffs and agg_c == agg_j:
        return None
    return (
        f"{shown} is stale or inconsistent with the JSON (Aggregated: CSV {agg_c[0]} requests / "
        f"{agg_c[1]} failures, JSON {agg_j[0]} / {agg_j[1]}; {len(diffs)} endpoint(s) differ): "
        "Locust does not rewrite _stats.csv at shutdown; totals are taken from the JSON"
    )


HDR_TIME_TOLERANCE_S = 10.0
HDR_COUNT_TOLERANCE = 0.01  # share of Locust's count
HDR_STALE_CSV_S = 5.0  # seconds of requests a stale _stats.csv may miss


def check_hdr_is_this_runs(
    hdr: HdrResult,
    entries: dict[str, Entry],
    aggregate: Entry,
    history: History | None,
    duration: float,
    from_csv: bool,
    shown: str,
) -> None:
    """Refuse an HDR log that does not belong to the run whose totals were read: its exact
    percentiles would replace Locust's (1 ms from another run instead of this run's 900 ms).

    It must cover the run's time (Locust's first and last request, or the history's first and
    last row) to within HDR_TIME_TOLERANCE_S at each end, and hold, per request name and in
    all, Locust's count of timed requests to within HDR_COUNT_TOLERANCE (at least 2 samples;
    with totals from a _stats.csv, which can miss the run's last seconds, HDR_STALE_CSV_S
    seconds of requests more)."""
    span: tuple[float, float] | None = None
    if aggregate.start is not None and aggregate.last is not None:
        span = (aggregate.start, aggregate.last)
    elif history is not None:
        span = (float(history.ts[0]), float(history.ts[-1]))
    if span is not None and (
        abs(hdr.start_s - span[0]) > HDR_TIME_TOLERANCE_S
        or abs(hdr.end_s - span[1]) > HDR_TIME_TOLERANCE_S
    ):
        raise fail(
            f"not this run's HDR log: it covers epoch seconds {hdr.start_s:.0f} to "
            f"{hdr.end_s:.0f}, Locust's requests ran from {span[0]:.0f} to {span[1]:.0f} "
            f"(more than {HDR_TIME_TOLERANCE_S:g} s apart); remove it or collect it with this run",
            shown,
        )
    rows: list[tuple[str | None, Entry]] = [*entries.items(), (None, aggregate)]
    for key, e in rows:
        hist = hdr.totals.get(key)
        if hist is None:
            continue
        held = hist.get_total_count()
        timed = e.requests - e.none_requests
        slack = max(2.0, HDR_COUNT_TOLERANCE * timed)
        if from_csv and duration > 0:
            slack += HDR_STALE_CSV_S * e.requests / duration
        if abs(held - timed) > slack:
            label = key if key is not None else "all requests"
            raise fail(
                f"not this run's HDR log: {label}: it holds {held:,} samples, Locust counted "
                f"{timed:,} timed requests (tolerance {slack:,.0f})",
                shown,
            )


def mark_unusable(e: EndpointStats, max_failure_ratio: float) -> EndpointStats:
    """`e`, marked unusable when more than `max_failure_ratio` percent of its requests failed:
    failed requests are fast (a refused connection takes a millisecond), so their latency and
    rate measure the failure, not the service. Exactly `max_failure_ratio` is still usable."""
    if not e.requests or e.failures * 100 <= max_failure_ratio * e.requests:
        return e
    share = 100.0 * e.failures / e.requests
    if e.failures < e.requests:
        share = min(share, 99.99)  # never shown as 100% while some succeeded
    shown = f"{share:.2f}".rstrip("0").rstrip(".")
    return replace(
        e,
        unusable=f"{e.name}: {shown}% of {e.requests:,} requests failed (over max-failure-ratio "
        f"{max_failure_ratio:g}%); its latency and throughput are not measured",
    )
