"""Signed sign-offs (multi-party): `signoff --key`, `signoffs.signed` and `signoffs.keys`, what
the rules make of a missing, tampered or wrongly keyed signature, and what `verify` reports.

Real keys are generated in each test: security signs with Ed25519, compliance with ECDSA P-256.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from helpers import Project
from readiness.cli import main
from test_governance import DEF, gov_project

EPOCH = "1795000000"  # 2026-11-18T09:46:40Z, after the evidence gov_project writes
LATER = "1795003600"  # an hour later

SIGNED_DEFINITION = """
schema: 1
release: demo
version: 2.0.0
stage: internal
checks: [unit-tests, drill, signoffs]
gates: [tests, drills]
signoffs:
  check: signoffs
  required: [qa, security, compliance]
  signed: [security, compliance]
  keys: {keys}
"""


@dataclass
class Out:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run `readiness` in-process at a SOURCE_DATE_EPOCH; capture its exit code and output."""

    def run(args: list[str], epoch: str = EPOCH, env: dict[str, str] | None = None) -> Out:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        monkeypatch.setenv("NO_COLOR", "1")
        for var in ("READINESS_SIGNING_KEY", "READINESS_SIGNOFF_KEY", "GITHUB_ACTIONS"):
            monkeypatch.delenv(var, raising=False)
        for var, value in (env or {}).items():
            monkeypatch.setenv(var, value)
        capsys.readouterr()
        with pytest.raises(SystemExit) as exc:
            main(args)
        captured = capsys.readouterr()
        code = exc.value.code if isinstance(exc.value.code, int) else 0
        return Out(code, captured.out, captured.err)

    return run


