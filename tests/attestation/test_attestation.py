"""Signed in-toto attestations of a verdict: `--attest`, `attest`, `keygen` and `verify`.

Real keys are generated in each test (Ed25519 and ECDSA P-256); the CLI runs in-process
through `readiness.cli.main`, except for one console-script smoke test.
"""

from __future__ import annotations

import base64
import hashlib
import json
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from attest_helpers import DEF, attested_project
from helpers import Project, junit_xml, make_standard, run_cli
from readiness.cli import main

SIGNED_AT = "1764000000"  # 2025-11-24
LATER = "1798761600"  # 2027-01-01: after the waiver (2026-12-20) and acceptance (2026-12-31)


@dataclass
class Out:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run `readiness` in-process at a given SOURCE_DATE_EPOCH; capture its exit and output."""

    def run(args: list[str], epoch: str = SIGNED_AT) -> Out:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        monkeypatch.setenv("NO_COLOR", "1")
        monkeypatch.delenv("READINESS_SIGNING_KEY", raising=False)
        monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
        capsys.readouterr()
        with pytest.raises(SystemExit) as exc:
            main(args)
        captured = capsys.readouterr()
        code = exc.value.code if isinstance(exc.value.code, int) else 0
        return Out(code, captured.out, captured.err)

    return run


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """The standard project with a waived failure and an accepted risk, cwd at its root."""
    p = attested_project(Project(tmp_path / "proj"))
    monkeypatch.chdir(p.root)
    return p


@pytest.fixture(params=["ed25519", "ecdsa-p256"])
def key_type(request: pytest.FixtureRequest) -> str:
    """Both supported key types."""
    return str(request.param)


def keygen(cli: Any, kind: str, out: str) -> tuple[str, str]:
    r = cli(["keygen", "--type", kind, "--out", out])
    assert r.code == 0, r.err
    return f"{out}/readiness.key", f"{out}/readiness.pub"


@pytest.fixture
def signed(cli: Any, project: Project, key_type: str) -> tuple[Path, str, str]:
    """An attestation of the project's evaluation, with the key pair that signed it."""
    priv, pub = keygen(cli, key_type, "keys")
    r = cli(["evaluate", DEF, "--attest", priv, "--report-dir", "build/report", "--format", "json"])
    assert r.code == 0, r.out + r.err  # CONDITIONAL GO: a waiver and an accepted risk
    assert "attestation: build/report/readiness.intoto.json" in r.out
    return project.root / "build/report/readiness.intoto.json", priv, pub


