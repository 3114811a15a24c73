"""The start-up budget, as modules imported (times vary with the machine; imports do not):
`--help` loads no model library, `validate` no evidence parser, and `evaluate --no-record` of
the example only the parsers of the evidence it reads, with no store where none was kept."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO

HEAVY = {
    "pydantic", "yaml", "lxml", "pyarrow", "numpy", "msgspec", "hdrh", "sqlalchemy", "alembic",
    "jinja2", "junitparser", "scipy", "cryptography", "securesystemslib", "locust", "rich",
}  # fmt: skip
PROBE = """
import json, sys
from readiness.cli import main
try:
    main(sys.argv[2:])
except SystemExit:
    pass
with open(sys.argv[1], "w") as fh:
    json.dump(sorted(sys.modules), fh)
"""


def _modules(tmp_path: Path, cwd: Path, *argv: str) -> set[str]:
    """Every module a fresh interpreter has imported after `readiness ARGV`."""
    out = tmp_path / "modules.json"
    subprocess.run(
        [sys.executable, "-c", PROBE, str(out), *argv],
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=120,
        env={
            "SOURCE_DATE_EPOCH": "1795929000",
            "NO_COLOR": "1",
            "PATH": "/usr/bin:/bin",
            # the readiness under test, when it is not the installed one (a worktree)
            **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"},
        },
    )
    return set(json.loads(out.read_text()))


def _imported(tmp_path: Path, cwd: Path, *argv: str) -> set[str]:
    """The heavy top-level packages a fresh interpreter has imported after `readiness ARGV`."""
    return {m.split(".")[0] for m in _modules(tmp_path, cwd, *argv)} & HEAVY


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example release's files and recorded evidence, in a folder with no store."""
    root = tmp_path_factory.mktemp("example")
    for name in ("definitions", "gates", "checks", "signoffs"):
        shutil.copytree(REPO / name, root / name)
    shutil.copytree(REPO / "examples" / "recorded" / "build", root / "build")
    return root


def test_help_imports_no_model_or_parser_library(tmp_path: Path, project: Path) -> None:
    """`readiness --help` imports none of pydantic, PyYAML or any evidence parser."""
    assert _imported(tmp_path, project, "--help") == set()


def test_validate_imports_no_evidence_parser(tmp_path: Path, project: Path) -> None:
    """`validate` reads YAML into models and nothing else: no lxml, pyarrow, msgspec, hdrh,
    SQLAlchemy or Jinja2."""
    got = _imported(tmp_path, project, "validate", "definitions/2026.12-options-launch.yaml")
    assert got == {"pydantic", "yaml"}


def test_inspect_json_imports_the_report_layer_but_no_model_library(
    tmp_path: Path, project: Path
) -> None:
    """`inspect --json` shows the record as the JSON report does (render.view): the report's
    layer is imported for it, but its definition types are for type checking only, so still
    no pydantic, PyYAML or definition module."""
    argv = ["inspect", "--json", "--kind", "junit", "build/evidence/kill-switch-drill.xml"]
    got = _modules(tmp_path, project, *argv)
    assert {m.split(".")[0] for m in got} & HEAVY == {"lxml"}
    assert "readiness.render.view" in got
    assert {"readiness.definition", "readiness.evidence.signoffs"} & got == set()


def test_validate_imports_nothing_of_the_evaluation(tmp_path: Path, project: Path) -> None:
    """`validate` loads and checks the files: no evaluation, governance, verdict or report
    module."""
    got = _modules(tmp_path, project, "validate", "definitions/2026.12-options-launch.yaml")
    engine = {"evaluation", "governance", "verdict", "report", "requires", "trends", "waivers"}
    assert {m.removeprefix("readiness.") for m in got} & engine == set()


def test_evaluate_imports_only_the_parsers_of_its_evidence(tmp_path: Path, project: Path) -> None:
    """`evaluate --no-record` of the example reads JUnit (lxml), SARIF (msgspec) and HDR logs
    (hdrh); its Locust histories are small, so no pyarrow or numpy; with no store kept there,
    no SQLAlchemy (and no store is created); no Jinja2 for the terminal summary."""
    got = _imported(
        tmp_path, project, "evaluate", "definitions/2026.12-options-launch.yaml", "--no-record"
    )
    assert got == {"pydantic", "yaml", "lxml", "msgspec", "hdrh"}
    assert not (project / ".readiness").exists()