@pytest.fixture
def signed_project(
    project: Project, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> tuple[Project, dict[str, str]]:
    """gov_project with security and compliance as signed roles, a key pair each (Ed25519 for
    security as keys/security.pub, ECDSA P-256 for compliance under keys/compliance/), no
    records yet; returns the private key paths by role."""
    gov_project(project, signoffs="signoffs: []\n")
    project.write(DEF, SIGNED_DEFINITION.format(keys="keys"))
    monkeypatch.chdir(project.root)
    private = {}
    for role, kind in (("security", "ed25519"), ("compliance", "ecdsa-p256"), ("other", "ed25519")):
        r = cli(["keygen", "--type", kind, "--out", f"secret/{role}"])
        assert r.code == 0, r.err
        private[role] = f"secret/{role}/readiness.key"
    (project.root / "keys/compliance").mkdir(parents=True)
    (project.root / "keys/security.pub").write_bytes(
        (project.root / "secret/security/readiness.pub").read_bytes()
    )
    (project.root / "keys/compliance/readiness.pub").write_bytes(
        (project.root / "secret/compliance/readiness.pub").read_bytes()
    )
    return project, private


def sign(cli: Any, role: str, name: str, *extra: str, epoch: str = EPOCH) -> Out:
    """Sign off as `role` through the `cli` fixture's runner."""
    out: Out = cli(
        ["signoff", DEF, "--role", role, "--name", name, "--decision", "approve", *extra], epoch
    )
    return out


def sign_all(cli: Any, keys: dict[str, str]) -> None:
    """qa approves unsigned; security and compliance approve, each with their own key."""
    assert sign(cli, "qa", "M. Duarte").code == 0
    r = sign(cli, "security", "A. Chen", "--key", keys["security"])
    assert r.code == 0, r.err
    assert "signed by key" in r.out
    r = cli(
        ["signoff", DEF, "--role", "compliance", "--name", "L. Moreau", "--decision", "approve"],
        env={"READINESS_SIGNOFF_KEY": keys["compliance"]},
    )
    assert r.code == 0, r.err


def evaluate(cli: Any, *args: str, epoch: str = EPOCH) -> tuple[Out, dict[str, Any]]:
    r = cli(["evaluate", DEF, "--no-record", "--json", "out.json", *args], epoch)
    assert r.code in (0, 1), r.err
    return r, json.loads(Path("out.json").read_text())


def rows(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["role"]: s for s in data["signoffs"]}


# ------------------------------------------------------------------ multi-party, end to end


def test_two_roles_signing_with_two_key_types_reach_go(cli: Any, signed_project: Any) -> None:
    """Security (Ed25519) and compliance (ECDSA P-256) sign, qa (not in `signed`) approves
    unsigned and still counts: GO, and the report names each role's signing key."""
    project, keys = signed_project
    sign_all(cli, keys)
    text = (project.root / "signoffs.yaml").read_text()
    assert text.count("signature:") == 2 and text.count("keyid: ") == 2
    r, data = evaluate(cli)
    assert r.code == 0, r.out
    assert data["verdict"] == "GO"
    by_role = rows(data)
    assert [by_role[k]["status"] for k in ("qa", "security", "compliance")] == ["approved"] * 3
    assert "signature" not in by_role["qa"]
    for role in ("security", "compliance"):
        assert len(by_role[role]["signature"]["signed_by"]) == 64
        assert by_role[role]["signature"]["problem"] is None
    assert by_role["security"]["signature"] != by_role["compliance"]["signature"]


def test_decision_changed_after_signing_counts_as_missing(cli: Any, signed_project: Any) -> None:
    """Compliance signs a rejection; someone edits it into an approval: the signature no longer
    verifies, the sign-off is MISSING and the blocker says so."""
    project, keys = signed_project
    sign_all(cli, keys)
    r = cli(
        [
            *("signoff", DEF, "--role", "compliance", "--name", "L. Moreau", "--decision"),
            *("reject", "--comment", "KYC gaps", "--key", keys["compliance"]),
        ],
    )
    assert r.code == 0, r.err
    path = project.root / "signoffs.yaml"
    text = path.read_text()
    last = text.rindex("- role: compliance")
    path.write_text(text[:last] + text[last:].replace("decision: reject", "decision: approve"))
    r, data = evaluate(cli)
    assert r.code == 1
    assert data["verdict"] == "NO-GO"
    row = rows(data)["compliance"]
    assert row["status"] == "missing"
    assert "does not verify" in row["signature"]["problem"]
    assert "L. Moreau (compliance, approve) in signoffs.yaml:" in r.out
    assert "was changed after it was signed" in " ".join(r.out.split())


def test_signature_by_a_key_not_listed_for_the_role_counts_as_missing(
    cli: Any, signed_project: Any
) -> None:
    """Security's signature is valid, but keys/security.pub is replaced by another key (a key
    rotated out): the role's sign-off is MISSING, naming the wrong key."""
    project, keys = signed_project
    sign_all(cli, keys)
    (project.root / "keys/security.pub").write_bytes(
        (project.root / "secret/other/readiness.pub").read_bytes()
    )
    r, data = evaluate(cli)
    assert r.code == 1
    row = rows(data)["security"]
    assert row["status"] == "missing"
    assert (
        "signoffs.keys does not list for 'security' (wrong key for the role)"
        in (row["signature"]["problem"])
    )


def test_unsigned_record_for_a_signed_role_counts_as_missing(cli: Any, signed_project: Any) -> None:
    """A hand-written unsigned approval for compliance is MISSING; a valid signed one of
    security still counts."""
    project, keys = signed_project
    assert sign(cli, "qa", "M. Duarte").code == 0
    assert sign(cli, "security", "A. Chen", "--key", keys["security"]).code == 0
    path = project.root / "signoffs.yaml"
    path.write_text(
        path.read_text()
        + "- {role: compliance, name: L. Moreau, decision: approve, date: 2026-11-18, "
        "version: 2.0.0}\n"
    )
    r, data = evaluate(cli)
    assert r.code == 1
    by_role = rows(data)
    assert (by_role["security"]["status"], by_role["compliance"]["status"]) == (
        "approved",
        "missing",
    )
    assert "is not signed, and signoffs.signed requires a signature for 'compliance'" in (
        " ".join(r.out.split())
    )


def test_an_older_signed_approval_replayed_after_a_signed_rejection_does_not_win(
    cli: Any, signed_project: Any
) -> None:
    """Security approves, then rejects an hour later (both signed); a copy of the approval
    appended after the rejection is still older: the rejection counts."""
    project, keys = signed_project
    sign_all(cli, keys)
    path = project.root / "signoffs.yaml"
    text = path.read_text()
    start = text.index("- role: security")
    approval = text[start : text.index("\n- role:", start) + 1]
    r = cli(
        [
            *("signoff", DEF, "--role", "security", "--name", "A. Chen", "--decision", "reject"),
            *("--comment", "open CVE", "--key", keys["security"]),
        ],
        LATER,
    )
    assert r.code == 0, r.err
    path.write_text(path.read_text() + approval)
    r, data = evaluate(cli, epoch=LATER)
    assert r.code == 1
    assert rows(data)["security"]["status"] == "rejected"
    assert "A. Chen (security) rejected the release: open CVE" in r.out


# ------------------------------------------------------------------ signoff --key refuses early


def test_signoff_refuses_a_signed_role_without_key_or_with_another_roles_key(
    cli: Any, signed_project: Any
) -> None:
    """No key, or compliance's key for security: exit 2, one line, the file untouched."""
    project, keys = signed_project
    path = project.root / "signoffs.yaml"
    before = path.read_bytes()
    r = sign(cli, "security", "A. Chen")
    assert r.code == 2
    assert "--role 'security' must sign (signoffs.signed)" in r.err
    r = sign(cli, "security", "A. Chen", "--key", keys["compliance"])
    assert r.code == 2
    assert "is not listed for 'security' in signoffs.keys (listed: keys/security.pub" in r.err
    assert len(r.err.strip().splitlines()) == 1
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such private key file"),
        ("not a key\n", "not a PEM private key"),
        ("PUBLIC", "a public key; signing needs the private key"),
    ],
)
def test_unusable_signing_key_is_a_usage_error_before_anything_is_written(
    cli: Any, signed_project: Any, content: str | None, expected: str
) -> None:
    """A missing, garbled or public key given to `signoff --key`: exit 2, one line, no
    traceback, the sign-off file untouched."""
    project, _ = signed_project
    path = project.root / "signoffs.yaml"
    before = path.read_bytes()
    if content == "PUBLIC":
        key = "keys/security.pub"
    else:
        key = "secret/bad.key"
        if content is not None:
            project.write(key, content)
    r = sign(cli, "security", "A. Chen", "--key", key)
    assert r.code == 2
    assert expected in r.err
    assert len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err
    assert path.read_bytes() == before


