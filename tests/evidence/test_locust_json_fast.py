"""The Locust `--json-file` reader's two readings give one answer: a big file is decoded by
msgspec and proved free of duplicate keys by counting its `:`; anything that reading does not
plainly accept is read again by the stdlib parser, which locates every error. Every case is a
real file, read both ways (the fast reading forced with `FAST_BYTES = 0`, the stdlib one
alone with a threshold no file reaches), and the two outcomes must be equal to the letter."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import helpers
from readiness.errors import EvidenceError
from readiness.evidence.locust import json as ljson
from readiness.evidence.locust.json import aggregate_json, read_json

STALE = helpers.FIXTURES / "locust" / "stale" / "run.json.json"
TEXT = STALE.read_text()


def _outcome(path: Path) -> tuple[str, Any]:
    """What read_json gives: the entries (their fields and the order of every dict), or the
    error's message."""
    try:
        entries = read_json(path, path.name)
    except EvidenceError as exc:
        return "error", str(exc)
    return "ok", [
        (key, repr(e), list(e.response_times), list(e.per_second), list(e.fail_per_second))
        for key, e in entries.items()
    ]


def _both(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[tuple[str, Any], tuple[str, Any]]:
    """(stdlib reading, fast reading) of `path`."""
    monkeypatch.setattr(ljson, "FAST_BYTES", 1 << 62)
    slow = _outcome(path)
    monkeypatch.setattr(ljson, "FAST_BYTES", 0)
    return slow, _outcome(path)


def _first_entry_dump() -> str:
    return json.dumps(json.loads(TEXT)[0])


ENTRY = _first_entry_dump()  # one line: the entry starts on line 2 of "[\n" + ENTRY + "\n]"


def _entry_with(old: str, new: str) -> str:
    assert old in ENTRY, old
    return "[\n" + ENTRY.replace(old, new, 1) + "\n]\n"


CASES: dict[str, str | bytes] = {
    "the fixture, indented as Locust writes it": TEXT,
    "a second num_failures": _entry_with(
        '"num_failures": 30', '"num_failures": 30, "num_failures": 0'
    ),
    "a repeated response_times bucket": _entry_with('"1": 380', '"1": 380, "1": 0'),
    "a repeated second": _entry_with('"1764072002": 13', '"1764072002": 13, "1764072002": 0'),
    "one second as 01 and 1": _entry_with('"1764072002": 13', '"1764072002": 13, "01764072002": 2'),
    "one second as -0 and 0": _entry_with('"1764072002": 13', '"1764072002": 13, "-0": 2'),
    "a second written with an escape": _entry_with('"1764072002": 13', '"\\u00317640720020": 13'),
    "a repeated second, once escaped": _entry_with(
        '"1764072002": 13', '"1764072002": 13, "\\u0031764072002": 0'
    ),
    "a colon escaped in the name beside a repeated key": _entry_with(
        '"name": "/orders"', '"name": "/orders", "name": "/a\\u003ab"'
    ),
    "colons in the name beside a repeated second": _entry_with(
        '"name": "/orders", "method": "POST"',
        '"name": "/or:de:rs", "method": "POST"',
    ).replace('"1764072002": 13', '"1764072002": 13, "1764072002": 0'),
    "colons in strings only": _entry_with('"name": "/orders"', '"name": "/o:r:d:e:r:s"'),
    "a float second": _entry_with('"1764072002": 13', '"1764072002.0": 13'),
    "a count written as a float": _entry_with('"1764072002": 13', '"1764072002": 13.0'),
    "a boolean count": _entry_with('"1764072002": 13', '"1764072002": true'),
    "a negative count": _entry_with('"1764072002": 13', '"1764072002": -13'),
    "a second out of range": _entry_with('"1764072002": 13', '"17640720020000": 13'),
    "a huge count": _entry_with('"1764072002": 13', '"1764072002": ' + "9" * 30),
    "a 5000-digit count": _entry_with('"num_requests": 400', '"num_requests": ' + "9" * 5000),
    "a 400-digit time": _entry_with('"start_time": 1764072001.02', '"start_time": 1' + "0" * 400),
    "an unread field of 1e400": _entry_with(
        '"total_content_length": 60000', '"total_content_length": 1e400'
    ),
    "an unread field of 10**25": _entry_with(
        '"total_content_length": 60000', '"total_content_length": 1' + "0" * 25
    ),
    "NaN": _entry_with('"max_response_time": 40.4', '"max_response_time": NaN'),
    "Infinity": _entry_with('"max_response_time": 40.4', '"max_response_time": Infinity'),
    "a boolean where a count belongs": _entry_with('"num_requests": 400', '"num_requests": true'),
    "a string where a number belongs": _entry_with(
        '"total_response_time": 702.28', '"total_response_time": "fast"'
    ),
    "an unknown field holding a repeated key": _entry_with(
        '"num_failures": 30', '"num_failures": 30, "extra": {"a": 1, "a": 2}'
    ),
    "an unknown field holding a list": _entry_with(
        '"num_failures": 30', '"num_failures": 30, "x": [1]'
    ),
    "a deep unknown field": _entry_with(
        '"num_failures": 30', '"num_failures": 30, "x": ' + "[" * 100_000 + "]" * 100_000
    ),
    "nested 100,000 deep": "[" + '{"a":' * 100_000 + "1" + "}" * 100_000 + "]",
    "a non-ASCII name": _entry_with('"name": "/orders"', '"name": "/ordres-\u00e9t\u00e9"'),
    "a name with an escaped surrogate pair": _entry_with(
        '"name": "/orders"', '"name": "/\\ud83d\\ude00"'
    ),
    "a name with a lone surrogate": _entry_with('"name": "/orders"', '"name": "/\\ud800"'),
    "a control character in the name": _entry_with('"name": "/orders"', '"name": "/or\u0001ders"'),
    "a tab in the name": _entry_with('"name": "/orders"', '"name": "/or\tders"'),
    "a byte-order mark": "\ufeff" + TEXT,
    "invalid UTF-8": _entry_with('"name": "/orders"', '"name": "/or\udcffders"'),
    "a form feed between entries": TEXT.replace("},", "},\f", 1),
    "a trailing comma": TEXT.rstrip().removesuffix("]") + ",]",
    "extra data": TEXT + " []",
    "truncated": TEXT[: len(TEXT) // 2],
    "an object, not an array": '{"stats": []}',
    "an entry that is not an object": "[\n1\n]",
    "an empty array": "[]",
    "an entry twice": "[\n" + ENTRY + ",\n" + ENTRY + "\n]",
    "missing per-second counts": _entry_with('"num_fail_per_sec": {', '"other": {'),
    "per-second counts that are not an object": _entry_with(
        '"num_fail_per_sec": {', '"num_fail_per_sec": [], "x": {'
    ),
    "a repeated key in the array's second entry": "[\n"
    + ENTRY
    + ",\n"
    + json.dumps(json.loads(TEXT)[1]).replace(
        '"num_failures": ', '"num_failures": 0, "num_failures": '
    )
    + "\n]",
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_fast_reading_gives_what_the_stdlib_one_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    text = CASES[name]
    path = tmp_path / "run.json"
    if isinstance(text, str):
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
    slow, fast = _both(path, monkeypatch)
    assert fast == slow


def test_repeated_keys_are_located_errors_on_the_fast_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A repeated second in a per-second object, a repeated field, a repeated second written
    once with an escape: each the stdlib reading's located error, whichever reading ran."""
    monkeypatch.setattr(ljson, "FAST_BYTES", 0)
    path = tmp_path / "run.json"
    for old, new, key in [
        ('"1764072002": 13', '"1764072002": 13, "1764072002": 0', "1764072002"),
        ('"num_failures": 30', '"num_failures": 30, "num_failures": 0', "num_failures"),
        ('"1764072002": 13', '"1764072002": 13, "\\u0031764072002": 0', "1764072002"),
    ]:
        path.write_text(_entry_with(old, new))
        with pytest.raises(EvidenceError, match=rf'run\.json:2: duplicate key "{key}"'):
            read_json(path, "run.json")


def test_one_second_written_twice_is_summed_on_either_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seconds "01764072002" and "1764072002" are one, not a repeated key: counts summed."""
    monkeypatch.setattr(ljson, "FAST_BYTES", 0)
    path = tmp_path / "run.json"
    path.write_text(_entry_with('"1764072002": 13', '"1764072002": 13, "01764072002": 2'))
    (entry,) = read_json(path, "run.json").values()
    assert entry.per_second[1764072002] == 15


def _soak(seconds: int, endpoints: int) -> list[dict[str, Any]]:
    """A soak's --json-file entries: `endpoints` request names over `seconds` seconds."""
    out = []
    for k in range(endpoints):
        per_second = {str(1795000001 + s): 2 + (s * 7 + k) % 5 for s in range(seconds)}
        requests = sum(per_second.values())
        out.append(
            {
                "name": f"/api/{k}:{k}",
                "method": "GET",
                "last_request_timestamp": 1795000000.0 + seconds - 0.5,
                "start_time": 1795000000.0,
                "num_requests": requests,
                "num_none_requests": 0,
                "num_failures": k,
                "total_response_time": 3.5 * requests,
                "max_response_time": 9.0,
                "min_response_time": 1.0,
                "total_content_length": 100 * requests,
                "response_times": {"3": requests - 1, "9": 1},
                "num_reqs_per_sec": per_second,
                "num_fail_per_sec": {"1795000002": k} if k else {},
            }
        )
    return out


def test_a_big_file_takes_the_fast_reading_and_reads_as_the_stdlib_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over FAST_BYTES a soak's file is read by msgspec (its entries, histograms and their
    order as the stdlib reading gives them) and its aggregate is the same."""
    path = tmp_path / "run.json"
    path.write_text(json.dumps(_soak(20_000, 4)))
    assert path.stat().st_size > ljson.FAST_BYTES
    assert ljson._fast_values(path.read_bytes()) is not None
    fast = read_json(path, "run.json")
    monkeypatch.setattr(ljson, "FAST_BYTES", 1 << 62)
    slow = read_json(path, "run.json")
    assert fast == slow
    assert [list(e.per_second) for e in fast.values()] == [
        list(e.per_second) for e in slow.values()
    ]
    assert aggregate_json(fast) == aggregate_json(slow)
    assert aggregate_json(fast).per_second[1795000001] == 2 + 3 + 4 + 5
