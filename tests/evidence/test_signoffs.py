"""Sign-off records end to end: which record counts, what a record may hold, where the records
live, what `readiness signoff` accepts, and how a sign-off is bound to the evidence it approved."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from helpers import Project, flat, invoke, junit_xml
from test_governance import DEF, EPOCH, evaluate, gov_project


def signoff(project: Project, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run `readiness signoff DEF ARGS...`; (exit code, stdout + stderr)."""
    r = invoke(["signoff", DEF, *args], project.root, env if env is not None else EPOCH)
    return r.code, r.out + r.err


# ---------------------------------------------------------------- which record counts


def test_later_rejection_beats_earlier_approval_in_the_same_second(project: Project) -> None:
    """Zoe approves, then Adam rejects within the same second: the appended rejection counts."""
    gov_project(
        project,
        signoffs="""
        signoffs:
          - {role: qa, name: M. Duarte, decision: approve, date: 2026-11-17, version: 2.0.0}
          - {role: security, name: Zoe, decision: approve, date: "2026-11-17T10:00:00Z",
             version: 2.0.0}
          - {role: security, name: Adam, decision: reject, date: "2026-11-17T10:00:00Z",
             version: 2.0.0, comment: open CVE}
        """,
    )
    code, out, data = evaluate(project)
    assert code == 1, out
    assert "Adam (security) rejected the release: open CVE" in out
    assert {s["role"]: s["name"] for s in data["signoffs"]}["security"] == "Adam"


def test_signoff_command_under_source_date_epoch_keeps_append_order(project: Project) -> None:
    """Two `readiness signoff` runs in the same (fixed) second: the second decision counts."""
    gov_project(project)
    assert signoff(project, "--role", "security", "--name", "Zoe", "--decision", "approve")[0] == 0
    code, out = signoff(
        project, "--role", "security", "--name", "Adam", "--decision", "reject", "--comment", "no"
    )
    assert code == 0, out
    code, out, _ = evaluate(project)
    assert code == 1, out
    assert "Adam (security) rejected the release: no" in out


def test_across_files_the_last_file_in_path_order_counts(project: Project) -> None:
    """Records from several files are read in sorted path order, each file in its own order."""
    gov_project(project)
    project.write(
        "checks/signoffs.yaml",
        "schema: 1\nid: signoffs\nkind: signoffs\nevidence: signoffs/*.yaml\n",
    )
    (project.root / "signoffs.yaml").unlink()
    project.write(
        "signoffs/b.yaml",
        """
        - {role: security, name: Adam, decision: reject, date: 2026-11-16, version: 2.0.0}
        """,
    )
    project.write(
        "signoffs/a.yaml",
        """
        - {role: qa, name: M. Duarte, decision: approve, date: 2026-11-17, version: 2.0.0}
        - {role: security, name: Zoe, decision: approve, date: 2026-11-17, version: 2.0.0}
        """,
    )
    code, out, _ = evaluate(project)
    assert code == 1, out
    assert "Adam (security) rejected the release" in out


def test_signoff_dated_in_the_future_is_an_evidence_error(project: Project) -> None:
    """A record dated 2099 no longer outranks later ones: it makes the sign-off check an ERROR."""
    gov_project(
        project,
        signoffs="""
        - {role: qa, name: M. Duarte, decision: approve, date: 2026-11-17, version: 2.0.0}
        - {role: security, name: Zoe, decision: approve, date: 2099-01-01, version: 2.0.0}
        - {role: security, name: Adam, decision: approve, date: 2026-11-17, version: 2.0.0}
        """,
    )
    code, out, data = evaluate(project)
    assert code == 1, out
    assert data["verdict"] == "NO-GO"
    assert (
        "signoffs.yaml:2: sign-off [1] (security, Zoe) is dated 2099-01-01, after the "
        "evaluation time 2026-11-18T11:06:40Z" in flat(out)
    )
    ev = {e["check"]: e for e in data["evidence"]}
    assert ev["signoffs"]["status"] == "error"