# ------------------------------------------------------------------ the definition's keys


@pytest.mark.parametrize(
    ("signoffs", "expected"),
    [
        (
            "{check: signoffs, required: [qa], signed: [security], keys: keys}",
            "signoffs.signed[security]: 'security' is neither a required nor an optional sign-off",
        ),
        (
            "{check: signoffs, required: [qa, security], signed: [security]}",
            "signed roles need `keys:`",
        ),
        (
            "{check: signoffs, required: [qa, security], signed: [security], keys: nowhere}",
            "'nowhere' is not a directory of public keys",
        ),
        (
            "{check: signoffs, required: [qa, security], signed: [security], keys: {qa: [a.pub]}}",
            "keys for 'qa', which signoffs.signed does not list",
        ),
        (
            "{check: signoffs, required: [qa, security], signed: [security], "
            "keys: {security: [secret/security/readiness.key]}}",
            "secret/security/readiness.key: a private key; only public keys belong here",
        ),
        (
            "{check: signoffs, required: [qa, security], signed: [security], "
            "keys: {security: [keys/nope.pub]}}",
            "keys/nope.pub: no such public key file",
        ),
        (
            "{check: signoffs, required: [security, compliance], signed: [security, compliance], "
            "keys: {security: [keys/security.pub], compliance: [keys/security.pub]}}",
            "is listed for both 'security' and 'compliance': each signing party needs its own key",
        ),
        (
            "{check: signoffs, required: [qa, security, compliance], "
            "signed: [security, compliance], keys: {security: [keys/security.pub]}}",
            "no public key for the signed role 'compliance'",
        ),
    ],
)
def test_unusable_signoff_policy_is_a_located_definition_error(
    cli: Any, signed_project: Any, signoffs: str, expected: str
) -> None:
    """Each way `signed` and `keys` can be wrong is one located line from `validate` (exit 2)."""
    project, _ = signed_project
    text = SIGNED_DEFINITION.split("signoffs:\n", maxsplit=1)[0] + f"signoffs: {signoffs}\n"
    project.write(DEF, text)
    r = cli(["validate", DEF])
    assert r.code == 2
    assert f"{DEF}:" in r.err
    assert expected in r.err, r.err


def test_keys_as_a_mapping_from_role_to_files(cli: Any, signed_project: Any) -> None:
    """`keys: {security: [...], compliance: [...]}` names each role's key files: GO as with
    the directory layout."""
    project, keys = signed_project
    project.write(
        DEF,
        SIGNED_DEFINITION.format(
            keys="{security: [keys/security.pub], compliance: [keys/compliance/readiness.pub]}"
        ),
    )
    sign_all(cli, keys)
    r, data = evaluate(cli)
    assert r.code == 0, r.out
    assert all(s["status"] == "approved" for s in data["signoffs"])


# ------------------------------------------------------------------ attestation and verify


def _payload(path: Path) -> dict[str, Any]:
    return dict(json.loads(base64.b64decode(json.loads(path.read_text())["payload"])))


