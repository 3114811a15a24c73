"""`make bench`: readiness against the best safe parsers on the big evidence of issue 15.

Generates the evidence (benchmarks/generate.py, fixed seed, into build/bench/), then runs
BENCH_RUNS rounds of whole-process timings (fresh processes, interpreter start-up on both
sides): in each round every format's anchor, then readiness on the same file, then the whole
release's `evaluate`. Each ratio is the median of the rounds' ratios (each readiness run over
the anchor run just before it; for `evaluate`, over the sum of its round's three anchors), so
it compares runs made seconds apart however the machine's speed drifts; the times printed
are medians, with the peak RSS (from wait4's rusage of each child):

- JUnit: `readiness inspect --kind junit` against lxml's parser target (anchors/junit_lxml.py);
- Locust: `readiness inspect --kind locust` of the run's stats and full history against
  pyarrow's CSV reader of one column (anchors/history_pyarrow.py);
- SARIF: `readiness inspect --kind sarif` against msgspec's typed structs
  (anchors/sarif_msgspec.py);
- the whole release: `readiness evaluate --no-record` against the sum of the three anchors,
  at 1/4, 1/2 and full size (the growth).

Correctness first: every run's figures are checked against what the generator recorded
(tests, failures, errors, skipped; history rows and the 99% column's maximum, the aggregate's
requests and sustained p99; SARIF counts by level), and a mismatch stops the benchmark.

    BENCH_RUNS=21 .venv/bin/python benchmarks/bench.py   # rounds (default 11)
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import SCALES, generate  # noqa: E402

OUT = Path(os.environ.get("BENCH_DIR", "build/bench")).resolve()


def _rounds(text: str) -> int:
    """BENCH_RUNS: a count of rounds from 1 to 1,000, or the benchmark stops saying so."""
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 1000):
        raise SystemExit(f"BENCH_RUNS must be a number of rounds from 1 to 1000, not {text!r}")
    return int(text)


RUNS = _rounds(os.environ.get("BENCH_RUNS", "11"))  # rounds; the published figures use 11
PY = sys.executable
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1795000000", "NO_COLOR": "1"}
LEVEL_SEVERITY = {"error": "high", "warning": "medium", "note": "low"}

Check = Callable[[str], None]


@dataclass(frozen=True)
class Spec:
    """One format's two commands and the checks of their figures."""

    name: str
    anchor: list[str]
    ours: list[str]
    check_a: Check
    check_b: Check


def run_once(argv: list[str], cwd: Path, ok: tuple[int, ...] = (0,)) -> tuple[float, float, str]:
    """(wall s, peak RSS MiB, stdout) of one fresh process, its peak RSS from wait4's rusage of
    that child alone; stops the benchmark on a failure."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=ENV, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if code not in ok:
            raise SystemExit(f"failed ({code}): {' '.join(argv)}\n{err.read()}")
        return wall, usage.ru_maxrss / 1024, out.read()


class Pair:
    """Alternating runs of an anchor and readiness; medians of wall time, max of peak RSS."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.a: list[tuple[float, float]] = []
        self.b: list[tuple[float, float]] = []

    def add(self, anchor: tuple[float, float], ours: tuple[float, float]) -> None:
        self.a.append(anchor)
        self.b.append(ours)

    @property
    def a_time(self) -> float:
        return statistics.median(t for t, _ in self.a)

    @property
    def b_time(self) -> float:
        return statistics.median(t for t, _ in self.b)

    @property
    def paired(self) -> list[float]:
        """Each readiness run's time over the anchor run just before it, sorted."""
        return sorted(b / a for (a, _), (b, _) in zip(self.a, self.b, strict=True))

    @property
    def ratio(self) -> float:
        """The verdict's ratio: the median of the paired ratios. Each pair ran within seconds,
        so a slow minute of the machine slows both sides of it; the ratio of the two medians
        would compare runs made minutes apart (in one run of five pairs: 1.16x, the paired
        median 1.51x, the anchor's median taken from slow minutes)."""
        return statistics.median(self.paired)

    @property
    def a_rss(self) -> float:
        return max(r for _, r in self.a)

    @property
    def b_rss(self) -> float:
        return max(r for _, r in self.b)


def expect(what: str, got: object, want: object) -> None:
    if got != want:
        raise SystemExit(f"WRONG FIGURE: {what} is {got!r}, the generator recorded {want!r}")


def _number(text: str) -> object:
    return float(text) if "." in text else int(text)