def test_signoff_dated_today_is_not_in_the_future(project: Project) -> None:
    """A bare date of the evaluation day (end of that day) is not refused as a future date."""
    gov_project(
        project,
        signoffs="""
        - {role: qa, name: M. Duarte, decision: approve, date: 2026-11-18, version: 2.0.0}
        - {role: security, name: A. Chen, decision: approve, date: 2026-11-18, version: 2.0.0}
        """,
    )
    code, out, data = evaluate(project)
    assert code == 0, out
    assert data["verdict"] == "GO"


def test_appending_keeps_earlier_records_as_written(project: Project) -> None:
    """`readiness signoff` rewrites earlier records as written: a bare date stays a bare date."""
    gov_project(
        project,
        signoffs="""
        - {role: qa, name: M. Duarte, decision: approve, date: 2026-11-18, version: 2.0.0}
        """,
    )
    code, out = signoff(project, "--role", "security", "--name", "A. Chen", "--decision", "approve")
    assert code == 0, out
    text = (project.root / "signoffs.yaml").read_text()
    assert "date: 2026-11-18\n" in text
    assert "date: '2026-11-18T11:06:40Z'" in text
    code, out, data = evaluate(project)
    assert code == 0, out
    assert data["verdict"] == "GO"


# ---------------------------------------------------------------- what a record may hold


def test_impossible_yaml_date_is_a_located_evidence_error(project: Project) -> None:
    """`date: 2026-02-30` makes the sign-off check an ERROR naming file and line, no traceback."""
    gov_project(
        project,
        signoffs="""
        signoffs:
          - {role: qa, name: M. Duarte, decision: approve, date: 2026-11-17, version: 2.0.0}
          - {role: security, name: A. Chen, decision: approve, date: 2026-02-30, version: 2.0.0}
        """,
    )
    r = invoke(["evaluate", DEF], project.root, EPOCH)
    assert r.code == 1, r.err
    assert "Traceback" not in r.err
    assert "signoffs.yaml:3: '2026-02-30' does not fit its type (day is out of range" in flat(r.out)


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("date: '2026-02-30'", "signoffs.yaml:2: sign-off [1]: date: day is out of range"),
        ("date: 2026-11-17T25:00:00", "signoffs.yaml:2: '2026-11-17T25:00:00' does not fit"),
        ("date: 1795000000", "sign-off [1]: date: must be an ISO 8601 date or date-time"),
        ("date: 'yesterday'", "sign-off [1]: date: 'yesterday' is not an ISO 8601 date"),
        ("date: 9999-12-31T23:00:00-05:00", "sign-off [1]: date: 9999-12-31T23:00:00-05:00 is out"),
        ("name: '  '", "sign-off [1]: name: must not be blank"),
        ("version: 2.10", "version: 2.1 is a number, not a version as written"),
    ],
)
def test_malformed_value_in_a_signoff_is_a_located_error(
    project: Project, field: str, expected: str
) -> None:
    """Each malformed value makes the sign-off check an ERROR naming the file, line and field."""
    key = field.partition(":")[0]
    fields = {"role": "security", "name": "A. Chen", "decision": "approve"}
    fields |= {"date": "2026-11-17", "version": "'2.1'"}
    record = ", ".join(field if k == key else f"{k}: {v}" for k, v in fields.items())
    gov_project(
        project,
        signoffs=f"""
        - {{role: qa, name: M. Duarte, decision: approve, date: 2026-11-17, version: 2.0.0}}
        - {{{record}}}
        """,
    )
    r = invoke(["evaluate", DEF], project.root, EPOCH)
    assert r.code == 1, r.err
    assert "Traceback" not in r.err
    assert "sign-offs: cannot be read: " in r.out
    assert expected in flat(r.out)


def test_malformed_json_signoff_date_is_an_evidence_error(project: Project) -> None:
    """A JSON sign-off with an impossible date is an ERROR of the sign-off check too."""
    gov_project(project)
    project.write(
        "checks/signoffs.yaml", "schema: 1\nid: signoffs\nkind: signoffs\nevidence: signoffs.json\n"
    )
    project.write(
        "signoffs.json",
        '[{"role": "qa", "name": "M. Duarte", "decision": "approve", "date": "2026-02-30", '
        '"version": "2.0.0"}]',
    )
    r = invoke(["evaluate", DEF], project.root, EPOCH)
    assert r.code == 1, r.err
    assert "signoffs.json: sign-off [0]: date: day is out of range for month" in r.out


