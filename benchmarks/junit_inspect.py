"""Benchmark: `readiness inspect --kind junit` on 100,000 test cases vs a bare iterparse loop.

Both run as fresh subprocesses in the same run (interpreter start-up included on both sides);
wall time is the best of N runs, peak RSS comes from wait4's rusage of each child.
Targets (issue #2): inspect within 2x of the bare loop, peak RSS under 150 MB.

    .venv/bin/python benchmarks/junit_inspect.py [--cases 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = """
import sys
import xml.etree.ElementTree as ET
n = failed = 0
for event, elem in ET.iterparse(sys.argv[1], events=("end",)):
    if elem.tag == "testcase":
        n += 1
        failed += any(child.tag in ("failure", "error") for child in elem)
        elem.clear()
print(n, failed)
"""


def generate(path: Path, cases: int) -> None:
    """A pytest-like JUnit file: 20 suites, 1% failures, 1% skips, some output text."""
    per_suite = cases // 20
    with path.open("w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites name="bench">\n')
        n = 0
        for s in range(20):
            fh.write(f'<testsuite name="suite{s}" tests="{per_suite}" time="12.5">\n')
            for i in range(per_suite):
                n += 1
                name = f'classname="tests.test_mod{s}.TestCase{i % 50}" name="test_case_{i}"'
                if n % 100 == 0:
                    fh.write(
                        f'<testcase {name} time="0.004"><failure message="assert 1 == 2">'
                        "Traceback (most recent call last):\n  File x.py, line 3\n"
                        "AssertionError: assert 1 == 2</failure></testcase>\n"
                    )
                elif n % 100 == 1:
                    fh.write(f'<testcase {name} time="0"><skipped message="later"/></testcase>\n')
                else:
                    fh.write(f'<testcase {name} time="0.001"/>\n')
            fh.write("</testsuite>\n")
        fh.write("</testsuites>\n")


def measure(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(
            f"failed: {' '.join(argv)}: {proc.stderr.read().decode() if proc.stderr else ''}"
        )
    return wall, usage.ru_maxrss / 1024


def compare(kind: str, f: Path, bare_code: str, bare_label: str, repeat: int) -> None:
    """Time `readiness inspect --kind KIND f` against `python -c bare_code f`; print both."""
    ours = [sys.executable, "-m", "readiness.cli", "inspect", str(f), "--kind", kind, "--json"]
    bare = [sys.executable, "-c", bare_code, str(f)]
    bare_runs = [measure(bare) for _ in range(repeat)]
    ours_runs = [measure(ours) for _ in range(repeat)]
    bare_t, bare_rss = min(r[0] for r in bare_runs), max(r[1] for r in bare_runs)
    ours_t, ours_rss = min(r[0] for r in ours_runs), max(r[1] for r in ours_runs)
    print(f"{bare_label:<22}: {bare_t:6.2f} s  peak RSS {bare_rss:6.1f} MiB")
    print(f"{'readiness inspect':<22}: {ours_t:6.2f} s  peak RSS {ours_rss:6.1f} MiB")
    print(f"{'ratio':<22}: {ours_t / bare_t:6.2f}x  (target <= 2x)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "junit.xml"
        generate(f, args.cases)
        print(f"file: {args.cases} test cases, {f.stat().st_size / 1024**2:.1f} MiB")
        compare("junit", f, BARE, "bare iterparse loop", args.repeat)
        parse_bare, parse_ours = in_process(f, args.repeat)
    print("peak RSS target: < 150 MB")
    print(
        f"in-process parse      : adapter {parse_ours:.2f} s vs bare loop {parse_bare:.2f} s "
        f"= {parse_ours / parse_bare:.2f}x (start-up excluded)"
    )


def in_process(f: Path, repeat: int) -> tuple[float, float]:
    """Best-of-N seconds of the bare loop and of the adapter alone, in this process."""
    import xml.etree.ElementTree as ET

    from readiness.evidence.junit import JUnitAdapter, JUnitParams

    def bare() -> None:
        for _event, elem in ET.iterparse(f, events=("end",)):
            if elem.tag == "testcase":
                elem.clear()

    def ours() -> None:
        JUnitAdapter().read([f], {f: f.name}, JUnitParams())

    def best(fn: object) -> float:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()  # type: ignore[operator]
            times.append(time.perf_counter() - t0)
        return min(times)

    return best(bare), best(ours)


if __name__ == "__main__":
    main()