def metrics(out: str) -> dict[str, object]:
    """`readiness inspect`'s table of metrics by name, without the check's prefix (the table,
    not --json: the JSON also lists every point of the series, which is not a parser's cost)."""
    found = {}
    for line in out.splitlines():
        m = re.match(r"\s+evidence\.(\S.*?)\s{2,}(\S+)", line)
        if m:
            found[m.group(1)] = _number(m.group(2))
    return found


def criteria(out: str) -> dict[str, object]:
    """The values of `readiness evaluate`'s terminal summary, by criterion id."""
    found = {}
    for line in out.splitlines():
        m = re.match(r"\s+[A-Z]+\s+bench\.([\w-]+): (\S+) ", line)
        if m:
            found[m.group(1)] = _number(m.group(2))
    return found


def readiness(*args: str) -> list[str]:
    return [PY, "-m", "readiness.cli", *args]


def bench_junit(exp: dict[str, Any]) -> Spec:
    want = exp["junit"]
    f = "evidence/junit.xml"

    def check_a(out: str) -> None:
        expect("anchor junit counts", json.loads(out), want)

    def check_b(out: str) -> None:
        m = metrics(out)
        got = {k: m[k] for k in ("tests", "failed", "errors", "skipped")}
        expect("readiness junit counts", list(got.values()), list(want.values()))

    return Spec(
        "JUnit", [PY, str(HERE / "anchors/junit_lxml.py"), f],
        readiness("inspect", "--kind", "junit", f), check_a, check_b,
    )  # fmt: skip


def bench_locust(exp: dict[str, Any]) -> Spec:
    want = exp["locust"]
    history = "evidence/bench_stats_history.csv"

    def check_a(out: str) -> None:
        got = json.loads(out)
        expect("anchor history rows", got["history_rows"], want["history_rows"])
        expect("anchor 99% column maximum", got["history_max_p99"], want["history_max_p99"])

    def check_b(out: str) -> None:
        m = metrics(out)
        expect("readiness aggregated.requests", m["aggregated.requests"], want["requests"])
        expect("readiness sustained.p99", m["sustained.p99"], want["sustained_p99"])

    ours = readiness("inspect", "--kind", "locust", "--option", "ramp-up=60",
                     "evidence/bench_stats.csv", history)  # fmt: skip
    return Spec(
        "Locust history", [PY, str(HERE / "anchors/history_pyarrow.py"), history], ours,
        check_a, check_b,
    )  # fmt: skip


def bench_sarif(exp: dict[str, Any]) -> Spec:
    want = exp["sarif"]
    f = "evidence/scan.sarif"

    def check_a(out: str) -> None:
        expect("anchor SARIF counts", json.loads(out), want)

    def check_b(out: str) -> None:
        m = metrics(out)
        got = {lvl: m[f"findings.{sev}"] for lvl, sev in LEVEL_SEVERITY.items()}
        expect("readiness SARIF findings by level", got, want["by_level"])

    return Spec(
        "SARIF", [PY, str(HERE / "anchors/sarif_msgspec.py"), f],
        readiness("inspect", "--kind", "sarif", f), check_a, check_b,
    )  # fmt: skip


def evaluate_once(root: Path, exp: dict[str, Any]) -> tuple[float, float]:
    """Wall and peak RSS of one `evaluate --no-record` of the whole release, its figures
    checked through its terminal summary."""
    argv = readiness("evaluate", "definitions/bench.yaml", "--evidence-dir", "evidence",
                     "--no-record")  # fmt: skip
    wall, peak, out = run_once(argv, root, ok=(0, 1))
    values = criteria(out)
    expect("evaluate unit-tests.tests", values.get("tests"), exp["junit"]["tests"])
    expect("evaluate unit-tests.failed", values.get("failed"), exp["junit"]["failures"])
    expect("evaluate soak.sustained.p99", values.get("sustained-p99"),
           exp["locust"]["sustained_p99"])  # fmt: skip
    expect("evaluate sast.findings.high", values.get("high"),
           exp["sarif"]["by_level"]["error"])  # fmt: skip
    return wall, peak


