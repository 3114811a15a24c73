"""The light install for gates: `pip install .` without extras evaluates recorded evidence,
HDR logs included, with no Locust, gevent, pytest or rich installed; `run` names the extra."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO, untraced_environ

RECORDED = REPO / "examples" / "recorded"
DEFINITION = REPO / "definitions" / "2026.12-options-launch.yaml"
RECORDED_AT = 1795925167  # examples/recorded/README.md
HEAVY = ("locust", "gevent", "pytest", "rich")


@pytest.fixture(scope="module")
def light_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment holding this repository's wheel and its dependencies, no
    extras: what `pip install .` installs.

    The wheel is built by the suite's own interpreter (hatchling is a dev dependency, so no
    isolated build environment is made each run) and the suite's pip installs it into a
    --without-pip venv, byte-compiling nothing ahead: the tests import a few modules, not every
    file of every dependency (this fixture was the suite's slowest step at 30 s; now 5 s)."""
    work = tmp_path_factory.mktemp("light")
    venv = work / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    pip = [sys.executable, "-m", "pip"]
    into = [*pip, "--python", str(venv / "bin" / "python"), "install", "--quiet", "--no-compile"]
    subprocess.run(
        [*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(work), REPO],
        check=True,
        timeout=300,
        capture_output=True,
        env=untraced_environ(),  # runs no readiness code
    )
    (wheel,) = work.glob("readiness-*.whl")
    subprocess.run(
        [*into, str(wheel)],
        check=True,
        timeout=300,
        capture_output=True,
        env=untraced_environ(),  # runs no readiness code
    )
    return venv


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PYTHON"))}
    return {**env, "NO_COLOR": "1", "SOURCE_DATE_EPOCH": str(RECORDED_AT + 3600)}


@pytest.mark.slow
def test_light_install_has_no_load_tools(light_venv: Path) -> None:
    """None of Locust, gevent, pytest or rich is importable in the light install."""
    probe = f"import importlib.util as u; print([m for m in {HEAVY!r} if u.find_spec(m)])"
    out = subprocess.run(
        [str(light_venv / "bin" / "python"), "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert out.strip() == "[]"


@pytest.mark.slow
def test_light_install_evaluates_recorded_evidence(light_venv: Path, tmp_path: Path) -> None:
    """`readiness evaluate` of the light install reads every recorded check, the Locust runs'
    HDR logs included: every performance criterion is measured, none ERROR or MISSING."""
    report = tmp_path / "report.json"
    proc = subprocess.run(
        [
            str(light_venv / "bin" / "readiness"),
            "evaluate",
            str(DEFINITION),
            "--evidence-dir",
            str(RECORDED),
            "--json",
            str(report),
            "--no-record",
        ],
        cwd=RECORDED,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=_env(),
    )
    assert proc.returncode == 1, proc.stderr  # NO-GO: the compliance sign-off is missing
    data = json.loads(report.read_text())
    statuses = {c["criterion"]: c["status"] for c in data["criteria"]}
    assert len([k for k in statuses if k.startswith("performance.")]) == 8
    assert not {k: s for k, s in statuses.items() if s in ("ERROR", "MISSING")}
    files = {f["path"] for e in data["evidence"] for f in e["files"]}
    assert {
        "examples/recorded/build/evidence/matching.hlog",
        "examples/recorded/build/evidence/rebate.hlog",
    } <= files
    assert [b for b in data["blockers"] if "compliance" in json.dumps(b)]


@pytest.mark.slow
def test_light_install_run_names_the_load_extra(light_venv: Path) -> None:
    """`readiness run` of the example without the load extra stops before running anything:
    one line naming Locust and pytest and the extra to install, exit 2."""
    proc = subprocess.run(
        [
            str(light_venv / "bin" / "readiness"),
            "run",
            str(DEFINITION),
            "--log-dir",
            "/nonexistent",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=_env(),
    )
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert "locust (for matching-load, rebate-load)" in lines[0]
    assert "pytest (for sandbox-tests, kill-switch-drill)" in lines[0]
    assert "pip install 'readiness[load]'" in lines[0]
    assert proc.stdout == ""
