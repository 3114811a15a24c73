"""Generate the big evidence of `make bench`: one release's JUnit, Locust and SARIF files.

Fixed seed, so every run writes the same bytes. For each scale (1/4, 1/2, full) it writes
`build/bench/<scale>/` holding a project (checks/, gates/, definitions/bench.yaml), its evidence
under `evidence/`, and `expected.json`: the figures each benchmark checks its output against.

At full size (the sizes of issue 15): a 100,000-case JUnit file, a Locust run of 40,000 s with
24 endpoints whose full-history CSV has 1,000,000 rows (plus its stats CSV and --json-file),
and a SARIF log of 200,000 results.

    .venv/bin/python benchmarks/generate.py [--out build/bench] [--scales 0.25,0.5,1]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

SEED = 15
CASES = 100_000
SECONDS = 40_000  # x (24 endpoints + Aggregated) = 1,000,000 history rows
ENDPOINTS = 24
RESULTS = 200_000
START = 1_795_000_000
PCTS = ("50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%")
RULES = 40


def junit(path: Path, cases: int, rng: random.Random) -> dict[str, int]:
    """A pytest-like JUnit file: 50 suites, ~1% failures, ~0.5% errors, ~1% skipped."""
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    suites = 50
    per_suite = cases // suites
    with path.open("w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites name="pytest">\n')
        for s in range(suites):
            fh.write(f'<testsuite name="tests.test_mod{s}" tests="{per_suite}" time="91.5">\n')
            for i in range(per_suite):
                counts["tests"] += 1
                attrs = (
                    f'classname="tests.test_mod{s}.TestOrderBook{i % 60}" '
                    f'name="test_price_time_priority_{i}[case-{rng.randrange(10**6)}]" '
                    f'file="tests/test_mod{s}.py" line="{i % 900 + 1}" '
                    f'time="{rng.random() / 50:.4f}"'
                )
                roll = rng.random()
                if roll < 0.010:
                    counts["failures"] += 1
                    fh.write(
                        f'<testcase {attrs}><failure message="AssertionError: assert '
                        f'{i} == {i + 1}">Traceback (most recent call last):\n  File '
                        f'"tests/test_mod{s}.py", line {i % 900 + 1}, in test\n    assert '
                        f"book.best_bid() == expected\nAssertionError: assert {i} == {i + 1}"
                        "</failure><system-out>placing 3 orders\nmatched 1\n</system-out>"
                        "</testcase>\n"
                    )
                elif roll < 0.015:
                    counts["errors"] += 1
                    fh.write(
                        f"<testcase {attrs}><error message=\"fixture 'exchange' failed\">"
                        "ConnectionRefusedError: [Errno 111] Connection refused</error>"
                        "</testcase>\n"
                    )
                elif roll < 0.025:
                    counts["skipped"] += 1
                    fh.write(
                        f'<testcase {attrs}><skipped type="pytest.skip" message="needs the '
                        'options feed">tests/conftest.py:12: needs the options feed</skipped>'
                        "</testcase>\n"
                    )
                elif roll < 0.3:  # captured output, as pytest's junit_logging writes it
                    fh.write(f"<testcase {attrs}><system-out>{_LOG}</system-out></testcase>\n")
                else:
                    fh.write(f"<testcase {attrs}/>\n")
            fh.write("</testsuite>\n")
        fh.write("</testsuites>\n")
    return counts


_LOG = "".join(
    f"2026-12-01 10:00:{k:02d},123 INFO matching: order {k} accepted, book depth {k * 7}\n"
    for k in range(16)
)


def _endpoints() -> list[tuple[str, str]]:
    methods = ("GET", "POST", "DELETE", "PUT")
    return [(methods[k % 4], f"/api/v{k // 8 + 1}/resource{k}") for k in range(ENDPOINTS)]


def locust(evidence: Path, seconds: int, rng: random.Random) -> dict[str, object]:
    """A Locust run's --csv (with --csv-full-history) and --json-file outputs."""
    eps = _endpoints()
    ramp = 60
    per_ep = [0] * ENDPOINTS
    per_second: list[dict[str, int]] = [{} for _ in eps]
    buckets: list[dict[str, int]] = [{} for _ in eps]
    total = 0
    worst_p99 = 0
    rows = 0
    head = (
        "Timestamp,User Count,Type,Name,Requests/s,Failures/s,"
        + ",".join(PCTS)
        + ",Total Request Count,Total Failure Count,Total Median Response Time,"
        "Total Average Response Time,Total Min Response Time,Total Max Response Time,"
        "Total Average Content Size\n"
    )
    with (evidence / "bench_stats_history.csv").open("w", encoding="utf-8") as fh:
        fh.write(head)
        for sec in range(seconds):
            ts = START + sec
            users = min(200, 200 * (sec + 1) // ramp)
            agg_p = [0] * len(PCTS)
            sec_total = 0
            for k, (method, name) in enumerate(eps):
                n = rng.randrange(2, 9) if sec else 0
                per_ep[k] += n
                sec_total += n
                if n:
                    per_second[k][str(ts)] = n
                    b = str(rng.choice((2, 3, 4, 5, 6, 8, 10)))
                    buckets[k][b] = buckets[k].get(b, 0) + n
                base = 2 + k % 5
                p = [base + j for j in range(len(PCTS))]
                p[7] = base + rng.randrange(5, 30)  # 99%
                p = sorted(p)
                agg_p = [max(a, b) for a, b in zip(agg_p, p, strict=True)]
                fh.write(
                    f"{ts},{users},{method},{name},{n:.6f},0.000000,"
                    + ",".join(str(v) for v in p)
                    + f",{per_ep[k]},0,{p[0]},{p[0] + rng.random()!r},{rng.random()!r},{p[-1]},"
                    f"{200 + rng.random()!r}\n"
                )
                rows += 1
            total += sec_total
            if sec == 0:
                cells = ",".join("N/A" for _ in PCTS)
                fh.write(f"{ts},{users},,Aggregated,0.000000,0.000000,{cells},0,0,0,0.0,0,0,0\n")
            else:
                if sec >= ramp + 10:  # the steady state's rolling p99s
                    worst_p99 = max(worst_p99, agg_p[7])
                fh.write(
                    f"{ts},{users},,Aggregated,{sec_total:.6f},0.000000,"
                    + ",".join(str(v) for v in agg_p)
                    + f",{total},0,{agg_p[0]},{agg_p[0] * 1.1:.6f},0.4,{agg_p[-1]},212.5\n"
                )
            rows += 1
    last = START + seconds - 1 + 0.5
    entries = []
    stats_rows = []
    for k, (method, name) in enumerate(eps):
        n = per_ep[k]
        entries.append(
            {
                "name": name,
                "method": method,
                "last_request_timestamp": last,
                "start_time": float(START),
                "num_requests": n,
                "num_none_requests": 0,
                "num_failures": 0,
                "total_response_time": float(sum(int(b) * c for b, c in buckets[k].items())),
                "max_response_time": 10.0,
                "min_response_time": 2.0,
                "total_content_length": n * 212,
                "response_times": buckets[k],
                "num_reqs_per_sec": per_second[k],
                "num_fail_per_sec": {},
            }
        )
        stats_rows.append(
            f"{method},{name},{n},0,4,4.5,2.0,10.0,212.0,{n / seconds:.6f},0.0,"
            + ",".join(str(v) for v in (4, 5, 5, 6, 8, 8, 10, 10, 10, 10, 10))
            + "\n"
        )
    (evidence / "bench.json").write_text(json.dumps(entries), encoding="utf-8")
    with (evidence / "bench_stats.csv").open("w", encoding="utf-8") as fh:
        fh.write(
            "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
            "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
            + ",".join(PCTS)
            + "\n"
        )
        fh.writelines(stats_rows)
        fh.write(
            f",Aggregated,{total},0,4,4.5,2.0,10.0,212.0,{total / seconds:.6f},0.0,"
            + ",".join(str(v) for v in (4, 5, 5, 6, 8, 8, 10, 10, 10, 10, 10))
            + "\n"
        )
    return {
        "history_rows": rows,
        "history_max_p99": _max_p99(evidence / "bench_stats_history.csv"),
        "requests": total,
        "aggregated_rows": seconds,
        "sustained_p99": worst_p99,
    }


def _max_p99(path: Path) -> int:
    """The largest cell of the 99% column (N/A skipped): what the anchor computes."""
    col = 6 + PCTS.index("99%")
    best = 0
    with path.open(encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            cell = line.split(",")[col]
            if cell != "N/A":
                best = max(best, int(cell))
    return best


def sarif(path: Path, results: int, rng: random.Random) -> dict[str, object]:
    """A monorepo scan: 40 rules, results over many files, levels mixed, fingerprints."""
    levels = ("error", "warning", "note")
    rules = [
        {
            "id": f"B{600 + i}",
            "name": f"rule_{i}",
            "shortDescription": {"text": f"Rule {i}: a risky construct"},
            "defaultConfiguration": {"level": levels[i % 3]},
            "properties": {"tags": ["security", f"CWE-{70 + i}"]},
        }
        for i in range(RULES)
    ]
    by_level = {"error": 0, "warning": 0, "note": 0}
    out = []
    for n in range(results):
        rule = rng.randrange(RULES)
        r: dict[str, object] = {
            "ruleId": f"B{600 + rule}",
            "ruleIndex": rule,
            "message": {
                "text": f"finding {n}: call to a risky function in module {n % 13}; the "
                "argument comes from a request parameter and reaches a shell unescaped"
            },
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {
                            "uri": f"services/svc{n % 97}/src/pkg{n % 31}/module{n % 13}.py"
                        },
                        "region": {
                            "startLine": rng.randrange(1, 2000),
                            "startColumn": rng.randrange(1, 80),
                            "endLine": rng.randrange(1, 2000),
                        },
                    }
                }
            ],
            "partialFingerprints": {"primaryLocationLineHash": f"{rng.getrandbits(64):016x}:1"},
        }
        level = levels[rule % 3]
        if rng.random() < 0.2:
            level = "error"
            r["level"] = "error"
        by_level[level] += 1
        out.append(r)
    doc = {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [
            {
                "tool": {"driver": {"name": "monorepo-sast", "version": "1.0", "rules": rules}},
                "invocations": [{"executionSuccessful": True}],
                "results": out,
            }
        ],
    }
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return {"results": results, "by_level": by_level}