def rounds(root: Path, exp: dict[str, Any]) -> tuple[list[Pair], Pair]:
    """RUNS rounds, each: every format's anchor then readiness, then `evaluate`; the whole
    release's pair of a round is the sum of that round's three anchors against its
    `evaluate`, so every ratio compares runs made within seconds of each other."""
    specs = [bench_junit(exp), bench_locust(exp), bench_sarif(exp)]
    pairs = [Pair(spec.name) for spec in specs]
    release = Pair("release")
    for _ in range(RUNS):
        anchors = []
        for spec, pair in zip(specs, pairs, strict=True):
            wall, rss, out = run_once(spec.anchor, root)
            spec.check_a(out)
            anchors.append((wall, rss))
            ours, ours_rss, out = run_once(spec.ours, root, ok=(0, 1))
            spec.check_b(out)
            pair.add((wall, rss), (ours, ours_rss))
        release.add(
            (sum(w for w, _ in anchors), max(r for _, r in anchors)), evaluate_once(root, exp)
        )
    return pairs, release


def main() -> None:
    print(f"readiness benchmarks: {RUNS} rounds, paired; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} cores")  # fmt: skip
    for name, scale in SCALES.items():
        root = OUT / name
        if not (root / "expected.json").exists():
            print(f"generating {root} ...", flush=True)
            generate(root, scale)
    growth: dict[str, Pair] = {}
    full_pairs: list[Pair] = []
    for name in ("quarter", "half", "full"):
        root = OUT / name
        exp = json.loads((root / "expected.json").read_text(encoding="utf-8"))
        pairs, release = rounds(root, exp)
        growth[name] = release
        if name == "full":
            full_pairs = pairs
        print(f"  {name}: evaluate {release.b_time:.2f} s, anchors {release.a_time:.2f} s",
              flush=True)  # fmt: skip
    report(full_pairs, growth)


def report(pairs: list[Pair], growth: dict[str, Pair]) -> None:
    bounds = {"JUnit": 1.3, "Locust history": 1.5, "SARIF": 1.5}
    rss_bounds = {"SARIF": 250.0}
    print()
    print("| evidence | `readiness inspect` | best safe parser | ratio (bound) | peak RSS MiB "
          "(readiness vs best) |")  # fmt: skip
    print("|---|---|---|---|---|")
    anchors = {"JUnit": "lxml parser target", "Locust history": "pyarrow CSV, one column",
               "SARIF": "msgspec typed structs"}  # fmt: skip
    for p in pairs:
        ok = "met" if p.ratio <= bounds[p.name] else "NOT met"
        rss_note = ""
        if p.name in rss_bounds:
            met = "met" if p.b_rss < rss_bounds[p.name] else "NOT met"
            rss_note = f" (< {rss_bounds[p.name]:.0f}: {met})"
        print(f"| {p.name} | {p.b_time:.2f} s | {anchors[p.name]}, {p.a_time:.2f} s | "
              f"{p.ratio:.2f}x (<= {bounds[p.name]}x: {ok}) | {p.b_rss:.0f} vs {p.a_rss:.0f}"
              f"{rss_note} |")  # fmt: skip
    release = growth["full"]
    ratio = release.ratio
    print(f"| the whole release, `evaluate` | {release.b_time:.2f} s | the three anchors one "
          f"after another, {release.a_time:.2f} s | {ratio:.2f}x (<= 1.2x: "
          f"{'met' if ratio <= 1.2 else 'NOT met'}; {'beats' if ratio < 1 else 'does not beat'}"
          f" the sum) | {release.b_rss:.0f} vs {release.a_rss:.0f} (< 600: "
          f"{'met' if release.b_rss < 600 else 'NOT met'}) |")  # fmt: skip
    print()
    print(
        "times: medians of the runs; ratios: the median of each round's readiness run over "
        "its anchor run; their range, and the ratio of the two medians:"
    )
    for p in [*pairs, release]:
        print(
            f"  {p.name}: {p.ratio:.2f}x ({p.paired[0]:.2f}-{p.paired[-1]:.2f}); "
            f"medians {p.b_time / p.a_time:.2f}x"
        )
    q, h, f = (growth[k].b_time for k in ("quarter", "half", "full"))
    qa, ha, fa = (growth[k].a_time for k in ("quarter", "half", "full"))
    print(f"growth of `evaluate`: 1/4 {q:.2f} s, 1/2 {h:.2f} s, full {f:.2f} s: full/quarter "
          f"{f / q:.2f}x (<= 4.4x: {'met' if f / q <= 4.4 else 'NOT met'}); the anchors "
          f"{qa:.2f} / {ha:.2f} / {fa:.2f} s ({fa / qa:.2f}x)")  # fmt: skip
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