def envelope(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


def payload(path: Path) -> dict[str, Any]:
    return dict(json.loads(base64.b64decode(envelope(path)["payload"])))


def no_traceback(r: Out) -> None:
    assert "Traceback" not in r.err + r.out
    assert len(r.err.strip().splitlines()) == 1, r.err


# ------------------------------------------------------------------ round trip


def test_round_trip_verifies_and_reports_the_verdict(cli: Any, signed: Any) -> None:
    """An untouched attestation verifies (exit 0) and states the verdict, date and inputs."""
    path, _, pub = signed
    r = cli(["verify", str(path), "--key", pub])
    assert r.code == 0, r.out + r.err
    assert "signature: OK" in r.out
    assert "attested: CONDITIONAL GO for demo 1.0.0 at stage internal, evaluated " in r.out
    assert "2025-11-24T16:00:00Z" in r.out
    assert "verify: OK: 4 files unchanged" in r.out  # definition, gate, check, evidence


def test_statement_content(signed: Any, project: Project) -> None:
    """The predicate carries the decision, criteria, digests, waivers, risks and VSA fields."""
    path, _, _ = signed
    stmt = payload(path)
    assert stmt["_type"] == "https://in-toto.io/Statement/v1"
    assert stmt["predicateType"] == "https://readiness.dev/attestation/evaluation/v1"
    def_sha = hashlib.sha256((project.root / DEF).read_bytes()).hexdigest()
    assert stmt["subject"][0] == {"name": "demo@1.0.0", "digest": {"sha256": def_sha}}
    pred = stmt["predicate"]
    assert pred["verdict"] == "CONDITIONAL GO"
    assert (pred["stage"], pred["targetStage"]) == ("internal", "internal")
    crit = {c["key"]: c for c in pred["criteria"]}
    assert crit["tests.pass-rate"]["status"] == "WAIVED"
    assert crit["tests.pass-rate"]["value"] == 97
    assert crit["tests.pass-rate"]["threshold"] == ">= 98%"
    assert pred["waivers"][0]["expires"] == "2026-12-20"
    assert pred["waivers"][0]["state"] == "applied"
    assert pred["riskAcceptances"][0]["risk"] == "R-1"
    ev_sha = hashlib.sha256((project.root / "build/junit/a.xml").read_bytes()).hexdigest()
    files = pred["inputs"]["checks"][0]["evidence"]["files"]
    assert files == [{"path": "build/junit/a.xml", "sha256": ev_sha, "size": files[0]["size"]}]
    assert pred["inputAttestations"] == [{"uri": "build/junit/a.xml", "digest": {"sha256": ev_sha}}]
    assert pred["verifier"]["id"].startswith("https://")
    assert pred["verificationResult"] == "PASSED"
    assert pred["timeVerified"] == "2025-11-24T16:00:00Z"
    assert pred["policy"] == {"uri": DEF, "digest": {"sha256": def_sha}}
    assert pred["resourceUri"] == "pkg:generic/demo@1.0.0"


def test_statement_is_deterministic_and_canonical(cli: Any, project: Project) -> None:
    """Same inputs and SOURCE_DATE_EPOCH: byte-identical RFC 8785 payloads."""
    import rfc8785

    priv, _ = keygen(cli, "ed25519", "keys")
    for out in ("a.json", "b.json"):
        assert cli(["attest", DEF, "--key", priv, "--out", out]).code == 0
    a, b = (base64.b64decode(envelope(project.root / n)["payload"]) for n in ("a.json", "b.json"))
    assert a == b
    assert rfc8785.dumps(json.loads(a)) == a
    # Ed25519 signatures are deterministic too: the whole envelope is byte-identical.
    assert (project.root / "a.json").read_bytes() == (project.root / "b.json").read_bytes()


# ------------------------------------------------------------------ standard tooling


def test_envelope_verifies_with_securesystemslib_alone(signed: Any) -> None:
    """securesystemslib's own DSSE API verifies the envelope with the PEM public key."""
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    from securesystemslib.dsse import Envelope
    from securesystemslib.signer import SSlibKey

    path, _, pub = signed
    key = SSlibKey.from_crypto(load_pem_public_key(Path(pub).read_bytes()))
    env = Envelope.from_dict(envelope(path))
    assert env.payload_type == "application/vnd.in-toto+json"
    assert list(env.verify([key], 1)) == [key.keyid]


def test_statement_parses_with_in_toto_attestation_bindings(signed: Any) -> None:
    """in-toto's reference bindings parse the statement (no unknown fields) and validate it."""
    from google.protobuf import json_format
    from in_toto_attestation.v1 import statement_pb2
    from in_toto_attestation.v1.statement import Statement

    path, _, _ = signed
    raw = base64.b64decode(envelope(path)["payload"])
    pb = json_format.Parse(raw, statement_pb2.Statement())
    Statement.copy_from_pb(pb).validate()
    assert pb.predicate_type == "https://readiness.dev/attestation/evaluation/v1"


# ------------------------------------------------------------------ what changed since


def test_one_changed_byte_of_evidence_is_named(cli: Any, signed: Any, project: Project) -> None:
    """Changing one byte of one evidence file: exit 1 naming that file."""
    path, _, pub = signed
    ev = project.root / "build/junit/a.xml"
    data = bytearray(ev.read_bytes())
    data[10] ^= 0x01
    ev.write_bytes(bytes(data))
    r = cli(["verify", str(path), "--key", pub])
    assert r.code == 1, r.out
    assert "changed: build/junit/a.xml (sha256 " in r.out
    assert "verify: FAILED: 1 problem(s)" in r.out


def test_missing_and_extra_evidence(cli: Any, signed: Any, project: Project) -> None:
    """A deleted evidence file is missing; a new one matching the check's globs is extra."""
    path, _, pub = signed
    (project.root / "build/junit/a.xml").unlink()
    project.write("build/junit/late.xml", junit_xml(passed=1))
    r = cli(["verify", str(path), "--key", pub])
    assert r.code == 1
    assert "missing: build/junit/a.xml" in r.out
    assert "extra: build/junit/late.xml matches check unit-tests's evidence" in r.out


def test_changed_gate_is_named(cli: Any, signed: Any, project: Project) -> None:
    """Editing a gate after the verdict: the gate file is named as changed."""
    path, _, pub = signed
    gate = project.root / "gates/tests.yaml"
    gate.write_text(gate.read_text().replace(">= 98%", ">= 90%"))
    r = cli(["verify", str(path), "--key", pub])
    assert r.code == 1
    assert "changed: gates/tests.yaml" in r.out


def test_evidence_moved_under_evidence_dir(cli: Any, signed: Any, project: Project) -> None:
    """Evidence archived elsewhere verifies with --evidence-dir (paths kept below the base)."""
    path, _, pub = signed
    archive = project.root.parent / "archive"
    (archive / "build/junit").mkdir(parents=True)
    (project.root / "build/junit/a.xml").rename(archive / "build/junit/a.xml")
    r = cli(["verify", str(path), "--key", pub, "--evidence-dir", str(archive)])
    assert r.code == 0, r.out


def test_expiry_after_signing_names_the_waiver(cli: Any, signed: Any) -> None:
    """Verified on a later SOURCE_DATE_EPOCH: the waiver and the acceptance are expired."""
    path, _, pub = signed
    assert cli(["verify", str(path), "--key", pub]).code == 0
    r = cli(["verify", str(path), "--key", pub], epoch=LATER)
    assert r.code == 1, r.out
    assert "expired: waiver for tests.pass-rate expired on 2026-12-20" in r.out
    assert "expired: acceptance of risk R-1 (Order book desync) expired on 2026-12-31" in r.out


# ------------------------------------------------------------------ untrustworthy envelopes


def _rewrite(path: Path, **changes: Any) -> None:
    env = envelope(path)
    env.update(changes)
    path.write_text(json.dumps(env))


def test_tampered_payload_is_refused(cli: Any, signed: Any) -> None:
    """A payload edited after signing (NO-GO made GO): exit 2, signature does not verify."""
    path, _, pub = signed
    raw = base64.b64decode(envelope(path)["payload"]).replace(b"CONDITIONAL GO", b"GO")
    _rewrite(path, payload=base64.b64encode(raw).decode())
    r = cli(["verify", str(path), "--key", pub])
    assert r.code == 2
    assert "the signature does not verify" in r.err
    no_traceback(r)


def test_payload_type_swap_is_refused(cli: Any, signed: Any) -> None:
    """The payload type is bound by the PAE: changing it breaks the signature."""
    path, _, pub = signed
    _rewrite(path, payloadType="application/json")
    r = cli(["verify", str(path), "--key", pub])
    assert r.code == 2
    assert "the signature does not verify" in r.err
    no_traceback(r)


def test_wrong_key_is_refused(cli: Any, signed: Any, key_type: str) -> None:
    """Another key pair's public key: exit 2, the attestation names who did sign."""
    path, _, _ = signed
    _, other = keygen(cli, key_type, "other")
    r = cli(["verify", str(path), "--key", other])
    assert r.code == 2
    assert "not by the given key" in r.err
    no_traceback(r)


def test_signature_by_wrong_key_under_right_keyid(cli: Any, signed: Any, project: Project) -> None:
    """A forged signature claiming the right key id does not verify."""
    path, _, pub = signed
    forger, _ = keygen(cli, "ed25519", "forger")
    assert cli(["attest", DEF, "--key", forger, "--out", "forged.json"]).code == 0
    forged = envelope(project.root / "forged.json")["signatures"][0]["sig"]
    env = envelope(path)
    env["signatures"][0]["sig"] = forged
    path.write_text(json.dumps(env))
    r = cli(["verify", str(path), "--key", pub])
    assert r.code == 2
    assert "does not verify" in r.err


def test_duplicated_signature_never_counts_twice(cli: Any, signed: Any, key_type: str) -> None:
    """Two signatures with one key id: refused, even asking for a threshold of two keys."""
    path, _, pub = signed
    _, other = keygen(cli, key_type, "other")
    env = envelope(path)
    env["signatures"] = env["signatures"] * 2
    path.write_text(json.dumps(env))
    r = cli(["verify", str(path), "--key", pub, "--key", other, "--threshold", "2"])
    assert r.code == 2
    assert "duplicated signature" in r.err
    no_traceback(r)


def test_threshold_counts_distinct_keys(cli: Any, signed: Any, key_type: str) -> None:
    """One signer cannot meet a threshold of two keys."""
    path, _, pub = signed
    _, other = keygen(cli, key_type, "other")
    r = cli(["verify", str(path), "--key", pub, "--key", other, "--threshold", "2"])
    assert r.code == 2
    assert "1 of the given keys signed, 2 required" in r.err
    no_traceback(r)


def test_truncated_file_is_refused(cli: Any, signed: Any) -> None:
    """A truncated attestation is unreadable JSON: exit 2 with one line."""
    path, _, pub = signed
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    r = cli(["verify", str(path), "--key", pub])
    assert r.code == 2
    assert "not valid JSON (truncated?)" in r.err
    no_traceback(r)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"a":' * 40 + b"1" + b"}" * 40, "nested too deeply"),
        (b'{"payload": "", "payload": "x", "payloadType": "", "signatures": []}', "duplicate key"),
        (b'{"n": ' + b"9" * 5000 + b"}", "unreadable JSON"),
        (b'{"n": NaN}', "NaN is not a JSON number"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[]", "not a DSSE envelope"),
        (
            b'{"payload": "!!", "payloadType": "x", "signatures": [{"keyid": "k", "sig": "!!"}]}',
            "malformed envelope",
        ),
        (b'{"payload": "", "payloadType": "x", "signatures": []}', "no signatures"),
        (b'{"payload": "", "payloadType": "x", "signatures": [], "extra": 1}', "unknown extra"),
    ],
)
def test_hostile_envelopes_are_one_line_errors(
    cli: Any, project: Project, content: bytes, message: str
) -> None:
    """JSON bombs, deep nesting, duplicate keys, junk: exit 2 with a clear line."""
    _, pub = keygen(cli, "ed25519", "keys")
    (project.root / "bad.json").write_bytes(content)
    r = cli(["verify", "bad.json", "--key", pub])
    assert r.code == 2
    assert message in r.err
    no_traceback(r)


