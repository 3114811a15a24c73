"""Locust load-test evidence: `--json-file`, `--csv` files and an HDR interval log -> LoadStats.

Files are recognised by name (all files matched by the check's globs are passed in):

    *_stats.csv            per-endpoint totals + the Aggregated row (may be stale, see below)
    *_stats_history.csv    one row per second (per endpoint with --csv-full-history)
    *_failures.csv         (method, name, error, occurrences)
    *_exceptions.csv       errors raised inside the locustfile itself (become warnings)
    *.json                 `--json-file` output (also the `NAME.json.json` that
                           `--json-file NAME.json` produces)
    *.hlog                 HdrHistogram interval log (loadtests/hdr_listener.py)

Other files are ignored with a warning; two files of one kind are an error (two runs mixed).

Sources of each number, in order of trust (see FORMATS.md section 2):

- **Totals** (requests, failures, avg/min/max, per-endpoint) come from the JSON when present:
  Locust does not rewrite `_stats.csv` at shutdown, so the CSV can miss the last second. When
  both exist they are cross-checked and a discrepancy becomes a warning. Without JSON the CSV
  is used, with a warning.
- **Percentiles** ("50", "90", "95", "99", "99.9") come from the HDR log when present (exact,
  microseconds; `percentile_source="hdr"`), else from the JSON's `response_times` buckets,
  recomputed exactly as Locust's `calculate_response_time_percentile` does (stats.py), else from
  the CSV's (bucketed) percentile cells. An HDR log must be this run's: its time range and
  its sample counts (per request name and in all) must agree with Locust's within a tolerance
  (`checks.check_hdr_is_this_runs`), else it is an evidence error, never a silent override.
  Locust rounds to ~2 significant digits and picks the
  (floor(n*p)+1)-th bucket, so its values are coarse and biased upward at bucket boundaries.
- **Duration**: JSON first request to last request; else the history's first to last row.
- **Peak users** and **series** come from the history's Aggregated rows.
- **Steady state**: from the end of ramp-up (param `ramp-up` seconds after the start, or by
  default the second after the user count first reaches its peak) to the last full second of
  the run. It is cut into consecutive windows of `window` seconds (a trailing partial window
  is dropped; a steady state shorter than one window is one window, with a warning).
  `sustained_min_rps` is the lowest window rate and `sustained_p99_ms` the worst window p99:
  exact from the HDR intervals when present; otherwise the rate comes from the JSON's
  per-second counts (or the history's cumulative counts) and the p99 from the history's
  rolling ~10 s percentiles (only with `--csv-full-history`; without it Locust writes
  cumulative percentiles there, and no sustained p99 is reported).

Every problem is an EvidenceError naming the file and, where known, the line: empty or
truncated files, wrong CSV headers (the expected columns are listed), non-numeric, negative or
NaN cells, inconsistent JSON entries, undecodable histograms. A run with zero requests is an
error (it proves nothing); a run with 100% failures (target down) is valid evidence, but
its latency is not: a row (an endpoint, or the aggregate) whose failed requests exceed
`max-failure-ratio` percent of its requests (default 10) is marked `unusable` with the reason,
and every criterion on that row's latency or rate (and, for the aggregate, the sustained
metrics) is ERROR with that reason, whether or not the gate also gates the failure ratio.
The Aggregated row's requests and failures must equal the sums of the endpoint rows.
This module and the readers beside it read files only: they never import Locust or gevent, and
import `hdrh` only when an `.hlog` file is present.

The readers live beside this module: `csv`, `json` and `hdr` (the HDR interval log), with what
they share in `common`; the steady-state windows are `steady`, the cross-checks `checks`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import is_not
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from readiness.errors import EvidenceError
from readiness.evidence.base import Bound, LazyParams
from readiness.evidence.locust.checks import check_hdr_is_this_runs, mark_unusable, stale_warning
from readiness.evidence.locust.common import MAX_STEADY_S, Entry, FileKind, classify, fail
from readiness.evidence.locust.csv import History, read_exceptions, read_failures, read_stats
from readiness.evidence.locust.hdr import HdrResult, hdr_percentiles, read_hlog
from readiness.evidence.locust.history import read_history
from readiness.evidence.locust.json import aggregate_json, read_json
from readiness.evidence.locust.steady import Steady, steady_state, sustained_metrics
from readiness.evidence.records import EndpointStats, Intervals, LoadStats, Series

if TYPE_CHECKING:
    from readiness.evidence.locust.params import LocustParams


@dataclass(frozen=True)
class LocustDefaults:
    """`LocustParams()` without pydantic (a test holds them equal)."""

    min_duration: float | None = None
    min_requests: int | None = None
    target_users: int | None = None
    ramp_up: float | None = None
    window: int = 10
    max_failure_ratio: float = 10.0

    BOUNDS: ClassVar[dict[str, Bound]] = {
        "min_duration": Bound(float, gt=0),
        "min_requests": Bound(int, ge=1),
        "target_users": Bound(int, ge=1),
        "ramp_up": Bound(float, ge=0),
        "window": Bound(int, ge=1, le=MAX_STEADY_S),
        "max_failure_ratio": Bound(float, ge=0, le=100),
    }


# ---- the adapter -------------------------------------------------------------------------


@dataclass
class _Inputs:
    files: dict[FileKind, tuple[Path, str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _sort_files(files: list[Path], display: dict[Path, str]) -> _Inputs:
    found = _Inputs()
    ignored = []
    for path in files:
        shown = display.get(path, str(path))
        kind = classify(path)
        if kind is None:
            ignored.append(shown)
            continue
        if kind in found.files:
            other = found.files[kind][1]
            raise fail(
                f"two Locust {kind} files ({other} and {shown}): the check's glob matches "
                "more than one run; narrow it",
                shown,
            )
        found.files[kind] = (path, shown)
    if ignored:
        found.warnings.append(f"ignored files that are not Locust output: {', '.join(ignored)}")
    return found


@dataclass
class _Totals:
    """The run's totals: per endpoint and aggregated, from the JSON when present, else the CSV."""

    entries: dict[str, Entry]
    aggregate: Entry
    source: str  # the file they come from, shown
    json_aggregate: Entry | None  # the JSON's aggregate (its per-second counts), if any