PROJECT = {
    "checks/unit-tests.yaml": """schema: 1
id: unit-tests
title: The monorepo's unit tests
kind: junit
evidence: junit.xml
""",
    "checks/soak.yaml": """schema: 1
id: soak
title: The soak test (Locust, full history)
kind: locust
evidence: "bench[._]*"
options:
  ramp-up: 60
""",
    "checks/sast.yaml": """schema: 1
id: sast
title: The monorepo scan (SARIF)
kind: sarif
evidence: scan.sarif
""",
    "gates/bench.yaml": """schema: 1
id: bench
title: Everything the big evidence provides
criteria:
  - {id: tests, metric: unit-tests.tests, pass: ">= 1"}
  - {id: failed, metric: unit-tests.failed, pass: "== 0"}
  - {id: p99, metric: soak.aggregated.p99, pass: "<= 50 ms"}
  - {id: sustained-p99, metric: soak.sustained.p99, pass: "<= 50 ms"}
  - {id: sustained-rps, metric: soak.sustained.min_rps, pass: ">= 1 /s"}
  - {id: high, metric: sast.findings.high, pass: "== 0"}
""",
    "definitions/bench.yaml": """schema: 1
release: bench
version: 1.0.0
stage: mvp
components: [everything]
checks: [unit-tests, soak, sast]
gates: [bench]
""",
}


def generate(root: Path, scale: float) -> None:
    """One scale's project, evidence and expected figures under `root`."""
    rng = random.Random(SEED)  # noqa: S311 - test data, not cryptography
    evidence = root / "evidence"
    evidence.mkdir(parents=True, exist_ok=True)
    for rel, text in PROJECT.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    expected = {
        "scale": scale,
        "junit": junit(evidence / "junit.xml", int(CASES * scale), rng),
        "locust": locust(evidence, int(SECONDS * scale), rng),
        "sarif": sarif(evidence / "scan.sarif", int(RESULTS * scale), rng),
    }
    expected["bytes"] = {p.name: p.stat().st_size for p in sorted(evidence.iterdir())}
    (root / "expected.json").write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")


SCALES = {"quarter": 0.25, "half": 0.5, "full": 1.0}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("build/bench"))
    parser.add_argument("--scales", default=",".join(SCALES))
    args = parser.parse_args()
    for name in args.scales.split(","):
        root = args.out / name
        if (root / "expected.json").exists():
            continue  # same seed, same bytes: generated once
        generate(root, SCALES[name])
        print(f"generated {root}")


if __name__ == "__main__":
    main()