def test_huge_file_is_refused_before_reading(
    cli: Any, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file over the size ceiling is refused by its size alone."""
    from readiness.attestation import envelope as envelope_mod

    monkeypatch.setattr(envelope_mod, "MAX_ENVELOPE_BYTES", 1024)
    _, pub = keygen(cli, "ed25519", "keys")
    (project.root / "big.json").write_bytes(b" " * 2048)
    r = cli(["verify", "big.json", "--key", pub])
    assert r.code == 2
    assert "exceeds the 1024-byte attestation limit" in r.err


def test_signed_statement_of_another_type_is_refused(cli: Any, project: Project) -> None:
    """A validly signed envelope whose payload is not our in-toto statement: exit 2."""
    from readiness.attestation import envelope as envelope_mod
    from readiness.attestation import keys

    priv, pub = keygen(cli, "ed25519", "keys")
    signer = keys.load_signer(Path(priv))
    data = envelope_mod.sign(b'{"_type": "https://in-toto.io/Statement/v1"}', signer)
    (project.root / "other.json").write_bytes(data)
    r = cli(["verify", "other.json", "--key", pub])
    assert r.code == 2
    assert "predicateType" in r.err
    no_traceback(r)


# ------------------------------------------------------------------ keys and usage


def test_keygen_writes_private_key_0600_and_never_overwrites(cli: Any, project: Project) -> None:
    """The private key is readable by its owner only; a second keygen refuses to overwrite."""
    priv, pub = keygen(cli, "ecdsa-p256", "keys")
    assert stat.S_IMODE(Path(priv).stat().st_mode) == 0o600
    assert Path(pub).read_text().startswith("-----BEGIN PUBLIC KEY-----")
    r = cli(["keygen", "--out", "keys"])
    assert r.code == 2
    assert "already exists" in r.err


@pytest.mark.parametrize(
    ("key_text", "message"),
    [
        (None, "no such private key file"),
        ("not a key\n", "not a PEM private key"),
        ("PUBLIC", "a public key; signing needs the private key"),
    ],
)
def test_unusable_signing_key_is_a_usage_error(
    cli: Any, project: Project, key_text: str | None, message: str
) -> None:
    """A missing, malformed or public key: exit 2 before anything is evaluated or written."""
    _, pub = keygen(cli, "ed25519", "keys")
    if key_text == "PUBLIC":
        key = pub
    else:
        key = "k.pem"
        if key_text is not None:
            project.write(key, key_text)
    r = cli(["evaluate", DEF, "--attest", key])
    assert r.code == 2
    assert message in r.err
    assert not (project.root / "readiness.intoto.json").exists()
    no_traceback(r)


def test_unsupported_key_type_is_refused(cli: Any, project: Project) -> None:
    """An ECDSA P-384 key is refused with the supported types named."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP384R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (project.root / "p384.pem").write_bytes(pem)
    r = cli(["attest", DEF, "--key", "p384.pem"])
    assert r.code == 2
    assert "Ed25519 and ECDSA P-256" in r.err


def test_encrypted_key_reads_its_password_from_the_environment(
    cli: Any, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An encrypted PKCS#8 key needs READINESS_SIGNING_KEY_PASSWORD, and works with it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"s3cret"),
    )
    (project.root / "enc.pem").write_bytes(pem)
    r = cli(["attest", DEF, "--key", "enc.pem"])
    assert r.code == 2
    assert "READINESS_SIGNING_KEY_PASSWORD" in r.err
    monkeypatch.setenv("READINESS_SIGNING_KEY_PASSWORD", "s3cret")
    r = cli(["attest", DEF, "--key", "enc.pem"])
    assert r.code == 0, r.err
    assert (project.root / "readiness.intoto.json").is_file()


def test_attest_out_needs_attest(cli: Any, project: Project) -> None:
    """--attest-out without a key is a usage error, not a silent no-op."""
    r = cli(["evaluate", DEF, "--attest-out", "x.json"])
    assert r.code == 2
    assert "--attest-out needs --attest" in r.err


def test_verify_refuses_a_private_key(cli: Any, signed: Any) -> None:
    """Handing verify the private key is refused: verifiers need only the public key."""
    path, priv, _ = signed
    r = cli(["verify", str(path), "--key", priv])
    assert r.code == 2
    assert "verify needs the public key" in r.err


def test_no_go_is_attested_too(cli: Any, project: Project) -> None:
    """A NO-GO is attested (FAILED for VSA consumers) and `attest` exits with its code."""
    project.write("build/junit/a.xml", junit_xml(passed=1, errors=1))
    priv, pub = keygen(cli, "ed25519", "keys")
    r = cli(["attest", DEF, "--key", priv])
    assert r.code == 1
    assert "attested NO-GO for demo 1.0.0" in r.out
    pred = payload(project.root / "readiness.intoto.json")["predicate"]
    assert (pred["verdict"], pred["verificationResult"], pred["verifiedLevels"]) == (
        "NO-GO",
        "FAILED",
        [],
    )
    assert cli(["verify", "readiness.intoto.json", "--key", pub]).code == 0


# ------------------------------------------------------------------ budget and real use


def test_evaluate_without_attest_imports_no_crypto(tmp_path: Path) -> None:
    """`evaluate` without --attest never imports securesystemslib, cryptography or rfc8785."""
    p = make_standard(Project(tmp_path))
    p.write("build/junit/a.xml", junit_xml(passed=5))
    code = (
        "import sys\nfrom readiness.cli import main\n"
        "try:\n    main(['evaluate', 'definitions/demo.yaml'])\nexcept SystemExit:\n    pass\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'securesystemslib', 'cryptography', 'rfc8785'})\n"
        "print('CRYPTO', loaded)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "SOURCE_DATE_EPOCH": SIGNED_AT}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=p.root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert "CRYPTO []" in proc.stdout, proc.stdout + proc.stderr


def test_console_script_round_trip(tmp_path: Path) -> None:
    """The installed `readiness` signs with a generated key and verifies, as a user would."""
    p = make_standard(Project(tmp_path))
    p.write("build/junit/a.xml", junit_xml(passed=5))
    assert run_cli(["keygen", "--out", "k"], p.root).code == 0
    env = {"READINESS_SIGNING_KEY": "k/readiness.key", "SOURCE_DATE_EPOCH": SIGNED_AT}
    r = run_cli(["evaluate", DEF, "--report-dir", "out", "--format", "json"], p.root, env)
    assert r.code == 0, r.err
    r = run_cli(["verify", "out/readiness.intoto.json", "--key", "k/readiness.pub"], p.root)
    assert r.code == 0, r.out + r.err
    assert "verify: OK" in r.out