# ---------------------------------------------------------------- where the records live


def _move_evidence(project: Project) -> Path:
    """Move the build evidence to an artifacts directory outside the project; return it."""
    artifacts = project.root.parent / f"{project.root.name}-artifacts"
    (artifacts / "build").mkdir(parents=True)
    for name in ("unit.xml", "drill.xml"):
        (project.root / "build" / name).rename(artifacts / "build" / name)
    return artifacts


def test_evidence_dir_does_not_move_the_signoff_records(project: Project) -> None:
    """--evidence-dir moves the evidence, not the sign-offs: they stay with the definition."""
    gov_project(project)
    artifacts = _move_evidence(project)
    code, out, data = evaluate(project, "--evidence-dir", str(artifacts))
    assert code == 0, out
    assert data["verdict"] == "GO"
    ev = {e["check"]: e for e in data["evidence"]}
    assert ev["signoffs"]["files"][0]["path"] == "signoffs.yaml"


def test_signoff_check_can_keep_its_records_with_the_evidence(project: Project) -> None:
    """`records-in: evidence-dir` reads the records under --evidence-dir, as the check says."""
    gov_project(project)
    project.write(
        "checks/signoffs.yaml",
        "schema: 1\nid: signoffs\nkind: signoffs\nevidence: signoffs.yaml\n"
        "options: {records-in: evidence-dir}\n",
    )
    artifacts = _move_evidence(project)
    code, out, _ = evaluate(project, "--evidence-dir", str(artifacts))
    assert code == 1
    assert "no sign-off from the required role 'qa'" in out
    (project.root / "signoffs.yaml").rename(artifacts / "signoffs.yaml")
    code, out, _ = evaluate(project, "--evidence-dir", str(artifacts))
    assert code == 0, out


# ---------------------------------------------------------------- readiness signoff


def test_signoff_refuses_a_misspelt_role_and_lists_the_known_ones(project: Project) -> None:
    """`--role complience` is a usage error naming the known roles; the file is not touched."""
    gov_project(project, "signoffs: {check: signoffs, required: [qa, security], optional: [cro]}\n")
    definition = (project.root / DEF).read_text()
    (project.root / DEF).write_text(
        definition.replace("signoffs: {check: signoffs, required: [qa, security]}\n", "", 1)
    )
    before = (project.root / "signoffs.yaml").read_text()
    code, out = signoff(
        project, "--role", "complience", "--name", "K. Osei", "--decision", "approve"
    )
    assert code == 2, out
    assert out.strip().splitlines() == [
        "readiness: error: --role 'complience' is not a sign-off role of demo 2.0.0; known "
        "roles: qa, security, cro (signoffs.required and signoffs.optional)"
    ]
    assert (project.root / "signoffs.yaml").read_text() == before
    code, out = signoff(project, "--role", "cro", "--name", "L. Moreau", "--decision", "approve")
    assert code == 0, out


@pytest.mark.parametrize(
    "args",
    [
        ["--role", "", "--name", "K. Osei"],
        ["--role", "   ", "--name", "K. Osei"],
        ["--role", "qa", "--name", ""],
        ["--role", "qa", "--name", " \t"],
        ["--role", "qa", "--name", "K. Osei\n::error::x"],
    ],
)
def test_signoff_refuses_blank_names_and_roles(project: Project, args: list[str]) -> None:
    """An empty or blank --name/--role (or one with control characters) is a one-line usage
    error, exit 2, and nothing is written."""
    gov_project(project)
    before = (project.root / "signoffs.yaml").read_text()
    code, out = signoff(project, *args, "--decision", "approve")
    assert code == 2, out
    assert len(out.strip().splitlines()) == 1, out
    assert out.startswith("readiness: error: --")
    assert (project.root / "signoffs.yaml").read_text() == before


# ---------------------------------------------------------------- bound to what was signed


def _sign_all(project: Project, *extra: str) -> None:
    for role, name in (("qa", "M. Duarte"), ("security", "A. Chen")):
        code, out = signoff(
            project, "--role", role, "--name", name, "--decision", "approve", *extra
        )
        assert code == 0, out


