"""SARIF decoded by msgspec into typed structs of the gate's fields: the same findings, counts
and warnings as the dict path on every log, and the dict path's located error when a log
does not fit the structs."""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from readiness.errors import EvidenceError
from readiness.evidence import _json
from readiness.evidence._json import Shape, load_json
from readiness.evidence.sarif import SarifAdapter, SarifParams, structs
from readiness.evidence.sarif.adapter import _open_run, read_decoded
from readiness.evidence.sarif.finding import read_plain, read_result
from readiness.evidence.scanners.base import Partial

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
    assert len(fast.rows) > 2000 and fast.extra


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


def test_a_plain_result_gives_the_row_the_dict_steps_give(tmp_path: Path) -> None:
    """Each result of the varied log that decodes as a `Plain` (the fast path: fields typed
    by msgspec, no rule reference, suppressions, ...) gives exactly the row `read_result`
    gives for the same result decoded as a dict; and plain results are the common case."""
    log = _varied(2000)
    run_raw = log["runs"][0]
    shape = Shape("varied.sarif")
    part = Partial("varied.sarif", "sarif")
    plain = 0
    for k, result in enumerate(run_raw["results"]):
        data = json.dumps(result).encode()
        try:
            typed = msgspec.json.decode(data, type=structs.Plain)
        except msgspec.ValidationError:
            continue
        plain += 1
        at = f"runs[0].results[{k}]"
        run_a, _, _ = _open_run(shape, run_raw, "runs[0]", part, SarifParams(), first=True)
        run_b, _, _ = _open_run(shape, run_raw, "runs[0]", part, SarifParams(), first=True)
        assert read_plain(run_a, typed, at) == read_result(run_b, json.loads(data), at), k
    assert plain > 300


_PLAIN_CHOICES: dict[str, list[Any]] = {
    "ruleId": [None, "R1", "R1/x/2", "", "nope"],
    "ruleIndex": [None, -1, 0, 5, 11, 12, 99],
    "level": [None, "none", "note", "warning", "error"],
    "kind": ["fail"],
    "baselineState": [None, "new", "unchanged", "updated"],
    "properties": [None, {}, {"tags": ["x"]}, {"precision": "high"}],
    "message": [
        None,
        {},
        {"text": ""},
        {"text": "found it"},
        {"text": "password = 'hunter2'\nsecond line"},
        {"text": "Package: p\nInstalled Version: 1.0\nFixed Version: 2.0,2.1"},
        {"text": "found {0}", "arguments": ["x"]},
    ],
    "locations": [
        None,
        [],
        [{}],
        [{"physicalLocation": None}],
        [{"physicalLocation": {"artifactLocation": {"uri": "file:///a%20b.py"}}}],
        [{"physicalLocation": {"artifactLocation": {"uri": ""}, "region": {"startLine": 0}}}],
        [{"physicalLocation": {"artifactLocation": {"index": 1}, "region": {"startLine": 7}}}],
        [{"physicalLocation": {"artifactLocation": {"index": 2}}}],
        [{"physicalLocation": {"artifactLocation": {"index": 9}}}],
        [{"physicalLocation": {"artifactLocation": {"uri": "s.py", "index": 0}}}],
        [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "s.py"},
                    "region": {"startLine": 2**53, "snippet": {"text": " password = 'hunter2' "}},
                }
            },
            {"physicalLocation": {"artifactLocation": {"uri": "t.py"}}},
        ],
    ],
    "fingerprints": [None, {}, {"a": "requires login"}, {"a": "f1"}, {"b": "y", "a": "x"}],
    "partialFingerprints": [None, {}, {"h": "1"}, {"h": "1", "g": "2"}],
    "correlationGuid": [None, "guid-1"],
}