@pytest.mark.parametrize(
    ("kind", "files", "parser"),
    [
        ("junit", ["kill-switch-drill.xml"], {"lxml"}),
        ("locust", ["matching_stats.csv", "matching_stats_history.csv", "matching.hlog"], {"hdrh"}),
        ("sarif", ["bandit.sarif"], {"msgspec"}),
    ],
)
def test_inspect_imports_its_parser_and_the_table_printer_only(
    tmp_path: Path, project: Path, kind: str, files: list[str], parser: set[str]
) -> None:
    """`inspect --kind K FILE` imports the adapter of K and its parser, and nothing of the
    evaluation: no pydantic (a built-in reads with its plain defaults), no PyYAML, no other
    format's parser, no definition, report or renderer."""
    paths = [f"build/evidence/{f}" for f in files]
    got = _modules(tmp_path, project, "inspect", "--kind", kind, *paths)
    assert {m.split(".")[0] for m in got} & HEAVY == parser
    engine = {"definition", "evaluation", "report", "governance", "pipeline", "render.view"}
    assert {m.removeprefix("readiness.") for m in got} & engine == set()
    assert not any(m.endswith(".params") for m in got)


@pytest.mark.parametrize(("option", "pydantic"), [("ramp-up=60", False), ("ramp-up=1e1", True)])
def test_inspect_with_a_plain_number_option_imports_no_pydantic(
    tmp_path: Path, project: Path, option: str, pydantic: bool
) -> None:
    """`--option ramp-up=60` is a plain number within its bounds: read without pydantic.
    `1e1` is not plain text: pydantic reads it (and would word its error)."""
    paths = ["build/evidence/matching_stats.csv", "build/evidence/matching_stats_history.csv"]
    got = _modules(tmp_path, project, "inspect", "--kind", "locust", "--option", option, *paths)
    assert ("pydantic" in got) is pydantic


def test_small_evidence_is_read_without_a_process_pool(tmp_path: Path, project: Path) -> None:
    """The example's evidence is small: read in this process, with neither multiprocessing nor
    concurrent.futures imported (they come with a worker, for big evidence only)."""
    got = _modules(
        tmp_path, project, "evaluate", "definitions/2026.12-options-launch.yaml", "--no-record"
    )
    assert {"multiprocessing", "concurrent.futures.process"} & got == set()


@pytest.mark.parametrize("record", [True, False])
def test_evaluate_with_a_store_imports_no_sqlalchemy(
    tmp_path: Path, project: Path, record: bool
) -> None:
    """With the default store kept (at the schema head), `evaluate` looks up the baseline,
    the trends and the required releases and records through sqlite3: no SQLAlchemy, no
    Alembic; `--no-record` likewise for the comparisons alone."""
    kept = tmp_path / "kept"
    shutil.copytree(project, kept)
    first = _imported(tmp_path, kept, "evaluate", "definitions/2026.12-options-launch.yaml")
    assert {"sqlalchemy", "alembic"} <= first  # the store is created and migrated once
    argv = ["evaluate", "definitions/2026.12-options-launch.yaml"]
    got = _imported(tmp_path, kept, *argv, *([] if record else ["--no-record"]))
    assert got == {"pydantic", "yaml", "lxml", "msgspec", "hdrh"}


def test_the_schema_still_describes_fields_by_their_docstrings() -> None:
    """Built without pydantic's use_attribute_docstrings, the models' schema still carries each
    field's docstring (over a description its type carries), and every property of the
    definition's schema is described."""
    from readiness.definition import CheckSpec, Definition
    from readiness.schema import json_schema

    check = json_schema(CheckSpec)["$defs"]["Collect"]["properties"]["timeout"]
    assert check["description"].startswith("How long the command may run")
    data = json_schema(Definition)
    models = [data, *data["$defs"].values()]
    undescribed = [
        (m.get("title"), key)
        for m in models
        for key, prop in m.get("properties", {}).items()
        if not prop.get("description")
    ]
    assert undescribed == []