def test_attestation_lists_signers_and_verify_reports_and_rechecks_them(
    cli: Any, signed_project: Any
) -> None:
    """The predicate says per sign-off whether it was signed and by which key; `verify` names
    the roles that signed, checks each signature again with the attested key files, and fails
    naming a key file changed since."""
    project, keys = signed_project
    sign_all(cli, keys)
    r = cli(["evaluate", DEF, "--no-record", "--attest", keys["other"], "--attest-out", "a.json"])
    assert r.code == 0, r.out + r.err
    pred = _payload(project.root / "a.json")["predicate"]
    by_role = {s["role"]: s for s in pred["signoffs"]}
    assert (by_role["qa"]["signatureRequired"], by_role["qa"]["signed"]) == (False, False)
    for role in ("security", "compliance"):
        assert by_role[role]["signed"] is True
        assert by_role[role]["keyid"] == by_role[role]["signature"]["keyid"]
    assert pred["signoffPolicy"]["signed"] == ["security", "compliance"]
    assert {k["path"] for k in pred["signoffPolicy"]["keys"]} == {
        "keys/compliance/readiness.pub",
        "keys/security.pub",
    }
    r = cli(["verify", "a.json", "--key", "secret/other/readiness.pub"])
    assert r.code == 0, r.out + r.err
    line = next(x for x in r.out.splitlines() if x.startswith("signed with a key:"))
    assert "security (A. Chen, key " in line and "re-verified with keys/security.pub" in line
    assert "compliance (L. Moreau, key " in line
    assert "re-verified with keys/compliance/readiness.pub" in line
    (project.root / "keys/security.pub").write_bytes(
        (project.root / "secret/other/readiness.pub").read_bytes()
    )
    r = cli(["verify", "a.json", "--key", "secret/other/readiness.pub"])
    assert r.code == 1
    assert "changed: keys/security.pub (the public key attested for security)" in r.out


def test_verify_reports_a_signed_role_that_did_not_sign(cli: Any, signed_project: Any) -> None:
    """An attested NO-GO whose compliance sign-off is unsigned: verify says which role did not
    sign and why, and still exits 0 (the attestation itself holds)."""
    _, keys = signed_project
    assert sign(cli, "qa", "M. Duarte").code == 0
    assert sign(cli, "security", "A. Chen", "--key", keys["security"]).code == 0
    r = cli(["evaluate", DEF, "--no-record", "--attest", keys["other"], "--attest-out", "a.json"])
    assert r.code == 1
    r = cli(["verify", "a.json", "--key", "secret/other/readiness.pub"])
    assert r.code == 0, r.out + r.err
    assert "not signed with a listed key: compliance (no sign-off)" in r.out
    assert "signed with a key: security (A. Chen" in r.out


def test_signed_records_and_attestation_are_deterministic(cli: Any, signed_project: Any) -> None:
    """Same key, same SOURCE_DATE_EPOCH: the Ed25519-signed record is byte-identical, and the
    attested statement (with its signed sign-offs) too."""
    project, keys = signed_project
    sign_all(cli, keys)
    path = project.root / "signoffs.yaml"
    first = path.read_text()
    assert sign(cli, "security", "A. Chen", "--key", keys["security"]).code == 0
    records = path.read_text().split("- role: security")
    assert records[1].split("- role:")[0] == records[2]  # re-signed: same signature
    path.write_text(first)
    payloads = []
    for out in ("a.json", "b.json"):
        r = cli(["evaluate", DEF, "--no-record", "--attest", keys["security"], "--attest-out", out])
        assert r.code == 0, r.out + r.err
        payloads.append(json.loads((project.root / out).read_text())["payload"])
    assert payloads[0] == payloads[1]


# ------------------------------------------------------------------ import budget


def test_evaluate_without_signed_roles_imports_no_crypto(project: Project) -> None:
    """A definition with sign-offs but no signed roles evaluates without importing
    securesystemslib, cryptography or rfc8785, even when a record carries a signature."""
    gov_project(
        project,
        signoffs=textwrap.dedent("""
            signoffs:
              - {role: qa, name: M. Duarte, decision: approve, date: 2026-11-17, version: 2.0.0}
              - role: security
                name: A. Chen
                decision: approve
                date: 2026-11-17
                version: 2.0.0
                signature: {keyid: %s, sig: abcd}
            """)
        % ("ab" * 32),
    )
    code = (
        "import sys\nfrom readiness.cli import main\n"
        "try:\n    main(['evaluate', 'definitions/demo.yaml', '--no-record'])\n"
        "except SystemExit as e:\n    print('EXIT', e.code)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'securesystemslib', 'cryptography', 'rfc8785'})\n"
        "print('CRYPTO', loaded)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin", "SOURCE_DATE_EPOCH": EPOCH, "NO_COLOR": "1"},
    )
    assert "EXIT 0" in proc.stdout, proc.stdout + proc.stderr  # the signed record is read
    assert "CRYPTO []" in proc.stdout, proc.stdout + proc.stderr