def _totals(got: dict[FileKind, tuple[Path, str]], warnings: list[str]) -> _Totals:
    """Read the JSON and `_stats.csv`, cross-check them, and keep the JSON's totals when present;
    a run without statistics, or that sent no request, is an evidence error."""
    if "json" not in got and "stats" not in got:
        shown = ", ".join(s for _, s in got.values()) or "no files"
        raise EvidenceError(
            "no Locust statistics: expected Locust's --json-file output (*.json) or "
            f"--csv output (*_stats.csv); found {shown}"
        )
    from_json = _json_totals(got)
    from_csv = read_stats(*got["stats"]) if "stats" in got else None
    if from_json is not None:
        totals = _Totals(*from_json, got["json"][1], from_json[1])
        if from_csv is not None:
            stale = stale_warning(*from_csv, *from_json, got["stats"][1])
            if stale:
                warnings.append(stale)
    else:
        assert from_csv is not None
        totals = _Totals(*from_csv, got["stats"][1], None)
        warnings.append(
            "no --json-file output: totals come from _stats.csv, which Locust does not "
            "rewrite at shutdown (it may miss the last second)"
        )
    if totals.aggregate.requests == 0:
        raise fail(
            "no requests recorded: a run that sent nothing proves nothing (an empty stats "
            "list is also what a worker, or --json combined with --json-file, writes)",
            totals.source,
        )
    return totals


def _json_totals(got: dict[FileKind, tuple[Path, str]]) -> tuple[dict[str, Entry], Entry] | None:
    """The JSON's entries and their aggregate, if there is a JSON file."""
    if "json" not in got:
        return None
    entries = read_json(*got["json"])
    return entries, aggregate_json(entries)


def _failures(
    got: dict[FileKind, tuple[Path, str]], aggregate: Entry, warnings: list[str]
) -> tuple[tuple[str, str, int], ...]:
    """`_failures.csv`'s rows (checked against the totals) and `_exceptions.csv` as warnings."""
    failures = tuple(read_failures(*got["failures"])) if "failures" in got else ()
    listed = sum(n for _, _, n in failures)
    if "failures" in got and listed != aggregate.failures:
        warnings.append(
            f"{got['failures'][1]} lists {listed} failures, the totals say "
            f"{aggregate.failures}: Locust rewrites it only every second (like _stats.csv)"
        )
    if "exceptions" in got:
        warnings.extend(read_exceptions(*got["exceptions"]))
    return failures


def _check_run_size(
    opts: LocustParams | LocustDefaults,
    got: dict[FileKind, tuple[Path, str]],
    totals: _Totals,
    history: History | None,
    peak_users: int | None,
    duration: float,
) -> None:
    """The run reached `target-users` and lasted `min-duration` with `min-requests`."""
    if opts.target_users is not None:
        if history is None:
            raise EvidenceError(
                "target-users needs the _stats_history.csv (run Locust with --csv) to "
                "show the user count reached"
            )
        if peak_users is None or peak_users < opts.target_users:
            raise fail(
                f"never reached {opts.target_users} users (peak {peak_users})",
                got["history"][1],
            )
    if opts.min_duration is not None and duration < opts.min_duration:
        raise fail(
            f"the run lasted {duration:.1f} s, less than min-duration {opts.min_duration:g} s",
            totals.source,
        )
    requests = totals.aggregate.requests
    if opts.min_requests is not None and requests < opts.min_requests:
        raise fail(
            f"{requests} requests recorded, fewer than min-requests {opts.min_requests}",
            totals.source,
        )


