"""Locust's `--json-file` output: the array of stats entries, each read with the line it
starts on and checked, its percentiles recomputed from the `response_times` buckets exactly as
Locust does; and the Aggregated entry, rebuilt from the endpoints' (the file has none).

A soak's file is big (16 MB for 24 endpoints over 11 hours: 40,000 per-second counts an
endpoint), so from `FAST_BYTES` on it is first decoded by msgspec, the per-second objects
straight into `{second: count}` dicts, and proved free of duplicate keys by counting (see
`_fast_values`). Anything that reading does not accept plainly (a duplicate key, an escape,
a float where a count belongs, any check failing) is read again by the stdlib parser below,
which refuses duplicate keys as it goes and locates every error by its line: the fast reading
only ever returns what the stdlib one would.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from operator import add
from pathlib import Path
from typing import Any, NoReturn

from readiness.errors import EvidenceError
from readiness.evidence._json import kind_of
from readiness.evidence.locust.common import (
    AGGREGATED,
    MAX_COUNT,
    MAX_NUMBER,
    PERCENTILES,
    Entry,
    calculate_response_time_percentile,
    check_size,
    fail,
    shown,
)

_WS = re.compile(r"[ \t\r\n]*")
FAST_BYTES = 1 << 20  # 1 MiB: below it the stdlib parser is as fast as importing msgspec
_HISTOGRAMS = frozenset({"response_times", "num_reqs_per_sec", "num_fail_per_sec"})


class _DuplicateKey(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object's members; a repeated key is refused (last-wins would let a second
    `"num_failures": 0` hide the first)."""
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return out


