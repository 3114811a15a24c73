"""`readiness attest --evaluation`: a stored evaluation attested later, on SQLite and on the
suite's real PostgreSQL. The statement is the one the store kept when the evaluation was made,
so the attestation is byte for byte what `evaluate --attest` wrote, and `verify` treats it the
same way. Real keys, generated per test; the CLI runs in-process (`helpers.invoke`)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from attest_helpers import DEF, attested_project
from helpers import Project, Result, invoke, junit_xml
from history_helpers import record

JUDGED = "1764000000"  # 2025-11-24, when the evaluation is made
LATER = "1764100000"  # a day later, when it is attested and verified (nothing has expired)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """The standard project with a waived failure and an accepted risk, and a key pair."""
    p = attested_project(Project(tmp_path / "proj"))
    assert invoke(["keygen", "--out", "keys"], p.root).code == 0
    return p


def cli(p: Project, *args: str, epoch: str = LATER) -> Result:
    return invoke(list(args), p.root, {"SOURCE_DATE_EPOCH": epoch})


def one_line_error(r: Result) -> None:
    assert r.code == 2, r.out + r.err
    assert "Traceback" not in r.out + r.err
    assert len(r.err.strip().splitlines()) == 1, r.err


def payload(path: Path) -> bytes:
    return base64.b64decode(json.loads(path.read_bytes())["payload"])


def attest(p: Project, url: str, which: str = "1", out: str = "stored.intoto.json") -> Result:
    return cli(p, "attest", "--evaluation", which, "--key", "keys/readiness.key",
               "--db", url, "--out", out)  # fmt: skip


def test_stored_attestation_is_byte_identical_to_evaluate_attest(
    project: Project, store_url: str
) -> None:
    """`evaluate --attest` writes an attestation and records the evaluation; attesting that
    evaluation from the store a day later writes the very same bytes (Ed25519 signs
    deterministically): same statement, same digest kept, and it verifies."""
    r = cli(project, "evaluate", DEF, "--db", store_url, "--attest", "keys/readiness.key",
            "--attest-out", "now.intoto.json", epoch=JUDGED)  # fmt: skip
    assert r.code == 0 and "recorded as evaluation #1" in r.out, r.out + r.err
    r = attest(project, store_url)
    assert r.code == 0, r.out + r.err  # the attested CONDITIONAL GO's code
    assert r.out.startswith(
        "attested CONDITIONAL GO for demo 1.0.0 at stage internal "
        "(evaluation #1, evaluated 2025-11-24T16:00:00Z): stored.intoto.json"
    )
    now, stored = project.root / "now.intoto.json", project.root / "stored.intoto.json"
    assert payload(stored) == payload(now)
    assert stored.read_bytes() == now.read_bytes()
    digest = hashlib.sha256(payload(stored)).hexdigest()
    assert f"statement sha256 {digest}" in r.out
    r = cli(project, "history", DEF, "--db", store_url, "--json")
    assert json.loads(r.out)[0]["attestation_digest"] == f"sha256:{digest}"
    r = cli(project, "verify", "stored.intoto.json", "--key", "keys/readiness.pub")
    assert r.code == 0, r.out + r.err
    assert "verify: OK: 4 files unchanged" in r.out


def test_recorded_without_attest_is_what_attest_would_have_signed(
    project: Project, store_url: str, tmp_path: Path
) -> None:
    """An evaluation recorded without --attest, attested later, is byte for byte what
    `evaluate --attest` of the same evidence at the same time writes (the predicate the store
    kept is the one --attest builds, not a reconstruction)."""
    assert cli(project, "evaluate", DEF, "--db", store_url, epoch=JUDGED).code == 0
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"  # the same empty history as the first had
    r = cli(project, "evaluate", DEF, "--db", other, "--attest", "keys/readiness.key",
            "--attest-out", "now.intoto.json", epoch=JUDGED)  # fmt: skip
    assert r.code == 0, r.out + r.err
    assert attest(project, store_url).code == 0
    now, stored = project.root / "now.intoto.json", project.root / "stored.intoto.json"
    assert payload(stored) == payload(now)
    assert stored.read_bytes() == now.read_bytes()


def test_a_portfolio_evaluation_can_be_attested(tmp_path: Path) -> None:
    """`portfolio` records each release with its statement too: attest the latest of a
    release, and verify it."""
    from portfolio_helpers import ENV, add_release

    p = Project(tmp_path / "portfolio")
    add_release(p, "limits")
    assert invoke(["keygen", "--out", "keys"], p.root).code == 0
    assert invoke(["portfolio"], p.root, ENV).code == 0
    r = invoke(["attest", "--evaluation", "limits", "--key", "keys/readiness.key"], p.root, ENV)
    assert r.code == 0 and r.out.startswith("attested GO for limits 1.0.0"), r.out + r.err
    r = invoke(["verify", "readiness.intoto.json", "--key", "keys/readiness.pub"], p.root, ENV)
    assert r.code == 0 and "verify: OK: 3 files unchanged" in r.out, r.out + r.err


def test_round_trip_record_attest_verify(project: Project, store_url: str) -> None:
    """An evaluation recorded without --attest is attested later by id, `latest` or release
    name; `history` then marks it attested, and `verify` re-checks it like any attestation."""
    r = cli(project, "evaluate", DEF, "--db", store_url, epoch=JUDGED)
    assert "recorded as evaluation #1" in r.out, r.out + r.err
    assert "attested" not in cli(project, "history", DEF, "--db", store_url).out
    for which in ("1", "latest", "demo"):
        r = attest(project, store_url, which, out=f"{which}.json")
        assert r.code == 0 and "(evaluation #1, " in r.out, r.out + r.err
    assert payload(project.root / "1.json") == payload(project.root / "latest.json")
    assert payload(project.root / "1.json") == payload(project.root / "demo.json")
    line = cli(project, "history", DEF, "--db", store_url).out
    assert line.startswith("#1 ") and line.rstrip().endswith("attested")
    r = cli(project, "verify", "1.json", "--key", "keys/readiness.pub")
    assert r.code == 0, r.out + r.err
    assert "attested: CONDITIONAL GO for demo 1.0.0 at stage internal" in r.out
    stmt = json.loads(payload(project.root / "1.json"))
    pred = stmt["predicate"]
    assert pred["timeVerified"] == "2025-11-24T16:00:00Z"  # the evaluation's time, not now
    assert [w["expires"] for w in pred["waivers"]] == ["2026-12-20"]
    assert [a["expires"] for a in pred["riskAcceptances"]] == ["2026-12-31"]
    assert pred["inputs"]["definition"]["path"] == DEF
    assert [c["status"] for c in pred["criteria"]] == ["WAIVED", "PASS"]


def test_tampered_evidence_after_attesting_is_named(project: Project, store_url: str) -> None:
    """The stored evaluation is attested as judged: evidence changed since (before or after
    attesting) makes verify exit 1 naming the file."""
    assert cli(project, "evaluate", DEF, "--db", store_url, epoch=JUDGED).code == 0
    assert attest(project, store_url).code == 0
    assert cli(project, "verify", "stored.intoto.json", "--key", "keys/readiness.pub").code == 0
    evidence = project.root / "build/junit/a.xml"
    data = bytearray(evidence.read_bytes())
    data[-3] ^= 1
    evidence.write_bytes(bytes(data))
    r = cli(project, "verify", "stored.intoto.json", "--key", "keys/readiness.pub")
    assert r.code == 1, r.out + r.err
    assert "changed: build/junit/a.xml (sha256 " in r.out
    assert "verify: FAILED: 1 problem(s)" in r.out
    # attesting again now still attests what was judged, so the change still shows
    assert attest(project, store_url, out="again.json").code == 0
    assert payload(project.root / "again.json") == payload(project.root / "stored.intoto.json")


def test_a_stored_no_go_exits_1(project: Project, store_url: str) -> None:
    """A stored NO-GO is attested (FAILED for VSA consumers) with the NO-GO's exit code."""
    project.write("build/junit/a.xml", junit_xml(passed=1, errors=1))
    assert cli(project, "evaluate", DEF, "--db", store_url, epoch=JUDGED).code == 1
    r = attest(project, store_url)
    assert r.code == 1 and r.out.startswith("attested NO-GO for demo 1.0.0"), r.out + r.err
    pred = json.loads(payload(project.root / "stored.intoto.json"))["predicate"]
    assert (pred["verdict"], pred["verificationResult"]) == ("NO-GO", "FAILED")


