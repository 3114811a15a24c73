"""Metric names hold evidence text (endpoint names, tool counts) inside `["..."]`: every name is
reachable by a glob and by its exact, quoted spelling, whatever characters it holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from readiness.evidence.locust import LocustAdapter, LocustParams
from readiness.evidence.records import Evidence, LoadStats
from readiness.metrics import MetricTable, normalize, pattern_of, quote_name

BASE = 1_764_072_000


def _entry(name: str, ms: int) -> dict[str, object]:
    return {
        "name": name,
        "method": "GET",
        "num_requests": 100,
        "num_none_requests": 0,
        "num_failures": 0,
        "total_response_time": 100.0 * ms,
        "min_response_time": float(ms),
        "max_response_time": float(ms),
        "total_content_length": 0,
        "start_time": BASE + 0.5,
        "last_request_timestamp": BASE + 9.5,
        "response_times": {str(ms): 100},
        "num_reqs_per_sec": {str(BASE + s): 10 for s in range(10)},
        "num_fail_per_sec": {},
    }


def _table(tmp_path: Path, entries: list[dict[str, object]]) -> MetricTable:
    """The metrics of a real Locust JSON file holding `entries`."""
    path = tmp_path / "run.json"
    path.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    stats = LocustAdapter().read([path], {path: path.name}, LocustParams())
    assert isinstance(stats, LoadStats)
    return MetricTable.build({"load": Evidence("load", "locust", "ok", record=stats)})


def test_a_slow_endpoint_whose_name_has_a_quote_is_seen_by_the_glob(tmp_path: Path) -> None:
    """`requests["*"].p99` over a 9 ms endpoint and a 900 ms one named `/q"x`: both match, so
    the 900 ms one decides (it used to drop out and let the 9 ms one pass)."""
    table = _table(tmp_path, [_entry("/ok", 9), _entry('/q"x', 900)])
    found = table.resolve('load.requests["*"].p99')
    assert sorted(m.value for m in found) == [9.0, 900.0]
    assert table.resolve('load.requests["GET /q\\"x"].p99')[0].value == 900.0


def test_an_endpoint_named_like_the_glob_does_not_hide_the_others(tmp_path: Path) -> None:
    """An entry with no method named `*` (1 ms) beside a 900 ms one: `requests["*"]` still
    matches both, not only the one whose name equals the glob."""
    star = _entry("*", 1)
    star["method"] = ""
    table = _table(tmp_path, [star, _entry("/slow", 900)])
    assert sorted(m.value for m in table.resolve('load.requests["*"].p99')) == [1.0, 900.0]


NAMES = [
    'say "hi"',
    "a]b",
    "a[1]",
    "x[*]",
    "back\\slash",
    "trailing\\",
    '\\"',
    "v1.2/p99.9",
    "star*glob?",
    "ordres/café/東京",
    "two\nlines",
    "it's",
    "",
    " padded ",
]


@pytest.mark.parametrize("name", NAMES)
def test_every_endpoint_name_is_reachable_by_glob_and_by_its_exact_name(
    tmp_path: Path, name: str
) -> None:
    """An endpoint named with quotes, brackets, backslashes, dots, glob characters, non-ASCII
    or a newline is matched by `["*"]` and by `["GET *"]`, and found by its quoted name."""
    table = _table(tmp_path, [_entry("/plain", 5), _entry(name, 700)])
    key = f"GET {name}"
    for ref in ('load.requests["*"].p99', 'load.requests["GET *"].p99'):
        assert sorted(m.value for m in table.resolve(ref)) == [5.0, 700.0], ref
    exact = table.resolve(f"load.requests[{quote_name(key)}].p99")
    assert [m.value for m in exact] == [700.0]
    assert exact[0].key == f"requests[{quote_name(key)}].p99"
    if "'" not in key and "\n" not in key:
        assert [m.value for m in table.resolve(f"load.requests['{key}'].p99")] == [700.0]


def test_the_quoting_is_backslash_escapes_in_double_quotes() -> None:
    """Inside `["..."]`, `\\` and `"` are written `\\\\` and `\\"`; a backslash before any
    other character is itself; single quotes and bare names are literal; all normalize to
    the double-quoted spelling, and every bracket counts as `[*]` in the catalogue."""
    assert quote_name('a"b\\c') == '"a\\"b\\\\c"'
    assert normalize('requests["a\\"b\\\\c"].p99') == 'requests["a\\"b\\\\c"].p99'
    assert normalize('requests["C:\\dir"].p99') == 'requests["C:\\\\dir"].p99'
    assert normalize("requests['say \"hi\"'].p99") == 'requests["say \\"hi\\""].p99'
    assert normalize("requests[GET /a].p99") == 'requests["GET /a"].p99'
    assert normalize('extra["nosec"]') == 'extra["nosec"]'
    assert pattern_of('requests["a]\\"[b"].p99') == "requests[*].p99"