def _json_entries(text: str, display: str) -> list[tuple[int | None, Any]]:
    """The top-level array's elements with the line each starts on."""
    decoder = json.JSONDecoder(parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    end = len(text)
    i = _ws(text, 0)
    if i >= end:
        raise fail("empty file", display)
    if text[i] != "[":
        raise fail(
            "expected a JSON array of Locust stats entries (the --json-file output)",
            display,
            _line_at(text, i),
        )
    out: list[tuple[int | None, Any]] = []
    i = _ws(text, i + 1)
    line, counted = 1, 0
    if i < end and text[i] == "]":
        i += 1
    else:
        while True:
            if i >= end:
                raise fail("truncated JSON: the array is not closed", display, _line_at(text, end))
            line += text.count("\n", counted, i)
            counted = i
            value, i = _decode_one(decoder, text, i, display, line)
            out.append((line, value))
            i = _ws(text, i)
            if i < end and text[i] == ",":
                i = _ws(text, i + 1)
                continue
            if i < end and text[i] == "]":
                i += 1
                break
            _bad_separator(text, i, display)
    if _ws(text, i) != end:
        raise fail(
            "invalid JSON: extra data after the array", display, _line_at(text, _ws(text, i))
        )
    return out


def _read_bytes(path: Path, display: str) -> bytes:
    """The file's bytes, size-checked."""
    check_size(path, display)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read ({exc.strerror})", display) from None


def _text(data: bytes, display: str) -> str:
    """The file as UTF-8 text (BOM tolerated)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(f"not UTF-8 text ({exc.reason})", display) from None


def _fast_values(data: bytes) -> list[dict[str, Any]] | None:
    """The array's entries as the stdlib reading gives them (the histograms already
    `{int: int}`), decoded by msgspec; None for anything that reading might not give the same
    way, which the stdlib reading then reads and, if wrong, words and locates.

    msgspec keeps the last of two equal keys silently, so they are found by counting. In
    valid JSON every `:` outside a string separates one member of an object: the file's `:`
    number its members plus the `:` inside its strings. With no backslash in the file (no
    escape: a string's text is its value) the decoded entries must account for every one:
    each object's length, and the `:` of its keys and string values (a histogram's integer
    keys hold none). An object that lost a member to a repeated key ("7" twice), or two keys
    read as one second ("7" and "-0"... the stdlib reading sums those; msgspec refuses "07"),
    falls short, and the file goes to the stdlib reading. Entry values other than the three
    histograms must be scalars: anything nested is left to the stdlib reading (and its depth
    guard), as are numbers msgspec refuses (NaN, 1e400, over 4,300 digits)."""
    if b"\\" in data:
        return None
    import msgspec

    counts = msgspec.json.Decoder(dict[int, int])
    members = 0
    out: list[dict[str, Any]] = []
    try:
        for raw_entry in msgspec.json.decode(data, type=list[dict[str, msgspec.Raw]]):
            entry: dict[str, Any] = {}
            for key, raw in raw_entry.items():
                members += 1 + key.count(":")
                if key in _HISTOGRAMS:
                    value: Any = counts.decode(raw)
                    members += len(value)
                else:
                    value = msgspec.json.decode(raw)
                    if isinstance(value, str):
                        members += value.count(":")
                    elif value is not None and not isinstance(value, int | float):
                        return None
                entry[key] = value
            out.append(entry)
    except (msgspec.MsgspecError, ValueError, RecursionError):
        return None
    return out if data.count(b":") == members else None


def _ws(text: str, i: int) -> int:
    """The index of the first non-blank character at or after `i`."""
    match = _WS.match(text, i)
    return match.end() if match else i


def _line_at(text: str, i: int) -> int:
    return text.count("\n", 0, i) + 1


def _decode_one(
    decoder: json.JSONDecoder, text: str, i: int, display: str, line: int
) -> tuple[Any, int]:
    """The JSON value starting at `i` and the index after it; any problem is located."""
    try:
        return decoder.raw_decode(text, i)
    except json.JSONDecodeError as exc:
        raise fail(f"invalid JSON: {exc.msg}", display, exc.lineno) from None
    except _DuplicateKey as exc:
        raise fail(
            f'duplicate key "{shown(str(exc))}" (a second value would silently replace the first)',
            display,
            line,
        ) from None
    except RecursionError:
        # The depth guard: Locust's entries nest three deep (array > entry >
        # response_times); the C parser counts its nesting against the recursion
        # limit and stops a hostile file (100,000 deep) there, in linear time.
        raise fail(
            "invalid JSON: nested deeper than the parser allows (Locust's entries nest three deep)",
            display,
            line,
        ) from None
    except ValueError as exc:  # NaN / Infinity, integers over Python's digit limit
        raise fail(f"invalid JSON: {exc}", display, line) from None


def _bad_separator(text: str, i: int, display: str) -> NoReturn:
    """After an entry, neither ',' nor ']': a truncated or invalid array."""
    if i >= len(text):
        raise fail("truncated JSON: the array is not closed", display, _line_at(text, len(text)))
    raise fail("invalid JSON: expected ',' or ']'", display, _line_at(text, i))


class _JsonEntry:
    """Typed access to one JSON stats entry, with errors naming the file, line and field."""

    def __init__(
        self,
        value: Any,
        display: str,
        line: int | None,
        index: int,
        *,
        typed: bool = False,
        unsigned: bool = False,
    ) -> None:
        """`typed`: the histograms are `{int: int}` already (msgspec's reading); `unsigned`:
        and the file has no "-", so no number in it is negative."""
        if not isinstance(value, dict):
            raise fail(f"entry {index} is not an object", display, line)
        self.value = value
        self.typed, self.unsigned = typed, unsigned
        self.display = display
        self.line = line
        name = value.get("name")
        self.where = f"entry {index}" + (f' ("{name}")' if isinstance(name, str) else "")

    def _bad(self, key: str, expected: str) -> EvidenceError:
        got = self.value.get(key, "<missing>")
        text = shown(repr(got)) if isinstance(got, str | int | float | None) else kind_of(got)
        return fail(f"{self.where}: {key} is {text}, expected {expected}", self.display, self.line)

    def text(self, key: str, *, optional: bool = False) -> str:
        value = self.value.get(key)
        if value is None and optional:
            return ""
        if not isinstance(value, str):
            raise self._bad(key, "a string")
        return value

    def count(self, key: str, *, default: int | None = None) -> int:
        value = self.value.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
            raise self._bad(key, f"a non-negative integer up to {MAX_COUNT:.0e}")
        return value

    def number(self, key: str, *, optional: bool = False) -> float | None:
        value = self.value.get(key)
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._bad(key, "a number")
        if not 0 <= value <= MAX_NUMBER:  # also NaN; compared as int: no overflow
            raise self._bad(key, f"a number from 0 to {MAX_NUMBER:.0e}")
        return float(value)

    def histogram(self, key: str) -> dict[int, int]:
        value = self.value.get(key)
        if not isinstance(value, dict):
            raise self._bad(key, "an object of {number: count}")
        if self.typed:
            return self._typed_histogram(key, value)
        fast = _plain_histogram(value)
        if fast is not None:
            return fast
        out: dict[int, int] = {}
        for k, n in value.items():
            try:
                bucket = int(k)
            except ValueError:
                try:
                    number = float(k)
                except ValueError:
                    number = math.nan
                if not math.isfinite(number) or not number.is_integer():
                    raise fail(
                        f"{self.where}: {key} has a non-integer key {shown(repr(k))}",
                        self.display,
                        self.line,
                    ) from None
                bucket = int(number)
            if not 0 <= bucket <= MAX_NUMBER:
                raise fail(
                    f"{self.where}: {key} has a key {shown(repr(k))} out of range "
                    f"(0 to {MAX_NUMBER:.0e})",
                    self.display,
                    self.line,
                )
            if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_COUNT:
                got = shown(repr(n)) if isinstance(n, str | int | float | None) else kind_of(n)
                raise fail(
                    f"{self.where}: {key}[{shown(repr(k))}] is {got}, expected a count from 0 "
                    f"to {MAX_COUNT:.0e}",
                    self.display,
                    self.line,
                )
            out[bucket] = out.get(bucket, 0) + n
        return out

    def _typed_histogram(self, key: str, value: dict[int, int]) -> dict[int, int]:
        """msgspec's `{int: int}`, range-checked in C (from above only, in a file without a
        "-"); out of range, an (unlocated) error that sends the file to the stdlib reading,
        which words and locates it."""
        if value and (
            max(value) > MAX_NUMBER
            or max(value.values()) > MAX_COUNT
            or (not self.unsigned and (min(value) < 0 or min(value.values()) < 0))
        ):
            raise fail(f"{self.where}: {key} has a key or count out of range", self.display)
        return value


def _plain_histogram(value: dict[str, Any]) -> dict[int, int] | None:
    """The histogram when every key is an integer and every count an int, all in range, and
    no two keys name one bucket ("7" and "07"): what `_JsonEntry.histogram`'s loop returns,
    checked a column at a time in C (a soak's per-second counts are 40,000 keys an entry).
    None for anything else: the loop then sums, converts or locates the problem."""
    if not value:
        return {}
    counts = list(value.values())
    if set(map(type, counts)) != {int} or min(counts) < 0 or max(counts) > MAX_COUNT:
        return None
    try:
        buckets = list(map(int, value))
    except ValueError:
        return None
    if min(buckets) < 0 or max(buckets) > MAX_NUMBER:
        return None
    out = dict(zip(buckets, counts, strict=True))
    return out if len(out) == len(counts) else None


def read_json(path: Path, display: str) -> dict[str, Entry]:
    """The file's entries by key, checked (see the module's docstring)."""
    data = _read_bytes(path, display)
    if len(data) >= FAST_BYTES:
        values = _fast_values(data)
        if values is not None:
            try:
                unsigned = b"-" not in data
                return _entries([(None, v) for v in values], display, unsigned=unsigned)
            except EvidenceError:
                pass  # read again below, where the error is worded and located
    return _entries(_json_entries(_text(data, display), display), display)


def _entries(
    values: list[tuple[int | None, Any]], display: str, *, unsigned: bool | None = None
) -> dict[str, Entry]:
    """The checked entries of the stdlib reading (`unsigned` None) or msgspec's (`unsigned`:
    whether the file has no "-")."""
    entries: dict[str, Entry] = {}
    for index, (line, value) in enumerate(values):
        typed = unsigned is not None
        e = _JsonEntry(value, display, line, index, typed=typed, unsigned=bool(unsigned))
        requests = e.count("num_requests")
        failures = e.count("num_failures")
        none_requests = e.count("num_none_requests", default=0)
        total_rt = e.number("total_response_time")
        response_times = e.histogram("response_times")
        entry = Entry(
            method=e.text("method", optional=True),
            name=e.text("name"),
            requests=requests,
            failures=failures,
            none_requests=none_requests,
            avg_ms=None,
            min_ms=e.number("min_response_time", optional=True),
            max_ms=e.number("max_response_time"),
            percentiles={},
            response_times=response_times,
            per_second=e.histogram("num_reqs_per_sec"),
            fail_per_second=e.histogram("num_fail_per_sec"),
            start=e.number("start_time"),
            last=e.number("last_request_timestamp", optional=True),
        )
        timed = requests - none_requests
        if failures > requests or none_requests > requests:
            raise fail(
                f"{e.where}: num_failures/num_none_requests exceed num_requests {requests}",
                display,
                line,
            )
        if sum(response_times.values()) != timed:
            raise fail(
                f"{e.where}: response_times hold {sum(response_times.values())} samples but "
                f"num_requests - num_none_requests is {timed}",
                display,
                line,
            )
        if timed:
            entry.avg_ms = (total_rt or 0.0) / timed
            entry.percentiles = {
                p: float(calculate_response_time_percentile(response_times, timed, q))
                for p, q in PERCENTILES
            }
        else:
            entry.min_ms = entry.max_ms = None
        if requests and entry.last is None:
            raise fail(f"{e.where}: requests but no last_request_timestamp", display, line)
        if entry.key in entries:
            raise fail(f'duplicate entry for "{entry.key}"', display, line)
        entries[entry.key] = entry
    return entries


def _summed(histograms: Iterable[dict[int, int]]) -> dict[int, int]:
    """The bucket-wise sum, keys in the order first seen. Histograms with the same keys in the
    same order (an endpoint's seconds are usually every other's) are added column by column in
    C: all of them at once when every one has the first's keys, else two at a time."""
    given = [h for h in histograms if h]
    if not given:
        return {}
    keys = list(given[0])
    if all(len(h) == len(keys) and list(h) == keys for h in given[1:]):
        columns = zip(*(h.values() for h in given), strict=True)
        return dict(zip(keys, map(sum, columns), strict=True))
    out: dict[int, int] = {}
    for histogram in given:
        if not out:
            out = dict(histogram)
        elif len(out) == len(histogram) and list(out) == list(histogram):
            out = dict(zip(out, map(add, out.values(), histogram.values()), strict=True))
        else:
            for k, n in histogram.items():
                out[k] = out.get(k, 0) + n
    return out


