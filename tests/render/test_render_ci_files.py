"""The CI integration files: the composite action, the pre-commit hook, and docs/ci.md."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import REPO, VENV_BIN, Project, invoke, junit_xml
from readiness.errors import ExitCode
from readiness.render import formats

ACTION = REPO / "action.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
DOCS = REPO / "docs" / "ci.md"


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    """action.yml, parsed."""
    data = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _step(action: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in action["runs"]["steps"] if s.get("name") == name)


def test_action_has_the_agreed_inputs_and_steps(action: dict[str, Any]) -> None:
    """A composite action: set up Python, install the action's own checkout, evaluate into the
    report directory, upload the reports even when the gate fails."""
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    assert {"definition", "stage", "report-dir", "strict", "python-version"} <= set(inputs)
    assert inputs["definition"]["required"] is True
    steps = action["runs"]["steps"]
    assert steps[0]["uses"].startswith("actions/setup-python@")
    assert steps[0]["with"]["python-version"] == "${{ inputs.python-version }}"
    install = _step(action, "Install readiness")
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert '"$ACTION_PATH"' in install["run"]
    evaluate = _step(action, "Evaluate the release")
    assert 'args=(evaluate "$DEFINITION" --report-dir "$REPORT_DIR")' in evaluate["run"]
    upload = _step(action, "Upload the reports")
    assert upload["uses"].startswith("actions/upload-artifact@")
    assert upload["if"] == "always()"
    assert upload["with"]["path"] == "${{ inputs.report-dir }}"


def test_action_scripts_never_paste_inputs_into_shell(action: dict[str, Any]) -> None:
    """Inputs reach scripts only through `env:` (a crafted input cannot inject commands), and
    every script is valid bash."""
    for step in action["runs"]["steps"]:
        script = step.get("run")
        if script is None:
            continue
        assert "${{" not in script, step["name"]
        assert step["shell"] == "bash"
        bash = shutil.which("bash")
        assert bash is not None
        subprocess.run([bash, "-n", "-c", script], check=True, timeout=30)


def test_action_evaluate_script_runs_against_a_project(
    action: dict[str, Any], standard: Project, tmp_path: Path
) -> None:
    """The evaluate step, run as GitHub would run it: reports in the directory, the verdict and
    exit code in $GITHUB_OUTPUT, the job failing exactly when readiness fails."""
    help_text = invoke(["evaluate", "--help"], standard.root).out
    if "--report-dir" not in help_text:
        pytest.skip("readiness evaluate has no --report-dir yet (wired in cli.py)")
    standard.write("build/junit/a.xml", junit_xml(passed=50, failed=20))  # 71%: below warn too
    script = _step(action, "Evaluate the release")["run"]
    output = tmp_path / "github_output"
    env = {
        "PATH": f"{VENV_BIN}:/usr/bin:/bin",  # readiness and python, as after setup-python
        "GITHUB_OUTPUT": str(output),
        "DEFINITION": "definitions/demo.yaml",
        "STAGE": "",
        "REPORT_DIR": "build/readiness",
        "STRICT": "false",
        "EVIDENCE_DIR": "",
        "NO_COLOR": "1",
    }
    bash = shutil.which("bash")
    assert bash is not None
    proc = subprocess.run(
        [bash, "-e", "-c", script],
        cwd=standard.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr  # pass rate fails: NO-GO
    assert "exit-code=1\nverdict=NO-GO\n" in output.read_text(encoding="utf-8")
    assert (standard.root / "build/readiness/report.html").is_file()


def test_pre_commit_hook_validates_definitions_gates_and_checks(tmp_path: Path) -> None:
    """One hook, `readiness validate`, triggered by YAML under definitions/, gates/ or checks/,
    given the definition in `args` rather than the changed file names."""
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == ["readiness-validate"]
    hook = hooks[0]
    assert hook["entry"] == "readiness validate"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    for path in ("definitions/r.yaml", "gates/tests.yml", "checks/sast.yaml"):
        assert files.search(path), path
    for path in ("docs/ci.yaml", "definitions/r.json", "src/gates/x.yaml", "README.md"):
        assert not files.search(path), path


def test_the_hook_entry_is_a_working_command(standard: Project) -> None:
    """`readiness validate DEF` (the hook's entry plus its args) passes a valid project and
    exits 2 on a broken gate."""
    assert invoke(["validate", "definitions/demo.yaml"], standard.root).code == 0
    standard.write("gates/tests.yaml", "schema: 1\nid: tests\ncriteria: [{id: x}]\n")
    assert invoke(["validate", "definitions/demo.yaml"], standard.root).code == 2


def test_docs_exit_code_table_matches_the_code() -> None:
    """docs/ci.md's exit-code table says what `readiness.errors.ExitCode` does."""
    text = DOCS.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (\d) \| ([^|]+) \|", text, flags=re.MULTILINE))
    assert len(re.findall(r"^\| 0 \|", text, flags=re.MULTILINE)) == 2
    assert ExitCode.GO == ExitCode.CONDITIONAL_GO == 0
    assert "NO-GO" in rows[str(ExitCode.NO_GO)]
    assert ExitCode.CONDITIONAL_GO_STRICT == 1
    assert "invalid definition" in rows[str(ExitCode.INVALID)]
    assert "internal error" in rows[str(ExitCode.INTERNAL)]


def test_docs_name_every_report_file_and_action_input(action: dict[str, Any]) -> None:
    """Every format's file name and every action input is documented in docs/ci.md."""
    text = DOCS.read_text(encoding="utf-8")
    for name, file_name in formats.FILE_NAMES.items():
        assert f"| `{name}` | `{file_name}` |" in text
    for name in action["inputs"]:
        assert f"| `{name}` |" in text
    assert f"junit: build/readiness/{formats.FILE_NAMES['junit']}" in text
