"""Records, provenance (git, CI), schema revisions and the lean import path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from readiness.history import schema
from readiness.history.record import ci_run_id, git_context


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def test_git_context_in_a_repository(tmp_path: Path) -> None:
    """Inside a repository: the HEAD commit and the branch; a detached HEAD has no branch."""
    _git(tmp_path, "init", "-q", "-b", "release/2026.12")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q",
         "--allow-empty", "-m", "x")  # fmt: skip
    head = _git(tmp_path, "rev-parse", "HEAD")
    (tmp_path / "sub").mkdir()
    assert git_context(tmp_path / "sub") == (head, "release/2026.12")
    _git(tmp_path, "checkout", "-q", "--detach")
    assert git_context(tmp_path) == (head, None)


def test_git_context_outside_a_repository_never_raises(tmp_path: Path) -> None:
    """Outside a repository, in an empty repository or in a missing folder: (None, None)."""
    assert git_context(tmp_path / "missing") == (None, None)
    outside = Path("/")  # no repository at the file-system root
    assert git_context(outside) == (None, None)
    _git(tmp_path, "init", "-q")
    assert git_context(tmp_path) == (None, None)  # no commit yet


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"GITHUB_RUN_ID": "123", "GITHUB_RUN_ATTEMPT": "2"}, "github:123/2"),
        ({"CI_PIPELINE_ID": "77", "CI_JOB_ID": "9"}, "gitlab:77/9"),
        ({"BUILD_NUMBER": "15", "JOB_NAME": "release", "JENKINS_URL": "x"}, "jenkins:release#15"),
        ({"BUILDKITE_BUILD_ID": "bk-1"}, "buildkite:bk-1"),
        ({"TF_BUILD": "True", "BUILD_BUILDID": "31"}, "azure:31"),
        ({"BUILD_NUMBER": "8"}, "build:8"),
        ({"HOME": "/root"}, None),
        ({"GITHUB_RUN_ID": "  "}, None),
    ],
)
def test_ci_run_id(env: dict[str, str], expected: str | None) -> None:
    """The CI run id comes from the CI system's own variables, prefixed by the system."""
    assert ci_run_id(env) == expected


def test_head_revision_is_alembics_head() -> None:
    """HEAD_REVISION (read without Alembic) and the shipped files agree with Alembic's head."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(schema.MIGRATIONS))
    config.set_main_option("path_separator", "os")
    script = ScriptDirectory.from_config(config)
    assert script.get_heads() == [schema.HEAD_REVISION]
    assert schema.known_revisions()[-1] == schema.HEAD_REVISION
    assert {r.revision for r in script.walk_revisions()} == set(schema.known_revisions())


def _modules_after(code: str, cwd: Path) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
        cwd=cwd, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return {m.split(".")[0] for m in out.split()}


HEAVY = {"sqlalchemy", "alembic", "psycopg", "scipy"}


def test_records_and_the_cli_import_nothing_heavy(tmp_path: Path) -> None:
    """`evaluate --no-record` stays lean: the records and the CLI import no database or scipy."""
    loaded = _modules_after("import readiness.history.record, readiness.cli", tmp_path)
    assert loaded & HEAVY == set()


def test_opening_a_store_at_head_does_not_import_alembic(tmp_path: Path) -> None:
    """Alembic is imported only to migrate: an up-to-date store opens without it."""
    code = "from pathlib import Path\nfrom readiness.history.store import open_store\n"
    open_once = code + "open_store(None, Path('.')).close()"
    assert "alembic" in _modules_after(open_once, tmp_path)  # fresh: migrates
    assert "alembic" not in _modules_after(open_once, tmp_path)  # at head
    assert "scipy" not in _modules_after(open_once, tmp_path)
