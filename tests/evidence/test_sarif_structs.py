"""SARIF decoded by msgspec into typed structs of the gate's fields: the same findings, counts
and warnings as the dict path on every log, and the dict path's located error when a log
does not fit the structs."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from readiness.errors import EvidenceError
from readiness.evidence._json import load_json
from readiness.evidence.sarif import SarifAdapter, SarifParams, structs
from readiness.evidence.sarif.adapter import read_decoded

ROOT = Path(__file__).parent.parent.parent
LOGS = [
    *sorted((ROOT / "tests" / "fixtures" / "security" / "sarif").glob("*.sarif")),
    ROOT / "examples" / "recorded" / "build" / "evidence" / "bandit.sarif",
]


def _varied(n: int) -> dict[str, Any]:
    """A log whose results use every field the gate reads: kinds, baseline states, rule
    references, levels, severities, logical locations, message strings, suppressions,
    fingerprints, artifacts by index, snippets; fields no gate reads are dropped."""
    rng = random.Random(7)  # noqa: S311 - test data
    rules = [
        {
            "id": f"R{i}",
            "shortDescription": {"text": f"rule {i}"},
            "defaultConfiguration": {"level": ("error", "warning", "note", "none")[i % 4]},
            "messageStrings": {"m": {"text": "found {0} in {1}"}},
            "properties": {"security-severity": str(i % 10)} if i % 3 == 0 else {},
        }
        for i in range(12)
    ]
    results = [_result(k, rng) for k in range(n)]
    return {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "varied", "rules": rules}},
                "artifacts": [{"location": {"uri": f"a{i}.py"}} for i in range(3)],
                "invocations": [{"executionSuccessful": True}],
                "results": results,
            }
        ],
    }


def _result(k: int, rng: random.Random) -> dict[str, Any]:
    """One result of `_varied`: each optional field present at random."""
    r: dict[str, Any] = {"ruleId": f"R{k % 12}", "codeFlows": [{"threadFlows": []}]}
    optional: dict[str, tuple[float, Callable[[], Any]]] = {
        "kind": (0.1, lambda: rng.choice(["pass", "open", "review", "notApplicable"])),
        "baselineState": (0.2, lambda: rng.choice(["new", "unchanged", "absent", "updated"])),
        "ruleIndex": (0.3, lambda: k % 12),
        "rule": (0.1, lambda: {"id": f"R{k % 12}", "index": k % 12}),
        "level": (0.3, lambda: rng.choice(["error", "warning", "note", "none"])),
        "properties": (0.1, lambda: {"security-severity": rng.choice(["9.5", "HIGH", "3"])}),
        "suppressions": (0.05, lambda: [{"status": rng.choice(["accepted", "underReview"])}]),
        "fingerprints": (0.3, lambda: {"v1": f"{k:08x}"}),
        "partialFingerprints": (0.3, lambda: {"a": str(k), "b": "x"}),
        "correlationGuid": (0.2, lambda: f"guid-{k}"),
    }
    for key, (share, value) in optional.items():
        if rng.random() < share:
            r[key] = value()
    if rng.random() < 0.5:
        r["message"] = {"text": f"finding {k}\nsecond line"}
    else:
        r["message"] = {"id": "m", "arguments": [k, "x.py"]}
    loc: dict[str, Any] = {}
    if rng.random() < 0.8:
        art = {"uri": f"file:///src/m{k % 9}.py"} if k % 2 else {"index": k % 3}
        region = {"startLine": k % 400 + 1, "startColumn": 3, "snippet": {"text": " x "}}
        loc["physicalLocation"] = {"artifactLocation": art, "region": region}
    else:
        loc["logicalLocations"] = [{"fullyQualifiedName": f"pkg.mod{k % 5}.f"}]
    r["locations"] = [loc]
    return r


def _both(path: Path) -> tuple[Any, Any]:
    """(struct path, dict path) outcome of one log: the Partial, or the error's text."""
    params = SarifParams()
    outcomes: list[Any] = []
    for decoded in (
        structs.decode(path.read_bytes()),
        load_json(path, path.name, unique_keys=False),
    ):
        try:
            outcomes.append(read_decoded(decoded, path.name, params))
        except EvidenceError as exc:
            outcomes.append(str(exc))
    return outcomes[0], outcomes[1]


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_structs_read_every_sample_log_as_the_dict_path_does(path: Path) -> None:
    """Every sample log (Bandit, Trivy, Semgrep, gitleaks, extensions, triage, failed scans):
    the structs accept it and give the same findings, counts, warnings (or the same error)."""
    assert structs.decode(path.read_bytes()) is not None
    fast, slow = _both(path)
    assert fast == slow


def test_structs_read_a_varied_log_as_the_dict_path_does(tmp_path: Path) -> None:
    """3,000 results using every field the gate reads: the same findings, in order."""
    path = tmp_path / "varied.sarif"
    path.write_text(json.dumps(_varied(3000)))
    assert structs.decode(path.read_bytes()) is not None
    fast, slow = _both(path)
    assert not isinstance(fast, str), fast
    assert fast == slow
    assert len(fast.findings) > 2000 and fast.extra


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"region": {"startLine": "12"}}, r"results\[1\]\.locations\[0\]\.\.\.region\.startLine"),
        ({"region": {"startLine": 2**60}}, r"startLine must be a positive integer"),
        ({"artifactLocation": {"uri": 5}}, r"results\[1\].*artifactLocation\.uri must be a str"),
        ({"artifactLocation": []}, r"results\[1\].*artifactLocation must be an object"),
    ],
)
def test_a_log_the_structs_refuse_gets_the_dict_paths_located_error(
    tmp_path: Path, edit: dict[str, Any], message: str
) -> None:
    """A bad element the structs cannot hold (a string line, a number uri) is decoded again
    and reported as the dict path always did, by its JSON path in the file."""
    log = _varied(3)
    log["runs"][0]["results"][1]["locations"] = [{"physicalLocation": edit}]
    path = tmp_path / "bad.sarif"
    path.write_text(json.dumps(log))
    with pytest.raises(EvidenceError, match=rf"bad\.sarif: .*{message}"):
        SarifAdapter().read([path], {path: path.name}, SarifParams())
