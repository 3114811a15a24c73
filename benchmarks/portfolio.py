"""Benchmark: `readiness portfolio` over a generated programme of 200 releases (issue #11).

Generates, in a temporary folder: one JUnit check per release (its own 40-case evidence file),
a shared `tests` gate, 200 definitions where each release after the first ten requires one to
three earlier ones (a version specifier on some), milestones around today, a risk register,
and an evaluation store holding 5 earlier evaluations of every release (1,000, written with
the store's own `record`, spread over the last 20 days). Then times the installed CLI, end to
end as a user runs it: `readiness portfolio DIR --since 7d --format json` with and without
recording this run. Target: < 5 s. Median and worst of `--repeat` runs.

    .venv/bin/python benchmarks/portfolio.py [--releases 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from history_helpers import criterion, record
from readiness.history.store import open_store

NOW = 1_795_780_800  # 2026-11-27T12:00:00Z
DAY = 86400
STAGES = ["mvp", "internal", "public", "launch"]
VENV_BIN = Path(sys.executable).parent


def junit(cases: int, failed: int) -> str:
    body = "".join(
        f'<testcase classname="t" name="c{i}" time="0.01">'
        + ("<failure message='no'/>" if i < failed else "")
        + "</testcase>"
        for i in range(cases)
    )
    return f'<?xml version="1.0"?><testsuites><testsuite name="t">{body}</testsuite></testsuites>'


def generate(root: Path, n: int, rng: random.Random) -> list[str]:
    """The project tree; the release names."""
    for sub in ("checks", "gates", "definitions", "build"):
        (root / sub).mkdir(parents=True)
    (root / "gates" / "tests.yaml").write_text(
        "schema: 1\nid: tests\ncriteria:\n"
        "  - {id: shared-suite, metric: shared-tests.pass_rate, pass: '>= 90%'}\n"
    )
    (root / "checks" / "shared-tests.yaml").write_text(
        "schema: 1\nid: shared-tests\nkind: junit\nevidence: build/shared.xml\n"
    )
    (root / "build" / "shared.xml").write_text(junit(200, 0))
    names = [f"rel-{i:03d}" for i in range(n)]
    for i, name in enumerate(names):
        (root / "checks" / f"{name}-tests.yaml").write_text(
            f"schema: 1\nid: {name}-tests\nkind: junit\nevidence: build/{name}.xml\n"
        )
        (root / "build" / f"{name}.xml").write_text(junit(40, 1 if rng.random() < 0.2 else 0))
        stage = rng.choice(STAGES[:3])
        deps = rng.sample(names[:i], k=min(i, rng.randint(1, 3))) if i >= 10 else []
        requires = "".join(
            f"  - {{release: {d}, stage: {rng.choice(STAGES[:2])}"
            + (', version: ">=1.0"' if rng.random() < 0.3 else "")
            + "}\n"
            for d in deps
        )
        offset = rng.randint(-30, 90)
        day = time.strftime("%Y-%m-%d", time.gmtime(NOW + offset * DAY))
        late = time.strftime("%Y-%m-%d", time.gmtime(NOW + (offset + 30) * DAY))
        text = (
            f"schema: 1\nrelease: {name}\nversion: 1.{i}.0\nstage: {stage}\nowner: team-{i % 12}\n"
            f"checks: [shared-tests, {name}-tests]\ngates: [tests]\n"
            f"criteria:\n  - {{id: pass-rate, metric: {name}-tests.pass_rate, pass: '== 100%'}}\n"
            f"milestones: {{public: {day}, launch: {late}}}\n"
            "risks:\n"
            f"  - {{id: R-{i}, title: risk of {name}, impact: {rng.choice(['low', 'medium'])}, "
            "likelihood: low, response: roll back}\n"
        )
        if requires:
            text += "requires:\n" + requires
        (root / "definitions" / f"{name}.yaml").write_text(text)
    return names


def fill_store(root: Path, names: list[str], rng: random.Random) -> None:
    """5 earlier evaluations per release, over the last 20 days."""
    with open_store(None, root) as store:
        for name in names:
            for k in range(5):
                verdict = rng.choice(["GO", "CONDITIONAL GO", "NO-GO"])
                store.record(
                    record(
                        release=name,
                        version="1.0.0",
                        stage=rng.choice(STAGES[:3]),
                        verdict=verdict,
                        epoch=NOW - (20 - 4 * k) * DAY,
                        criteria=(
                            criterion("release/pass-rate", "PASS" if k % 2 else "FAIL", 100.0, "%"),
                            criterion("tests/shared-suite", "PASS", 100.0, "%"),
                        ),
                    )
                )


def timed(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, len(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--releases", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    ns = parser.parse_args()
    rng = random.Random(11)  # noqa: S311 - a reproducible programme, not cryptography
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        names = generate(root, ns.releases, rng)
        fill_store(root, names, rng)
        env = {"SOURCE_DATE_EPOCH": str(NOW), "PATH": "/usr/bin:/bin"}
        base = [str(VENV_BIN / "readiness"), "portfolio", str(root), "--since", "7d"]
        for label, extra in (("--no-record", ["--no-record"]), ("recording", [])):
            times = []
            size = 0
            for _ in range(ns.repeat):
                elapsed, size = timed([*base, "--format", "json", *extra], env)
                times.append(elapsed)
            print(
                f"portfolio of {ns.releases} releases ({label}, 1,000 stored evaluations): "
                f"median {statistics.median(times):.2f} s, worst {max(times):.2f} s "
                f"(target < 5 s; JSON {size / 1024:.0f} KiB)"
            )


if __name__ == "__main__":
    main()