def test_unknown_evaluation_is_one_line(project: Project, store_url: str) -> None:
    """An id, release or `latest` the store does not have: exit 2, one line, nothing written."""
    assert cli(project, "evaluate", DEF, "--db", store_url, epoch=JUDGED).code == 0
    for which, says in (
        ("7", "has no evaluation 7"),
        ("0", "has no evaluation 0"),
        ("9" * 30, f"has no evaluation {'9' * 30}"),
        ("other-release", "has no evaluation of a release 'other-release'"),
    ):
        r = attest(project, store_url, which)
        one_line_error(r)
        assert says in r.err
    assert not (project.root / "stored.intoto.json").exists()


def test_missing_store_is_one_line_and_not_created(project: Project, tmp_path: Path) -> None:
    """No store where one is looked for (the default one, or a SQLite URL): exit 2, one line,
    and no empty store is left behind."""
    r = cli(project, "attest", "--evaluation", "1", "--key", "keys/readiness.key")
    one_line_error(r)
    assert f"evaluation store {project.root}/.readiness/history.sqlite: does not exist" in r.err
    assert not (project.root / ".readiness").exists()
    r = attest(project, f"sqlite:///{tmp_path / 'none.sqlite'}")
    one_line_error(r)
    assert "does not exist: no evaluation was recorded there" in r.err
    assert not (tmp_path / "none.sqlite").exists()


