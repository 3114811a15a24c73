"""`make bench`'s one option, BENCH_RUNS: a bad value stops it with a line saying so, never
a traceback, before any evidence is generated or timed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench.py"


@pytest.mark.parametrize("value", ["0", "x", "9" * 400, " 3", "\uff11", "-1", "nan", ""])
def test_a_bad_number_of_rounds_is_refused_in_one_line(tmp_path: Path, value: str) -> None:
    env = {**os.environ, "BENCH_RUNS": value, "BENCH_DIR": str(tmp_path / "bench")}
    proc = subprocess.run(
        [sys.executable, str(BENCH)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,  # a bound: a value taken as good would start the whole benchmark
    )
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        f"BENCH_RUNS must be a number of rounds from 1 to 1000, not {value!r}"
    )
    assert not (tmp_path / "bench").exists()  # nothing generated