@pytest.mark.parametrize("tool", ["varied", "Bandit", "trivy", "gitleaks"])
def test_every_plain_result_reads_as_read_result_reads_it(tool: str) -> None:
    """600 results drawn from the values a plain result may hold (absent, null, edge and
    out-of-range ones among them) for a generic, a Bandit, a Trivy and a gitleaks run: each
    one that decodes as `Plain` gives the same row, or the same located error, from
    `read_plain` as from `read_result`."""
    rng = random.Random(tool)  # noqa: S311 - test data
    run_raw = _varied(0)["runs"][0]
    run_raw["tool"]["driver"]["name"] = tool
    run_raw["tool"]["driver"]["rules"][3]["name"] = "Secret"
    run_raw["artifacts"][2] = {"location": {"uri": 5}}  # a uri that is not a string
    plain = errors = 0
    for k in range(600):
        result = {
            key: rng.choice(values) for key, values in _PLAIN_CHOICES.items() if rng.random() < 0.7
        }
        data = json.dumps(result).encode()
        try:
            typed = msgspec.json.decode(data, type=structs.Plain)
        except msgspec.ValidationError:
            continue
        plain += 1
        at = f"runs[0].results[{k}]"
        outcomes: list[object] = []
        for read, value in ((read_plain, typed), (read_result, json.loads(data))):
            shape = Shape("x.sarif")
            part = Partial("x.sarif", "sarif")
            run, _, _ = _open_run(shape, run_raw, "runs[0]", part, SarifParams(), first=True)
            try:
                outcomes.append(read(run, value, at))
            except EvidenceError as exc:
                outcomes.append(str(exc))
        assert outcomes[0] == outcomes[1], result
        errors += isinstance(outcomes[0], str)
    assert plain > 500 and 0 < errors < plain / 2


@pytest.mark.parametrize(
    "content", [b'{"version": "2.1.0"}\n', b"", b"  \n\t ", b'{"runs": []}' + b" " * 4096]
)
def test_a_mapped_read_gives_the_bytes_or_the_error_read_bytes_gives(
    tmp_path: Path, content: bytes
) -> None:
    """`read_mapped` holds the same bytes as `read_bytes`, or raises the same error (empty,
    blank, over the size limit), so the SARIF reader's checks are unchanged."""
    path = tmp_path / "log.sarif"
    path.write_bytes(content)
    for limit in (1 << 20, 10):
        outcomes: list[object] = []
        for read in (_json.read_mapped, _json.read_bytes):
            try:
                outcomes.append(bytes(read(path, "log.sarif", limit)))
            except EvidenceError as exc:
                outcomes.append(str(exc))
        assert outcomes[0] == outcomes[1]


def test_pages_are_given_back_as_the_results_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the buffer given back one page at a time, a 3,000-result log (about 1 MB) reads
    exactly as the dict path reads it, and the pages behind the results were given back."""
    monkeypatch.setattr(structs.Pages, "STEP", 4096)
    path = tmp_path / "varied.sarif"
    path.write_text(json.dumps(_varied(3000)))
    log = structs.decode(_json.read_mapped(path, path.name, 1 << 30))
    assert log is not None
    results = log["runs"][0]["results"]
    fast = read_decoded(log, path.name, SarifParams())
    assert fast == read_decoded(
        load_json(path, path.name, unique_keys=False), path.name, SarifParams()
    )
    assert results.pages.given > path.stat().st_size // 2


@pytest.mark.skipif(sys.platform != "linux", reason="Linux gives back anonymous pages as zeros")
def test_a_page_given_back_and_read_again_is_refused_never_misread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Results read a second time after their pages were given back read as zero bytes,
    which JSON never accepts: the decoding is refused (the dict path would read the log)."""
    monkeypatch.setattr(structs.Pages, "STEP", 4096)
    path = tmp_path / "varied.sarif"
    path.write_text(json.dumps(_varied(300)))
    log = structs.decode(_json.read_mapped(path, path.name, 1 << 30))
    assert log is not None
    results = log["runs"][0]["results"]
    assert len(list(results)) == 300
    with pytest.raises(structs.Refused):
        list(results)


def test_a_run_of_results_that_are_not_plain_stops_the_plain_tries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After `TRIES` results in a row that are not plain (here 2), the rest of the run is
    decoded as Result dicts straight away: the findings are the same all the same."""
    monkeypatch.setattr(structs.Results, "TRIES", 2)
    path = tmp_path / "varied.sarif"
    path.write_text(json.dumps(_varied(3000)))
    fast, slow = _both(path)
    assert not isinstance(fast, str), fast
    assert fast == slow