def _read_hdr(
    got: dict[FileKind, tuple[Path, str]],
    steady: Steady | None,
    totals: _Totals,
    history: History | None,
    duration: float,
) -> HdrResult | None:
    """The HDR interval log, if present, checked to be this run's."""
    if "hlog" not in got:
        return None
    path, shown = got["hlog"]
    hdr = read_hlog(path, shown, steady.window_of if steady is not None else lambda _s: None)
    check_hdr_is_this_runs(
        hdr, totals.entries, totals.aggregate, history, duration, "json" not in got, shown
    )
    return hdr


class LocustAdapter:
    """A Locust run: its `--csv` files (`_stats.csv`, `_stats_history.csv`, `_failures.csv`,
    `_exceptions.csv`), its `--json-file` output and an HDR interval log (`.hlog`).

    Metric keys: `requests["<METHOD> <name>"].<stat>` per request (Locust keys a row by type and
    name: `self.client.post("/orders", name="/orders")` is `requests["POST /orders"]`, and a
    name that already holds the method doubles it) and `aggregated.<stat>`, with stat one of
    requests, failures (count), failure_ratio (%), rps (/s), avg, min, p50, p90, p95, p99,
    p99.9, max (ms); duration (s), peak_users; sustained.p99 (ms, worst window of the steady
    state) and sustained.min_rps (/s, slowest window).

    Percentiles are exact (microseconds) from the HDR log when there is one, else recomputed
    from the JSON's buckets as Locust does, else the CSV's. Fails closed: zero requests, a run
    shorter than `min-duration`, fewer requests than `min-requests`, an Aggregated row that is
    not the sum of the endpoints, or an HDR log of another run is an evidence error; a row
    failing beyond `max-failure-ratio` has no usable latency or rate (criteria on it are ERROR).
    Reads files only: Locust itself is not needed."""

    kind: ClassVar[str] = "locust"
    record: ClassVar[str] = "LoadStats"
    Params: LazyParams[LocustParams] = LazyParams("readiness.evidence.locust.params:LocustParams")
    defaults: ClassVar[LocustDefaults] = LocustDefaults()

    def read(self, files: list[Path], display: dict[Path, str], params: Any) -> LoadStats:
        """Read one run's files; EvidenceError for any problem, never a partial record."""
        opts = self.Params.model_validate(params) if isinstance(params, Mapping) else params
        inputs = _sort_files(files, display)
        got, warnings = inputs.files, inputs.warnings
        totals = _totals(got, warnings)
        aggregate = totals.aggregate
        history = read_history(*got["history"]) if "history" in got else None
        failures = _failures(got, aggregate, warnings)
        duration = self._duration(aggregate, history, warnings)
        peak_users = max(history.users) if history else None
        _check_run_size(opts, got, totals, history, peak_users, duration)
        steady = steady_state(opts.ramp_up, opts.window, aggregate, history, warnings)
        hdr = _read_hdr(got, steady, totals, history, duration)
        stats = {
            key: mark_unusable(
                self._endpoint(e, key, duration, hdr, warnings), opts.max_failure_ratio
            )
            for key, e in totals.entries.items()
        }
        aggregate_stats = mark_unusable(
            self._endpoint(aggregate, None, duration, hdr, warnings), opts.max_failure_ratio
        )
        if hdr is not None:
            unknown = sorted(k for k in hdr.totals if k is not None and k not in totals.entries)
            if unknown:
                warnings.append(
                    f"the HDR log has request names Locust did not count: {', '.join(unknown)}"
                )
        sustained_p99, sustained_rps = sustained_metrics(
            steady, hdr, history, totals.json_aggregate, warnings
        )
        return LoadStats(
            endpoints=tuple(stats[k] for k in sorted(stats)),
            aggregate=aggregate_stats,
            duration_s=duration,
            peak_users=peak_users,
            sustained_p99_ms=sustained_p99,
            sustained_min_rps=sustained_rps,
            series=self._series(history, hdr, totals.json_aggregate),
            failures=failures,
            warnings=tuple(warnings),
            intervals=_intervals(
                steady,
                hdr,
                totals.entries if totals.json_aggregate is not None else {},
                totals.json_aggregate,
            ),
        )

    # -- pieces ----------------------------------------------------------------------------

    @staticmethod
    def _duration(aggregate: Entry, history: History | None, warnings: list[str]) -> float:
        if aggregate.start is not None and aggregate.last is not None:
            duration = aggregate.last - aggregate.start
        elif history is not None and len(history.ts) > 1:
            duration = float(history.ts[-1] - history.ts[0])
        elif aggregate.rps:
            duration = aggregate.requests / aggregate.rps
        else:
            duration = 0.0
        if duration <= 0:
            warnings.append("the run's duration is unknown or zero: rates are reported as 0")
            return 0.0
        return duration

    @staticmethod
    def _endpoint(
        e: Entry,
        hdr_key: str | None,
        duration: float,
        hdr: HdrResult | None,
        warnings: list[str],
    ) -> EndpointStats:
        """`hdr_key`: the HDR log's tag for this entry (None: the untagged, all-requests one)."""
        percentiles, source = e.percentiles, "locust"
        hist = hdr.totals.get(hdr_key) if hdr is not None else None
        label = e.key if hdr_key is not None else "all requests"
        if hist is not None and hist.get_total_count():
            percentiles, source = hdr_percentiles(hist), "hdr"
        elif hdr is not None and e.requests:
            warnings.append(f"{label}: not in the HDR log; Locust's bucketed percentiles kept")
        return EndpointStats(
            name=e.key,
            requests=e.requests,
            failures=e.failures,
            rps=e.requests / duration if duration > 0 else 0.0,
            avg_ms=e.avg_ms,
            min_ms=e.min_ms,
            max_ms=e.max_ms,
            percentiles_ms=percentiles,
            percentile_source=source,
        )

    @staticmethod
    def _series(
        history: History | None, hdr: HdrResult | None, json_aggregate: Entry | None
    ) -> tuple[Series, ...]:
        out: list[Series] = []
        if history is not None:
            times = tuple(map(float, history.ts))
            out.append(Series("users", "count", times, tuple(map(float, history.users))))
            out.append(Series("rps", "/s", times, tuple(history.rps)))
            out.append(Series("failures_per_s", "/s", times, tuple(history.fails_per_s)))
            for name, values in (("p50", history.p50), ("p95", history.p95), ("p99", history.p99)):
                out.append(Series(name, "ms", *_present(times, values)))
        elif json_aggregate is not None and json_aggregate.per_second:
            seconds = sorted(json_aggregate.per_second)
            times = tuple(map(float, seconds))
            per_second, fail_per_second = json_aggregate.per_second, json_aggregate.fail_per_second
            out.append(Series("rps", "/s", times, tuple(float(per_second[s]) for s in seconds)))
            out.append(
                Series(
                    "failures_per_s",
                    "/s",
                    times,
                    tuple(float(fail_per_second.get(s, 0)) for s in seconds),
                )
            )
        if hdr is not None:
            out.append(Series.of_points("hdr_p50", "ms", hdr.p50_series))
            out.append(Series.of_points("hdr_p99", "ms", hdr.p99_series))
        return tuple(out)