def test_empty_database_is_not_a_store(project: Project, store_url: str) -> None:
    """A database without the store's schema (an empty file, a fresh PostgreSQL database) is
    refused, not turned into an empty store."""
    if store_url.startswith("sqlite"):
        Path(store_url.removeprefix("sqlite:///")).touch()
    r = attest(project, store_url)
    one_line_error(r)
    assert "holds no evaluation store" in r.err


def _migrate_to(url: str, revision: str) -> Any:
    """A store at an older schema revision, as an older readiness left it; its engine."""
    from alembic import command
    from alembic.config import Config

    from readiness.history import schema

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(schema.MIGRATIONS))
        config.set_main_option("path_separator", "os")
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    return engine


def test_evaluation_recorded_before_0003_cannot_be_attested(
    project: Project, store_url: str
) -> None:
    """A store of schema revision 0002 with an evaluation in it: attesting it upgrades the
    store, then says which evaluation cannot be attested and why (exit 2, one line); one
    recorded after the upgrade can be."""
    from readiness.history import convert

    engine = _migrate_to(store_url, "0002")
    with engine.begin() as conn:
        assert convert.insert(conn, record()) == 1
    engine.dispose()
    r = attest(project, store_url)
    one_line_error(r)
    assert "evaluation #1 in " in r.err
    assert "cannot be attested: it was recorded without its attestation statement" in r.err
    assert "before schema revision 0003" in r.err
    assert not (project.root / "stored.intoto.json").exists()
    r = cli(project, "evaluate", DEF, "--db", store_url, epoch=JUDGED)
    assert "recorded as evaluation #2" in r.out, r.out + r.err
    assert attest(project, store_url, "2").code == 0


def test_a_corrupt_stored_statement_is_one_line(project: Project, store_url: str) -> None:
    """A statement row that is not a statement (edited by hand, truncated): one line naming
    the evaluation, nothing signed."""
    assert cli(project, "evaluate", DEF, "--db", store_url, epoch=JUDGED).code == 0
    engine = create_engine(store_url.replace("postgresql://", "postgresql+psycopg://"))
    for data, says in (('{"_type": "x"', "is not JSON"), ("[]", "is not a https://")):
        with engine.begin() as conn:
            conn.execute(text("UPDATE statement SET data = :d"), {"d": data})
        r = attest(project, store_url)
        one_line_error(r)
        assert "evaluation #1 in " in r.err and says in r.err
    engine.dispose()
    assert not (project.root / "stored.intoto.json").exists()


def test_prune_deletes_the_statements_too(project: Project, store_url: str) -> None:
    """Pruned evaluations take their statements with them."""
    for epoch in (JUDGED, "1764000100", "1764000200"):
        assert cli(project, "evaluate", DEF, "--db", store_url, epoch=epoch).code == 0
    r = cli(project, "history", "prune", "--keep", "1", "--db", store_url)
    assert r.out.startswith("pruned 2 evaluation(s)"), r.out + r.err
    engine = create_engine(store_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT evaluation_id FROM statement ORDER BY 1")).scalars()
        assert list(kept) == [3]
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([], "give a DEFINITION to evaluate, or --evaluation ID"),
        ([DEF, "--evaluation", "1"], "give a DEFINITION or --evaluation, not both"),
        (["--evaluation", "1", "--stage", "mvp"], "--stage apply when evaluating a DEFINITION"),
        (["--evaluation", "1", "--strict"], "--strict apply when evaluating a DEFINITION"),
        ([DEF, "--db", "sqlite:///x.sqlite"], "--db applies to --evaluation"),
    ],
)
def test_usage_errors(project: Project, args: list[str], says: str) -> None:
    """Contradictory or missing targets are usage errors (exit 2, one line)."""
    r = cli(project, "attest", *args, "--key", "keys/readiness.key")
    one_line_error(r)
    assert says in r.err
