"""Benchmark: `readiness inspect --kind sarif` on 200,000 results vs bare `json.load` + a loop.

Both run as fresh subprocesses in the same run (interpreter start-up on both sides); wall time
is the best of N runs, peak RSS from wait4's rusage. Target (issue #4): within 2x. Then the same
comparison in this process, start-up excluded: the adapter alone against `json.load` plus a
loop over the results (this was a unit test until issue #9: a timing belongs here, not in a
suite that must pass on a busy machine). Exits 1 when the in-process ratio exceeds 2x.

    .venv/bin/python benchmarks/sarif_inspect.py [--results 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from junit_inspect import compare

BARE = """
import json, sys
with open(sys.argv[1], "rb") as fh:
    doc = json.load(fh)
counts = {}
for run in doc["runs"]:
    for result in run["results"]:
        level = result.get("level", "warning")
        counts[level] = counts.get(level, 0) + 1
print(counts)
"""


def generate(path: Path, results: int) -> None:
    """A Bandit-like SARIF log: 40 rules, results spread over files and levels."""
    rules = [
        {
            "id": f"B{600 + i}",
            "name": f"rule_{i}",
            "defaultConfiguration": {"level": ("error", "warning", "note")[i % 3]},
            "properties": {"security-severity": str(round(2.0 + (i % 8), 1))},
        }
        for i in range(40)
    ]
    out = []
    for n in range(results):
        r = {
            "ruleId": f"B{600 + n % 40}",
            "ruleIndex": n % 40,
            "message": {"text": f"finding {n}: something risky happens here"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f"src/pkg{n % 97}/module{n % 13}.py"},
                        "region": {"startLine": n % 500 + 1},
                    }
                }
            ],
            "partialFingerprints": {"primaryLocationLineHash": f"{n:016x}"},
        }
        if n % 5 == 0:
            r["level"] = "error"
        out.append(r)
    doc = {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [
            {
                "tool": {"driver": {"name": "Bandit", "rules": rules}},
                "invocations": [{"executionSuccessful": True}],
                "results": out,
            }
        ],
    }
    path.write_text(json.dumps(doc))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "scan.sarif"
        generate(f, args.results)
        print(f"file: {args.results} SARIF results, {f.stat().st_size / 1024**2:.1f} MiB")
        compare("sarif", f, BARE, "bare json.load + loop", args.repeat)
        bare, ours = in_process(f, args.repeat)
    ratio = ours / bare
    print(
        f"in-process read       : adapter {ours:.2f} s vs bare json.load + loop {bare:.2f} s "
        f"= {ratio:.2f}x (start-up excluded, target <= 2x)"
    )
    if ratio > 2:
        sys.exit(1)


def in_process(f: Path, repeat: int) -> tuple[float, float]:
    """Best-of-N seconds of a bare json.load plus a loop over the results, and of the adapter."""
    from readiness.evidence.sarif import SarifAdapter, SarifParams

    def bare() -> None:
        with f.open("rb") as fh:
            doc = json.load(fh)
        assert sum(1 for run in doc["runs"] for _ in run["results"]) > 0

    def ours() -> None:
        SarifAdapter().read([f], {f: f.name}, SarifParams())

    def best(fn: Callable[[], None]) -> float:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times)

    return best(bare), best(ours)


if __name__ == "__main__":
    main()