def _present(
    times: tuple[float, ...], values: list[float | None]
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The times and values of the rows that have a value (N/A percentiles are skipped)."""
    if None not in values:
        return times, tuple(values)  # type: ignore[arg-type]  # no None in it
    # a few (the rows before the first request): filtered in C, not a loop
    present = list(map(is_not, values, repeat(None)))
    return tuple(compress(times, present)), tuple(compress(values, present))  # type: ignore[arg-type]


def _intervals(
    steady: Steady | None,
    hdr: HdrResult | None,
    entries: dict[str, Entry],
    aggregate: Entry | None,
) -> tuple[Intervals, ...]:
    """Per-second p99 (HDR log) and request rate (JSON) of each request name and of all
    requests, over the steady state's whole seconds only: ramp-up and the cut-off last second
    would read as a shift. Nothing without a steady state."""
    if steady is None or steady.span <= 0:
        return ()
    seconds = range(steady.start, steady.end)

    def p99s(points: dict[int, float]) -> tuple[float, ...]:
        return tuple(points[s] for s in seconds if s in points)

    def rates(entry: Entry | None) -> tuple[float, ...]:
        if entry is None or not entry.per_second:
            return ()
        return tuple(map(float, map(entry.per_second.get, seconds, repeat(0))))

    out = [
        Intervals(key, p99s(hdr.key_p99.get(key, {})) if hdr else (), rates(entries.get(key)))
        for key in sorted({*entries, *(hdr.key_p99 if hdr else {})})
    ]
    hdr_all = {int(s): v for s, v in hdr.p99_series} if hdr is not None else {}
    out.append(Intervals(None, p99s(hdr_all), rates(aggregate)))
    return tuple(i for i in out if i.p99_ms or i.rps)