def test_signoff_records_the_digest_of_the_evidence_it_approved(project: Project) -> None:
    """`readiness signoff` stores the evidence set's digest, and one per check."""
    gov_project(project, signoffs="signoffs: []\n")
    _sign_all(project)
    text = (project.root / "signoffs.yaml").read_text()
    assert text.count("evidence-digest: sha256:") == 2
    assert text.count("unit-tests: sha256:") == 2
    assert "signoffs:" in text and "  signoffs: sha256" not in text  # its own file is not bound


def test_identical_evidence_copied_later_keeps_the_signoff_fresh(project: Project) -> None:
    """Same bytes with a newer modification time (an artifact download): not stale, GO, even
    under --strict."""
    gov_project(project, signoffs="signoffs: []\n")
    _sign_all(project)
    later = 1795000000 + 3600
    for name in ("build/unit.xml", "build/drill.xml"):
        os.utime(project.root / name, (later, later))
    code, out, data = evaluate(project, "--strict")
    assert code == 0, out
    assert data["verdict"] == "GO"
    assert not any(s.get("stale") for s in data["signoffs"])


def test_signoff_goes_stale_when_the_content_changes_and_names_the_check(project: Project) -> None:
    """Changed bytes in one check make the sign-off stale, naming that check."""
    gov_project(project, signoffs="signoffs: []\n")
    _sign_all(project)
    project.write("build/drill.xml", junit_xml(passed=6))
    code, out, data = evaluate(project)
    assert code == 0, out
    assert data["verdict"] == "CONDITIONAL GO"
    assert (
        "sign-off: M. Duarte (qa) approved other evidence than this evaluation reads "
        "(drill changed): stale, sign again" in flat(out)
    )
    assert all(s["stale"] for s in data["signoffs"])


def test_signed_digest_survives_a_move_to_another_evidence_dir(project: Project) -> None:
    """Signed on one copy of the evidence, evaluated on another (--evidence-dir): still fresh."""
    gov_project(project, signoffs="signoffs: []\n")
    artifacts = _move_evidence(project)
    _sign_all(project, "--evidence-dir", str(artifacts))
    other = project.root.parent / "downloaded"
    shutil.copytree(artifacts, other, copy_function=shutil.copyfile)  # new mtimes, as downloaded
    later = 1795000000 + 3600
    for name in ("build/unit.xml", "build/drill.xml"):
        os.utime(other / name, (later, later))
    code, out, data = evaluate(project, "--evidence-dir", str(other), "--strict")
    assert code == 0, out
    assert data["verdict"] == "GO"


def test_digest_that_does_not_match_its_per_check_list_is_an_error(project: Project) -> None:
    """A hand-edited record whose evidence-digest disagrees with its evidence list is refused."""
    gov_project(project, signoffs="signoffs: []\n")
    _sign_all(project)
    path = project.root / "signoffs.yaml"
    text = path.read_text()
    first = text.index("unit-tests: sha256:") + len("unit-tests: sha256:")
    path.write_text(text[:first] + ("0" if text[first] != "0" else "1") + text[first + 1 :])
    code, out, _ = evaluate(project)
    assert code == 1
    assert "sign-off [0]: evidence-digest does not match its evidence list" in flat(out)


def test_duplicate_key_in_a_json_signoff_is_an_error(project: Project) -> None:
    """`"decision": "reject", "decision": "approve"` is refused, never read as an approval."""
    gov_project(project)
    project.write(
        "checks/signoffs.yaml", "schema: 1\nid: signoffs\nkind: signoffs\nevidence: signoffs.json\n"
    )
    project.write(
        "signoffs.json",
        '[{"role": "qa", "name": "M. Duarte", "decision": "approve", "date": "2026-11-17", '
        '"version": "2.0.0"},\n {"role": "security", "name": "A. Chen", "decision": "reject", '
        '"decision": "approve", "date": "2026-11-17", "version": "2.0.0"}]',
    )
    code, out, _ = evaluate(project)
    assert code == 1, out
    assert 'signoffs.json: invalid JSON: duplicate key "decision"' in out