def aggregate_json(entries: dict[str, Entry]) -> Entry:
    """Locust's Aggregated entry, rebuilt: its totals are the sums of the endpoints'."""
    merged = _summed(e.response_times for e in entries.values())
    per_second = _summed(e.per_second for e in entries.values())
    fail_per_second = _summed(e.fail_per_second for e in entries.values())
    requests = sum(e.requests for e in entries.values())
    timed = requests - sum(e.none_requests for e in entries.values())
    total_rt = sum((e.avg_ms or 0.0) * (e.requests - e.none_requests) for e in entries.values())
    mins = [e.min_ms for e in entries.values() if e.min_ms is not None]
    maxs = [e.max_ms for e in entries.values() if e.max_ms is not None]
    starts = [e.start for e in entries.values() if e.start is not None]
    lasts = [e.last for e in entries.values() if e.last is not None]
    return Entry(
        method="",
        name=AGGREGATED,
        requests=requests,
        failures=sum(e.failures for e in entries.values()),
        none_requests=requests - timed,
        avg_ms=total_rt / timed if timed else None,
        min_ms=min(mins) if mins else None,
        max_ms=max(maxs) if maxs else None,
        percentiles={
            p: float(calculate_response_time_percentile(merged, timed, q)) for p, q in PERCENTILES
        }
        if timed
        else {},
        response_times=merged,
        per_second=per_second,
        fail_per_second=fail_per_second,
        start=min(starts) if starts else None,
        last=max(lasts) if lasts else None,
    )
