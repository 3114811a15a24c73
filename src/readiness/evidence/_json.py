"""Safe, size-capped JSON loading for scanner evidence, and shape checks with located errors.

Every problem becomes an `EvidenceError` naming the file (and the line, when the JSON parser
knows it): a missing or empty file, truncated or invalid JSON, NaN/Infinity, nesting deep enough
to exhaust the parser, an oversized file, or a value of the wrong shape (`runs must be a list
(got a string)`). Scanner outputs are parsed whole with the C parser (`json.loads`): it is the
fastest way to read them, and every format here needs the whole document anyway.

Duplicate object keys are refused (`duplicate key "results"`): with last-wins, a second empty
`"results": []` would hide every finding of the first. Values quoted in error messages are
shortened to MAX_QUOTE characters, and redacted altogether by a `Shape` made for a
secret-bearing document (gitleaks, Trivy secrets), so an error never echoes a secret.
"""

from __future__ import annotations

import gc
import io
import json
import mmap
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

from readiness.errors import EvidenceError

# A 1 GiB JSON document already needs several GiB of memory once parsed; refuse larger ones.
MAX_JSON_BYTES = 1024**3
MAX_QUOTE = 60  # characters of an evidence value an error message may quote
MAX_INT = 2**53  # counts and line numbers above this do not fit (nor in a JSON double)


class _DuplicateKey(ValueError):
    """Raised by the object hook of `load_json` for a key seen twice in one object."""


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                name = json.dumps(key, ensure_ascii=False)
                if len(name) > MAX_QUOTE:
                    name = name[: MAX_QUOTE - 2] + '…"'
                raise _DuplicateKey(f"duplicate key {name}")
            seen.add(key)
    return out


def quote(value: object) -> str:
    """`repr(value)`, shortened to MAX_QUOTE characters for an error message."""
    text = repr(value)
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 2] + "…" + text[0]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a big document is parsed and walked.

    Parsing a 200,000-result SARIF log allocates millions of containers; each allocation burst
    triggers collections that traverse the whole (acyclic) tree again, which costs more than the
    parse itself. The collector is re-enabled on the way out, even on error, unless it was
    already disabled by the caller.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON (non-standard constant)")


def _read_capped(fh: BinaryIO, max_bytes: int) -> bytes:
    """Read a file whose size is not known in advance (a pipe), one byte past the limit at most."""
    chunks: list[bytes] = []
    total = 0
    while total <= max_bytes:
        chunk = fh.read(min(1 << 20, max_bytes + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def kind_of(value: object) -> str:
    """The JSON name of a Python value's type, for error messages: `a string`, `an array`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__  # pragma: no cover - json.loads builds no other types


def load_json(
    path: Path, display: str, *, max_bytes: int | None = None, unique_keys: bool = True
) -> Any:
    """Parse one JSON evidence file; EvidenceError (with the file and line) for any problem.

    `max_bytes` defaults to MAX_JSON_BYTES (read at call time). With `unique_keys` (the
    default) an object holding a key twice is an error naming the key.
    """
    data = read_bytes(path, display, MAX_JSON_BYTES if max_bytes is None else max_bytes)
    try:
        if unique_keys:
            return json.loads(
                data, parse_constant=_reject_constant, object_pairs_hook=_unique_object
            )
        return json.loads(data, parse_constant=_reject_constant)
    except _DuplicateKey as exc:
        raise EvidenceError(f"invalid JSON: {exc}", path=display) from None
    except json.JSONDecodeError as exc:
        end = len(exc.doc.rstrip())
        what = "truncated JSON" if exc.pos >= end else "invalid JSON"
        raise EvidenceError(
            f"{what}: {exc.msg} (column {exc.colno})", path=display, line=exc.lineno
        ) from None
    except UnicodeDecodeError as exc:
        raise EvidenceError(f"not UTF-8 text ({exc.reason})", path=display) from None
    except RecursionError:
        raise EvidenceError("invalid JSON: nested too deeply to parse", path=display) from None
    except ValueError as exc:  # NaN/Infinity, integers over Python's digit limit
        raise EvidenceError(f"invalid JSON: {exc}", path=display) from None


def read_bytes(path: Path, display: str, max_bytes: int) -> bytes:
    """The file's bytes, refused above `max_bytes` (also when it grows while read) or empty."""
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > max_bytes:
                raise EvidenceError(
                    f"{size} bytes exceeds the {max_bytes}-byte limit for JSON evidence",
                    path=display,
                )
            data = fh.read(size + 1) if size else _read_capped(fh, max_bytes)
    except OSError as exc:
        raise EvidenceError(f"cannot read ({exc.strerror or exc})", path=display) from None
    if len(data) > max_bytes:
        raise EvidenceError(
            f"file exceeds the {max_bytes}-byte limit for JSON evidence", path=display
        )
    if not data or data.isspace():
        raise EvidenceError("empty file: the tool wrote no output", path=display)
    return data


_PRIVATE: int | None = getattr(mmap, "MAP_PRIVATE", None)  # None on Windows: read_bytes there
_TEXT = re.compile(rb"[^ \t\n\r\x0b\x0c]")  # a byte that bytes.isspace() does not skip


def read_mapped(path: Path, display: str, max_bytes: int) -> bytes | mmap.mmap:
    """`read_bytes`, but a regular file's bytes go into anonymous memory (an `mmap`) whose
    pages a reader that is done with them may give back with `madvise`, so a big file need
    not stay whole in memory while what was read from it grows. Anything but a regular file
    read whole at the size it had when opened (a pipe, a file growing or shrinking, an empty
    or blank one, one over the limit, one that cannot be read) is `read_bytes`'s: the same
    bytes or the same error."""
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if 0 < size <= max_bytes and _PRIVATE is not None:
                buf = mmap.mmap(-1, size, flags=_PRIVATE)  # private: given back for good
                got = _read_into(fh, buf, size)
                if got == size and not fh.read(1) and _TEXT.search(buf):
                    return buf
                buf.close()
    except OSError:
        pass  # read_bytes says what it is
    return read_bytes(path, display, max_bytes)


def _read_into(fh: io.BufferedReader, buf: mmap.mmap, size: int) -> int:
    """Fill `buf` from `fh`; the number of bytes read (less than `size` if the file shrank)."""
    got = 0
    with memoryview(buf) as view:
        while got < size:
            n = fh.readinto(view[got:])
            if not n:
                break
            got += n
    return got


class Shape:
    """Shape checks for one file's parsed JSON; every failure names the file and the JSON path."""

    __slots__ = ("display", "secret")

    def __init__(self, display: str, *, secret: bool = False) -> None:
        self.display = display
        self.secret = secret  # a secret-bearing document: quoted values are redacted

    def quote(self, value: object) -> str:
        """A value for an error message: redacted in a secret-bearing document, else shortened."""
        if self.secret and value is not None and not isinstance(value, bool):
            return f"<{kind_of(value)}, redacted>"
        return quote(value)

    def fail(self, message: str) -> NoReturn:
        """Raise the EvidenceError for this file."""
        raise EvidenceError(message, path=self.display)

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        """`value` if it is a JSON object, else an error `<where> is not an object`."""
        if not isinstance(value, dict):
            self.fail(f"{where} must be an object (got {kind_of(value)})")
        return value

    def arr(self, value: Any, where: str) -> list[Any]:
        """`value` if it is a JSON array, else an error `<where> must be a list`."""
        if not isinstance(value, list):
            self.fail(f"{where} must be a list (got {kind_of(value)})")
        return value

    def opt_arr(self, parent: dict[str, Any], key: str, where: str) -> list[Any]:
        """`parent[key]` as a list; absent or null is an empty list (tools omit empty arrays)."""
        value = parent.get(key)
        if value is None:
            return []
        return self.arr(value, f"{where}.{key}" if where else key)

    def opt_obj(self, parent: dict[str, Any], key: str, where: str) -> dict[str, Any]:
        """`parent[key]` as an object; absent or null is an empty object."""
        value = parent.get(key)
        if value is None:
            return {}
        return self.obj(value, f"{where}.{key}" if where else key)

    def string(self, parent: dict[str, Any], key: str, where: str) -> str:
        """`parent[key]`, a required non-empty string."""
        value = parent.get(key)
        if not isinstance(value, str) or not value:
            got = "missing" if key not in parent else kind_of(value)
            if isinstance(value, str):
                got = "empty"
            self.fail(f"{where}.{key} must be a non-empty string (got {got})")
        return value

    def opt_str(self, parent: dict[str, Any], key: str, where: str) -> str:
        """`parent[key]` as a string; absent or null is ""."""
        value = parent.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.fail(f"{where}.{key} must be a string (got {kind_of(value)})")
        return value

    def opt_int(self, parent: dict[str, Any], key: str, where: str) -> int | None:
        """`parent[key]` as a non-negative integer up to MAX_INT, or None when absent or null."""
        value = parent.get(key)
        if value is None:
            return None
        if type(value) is not int or value < 0:
            self.fail(f"{where}.{key} must be a non-negative integer (got {self.quote(value)})")
        if value > MAX_INT:
            self.fail(f"{where}.{key} is out of range (more than {MAX_INT})")
        return value

    def str_list(self, parent: dict[str, Any], key: str, where: str) -> list[str]:
        """`parent[key]` as a list of strings; absent or null is an empty list."""
        items = self.opt_arr(parent, key, where)
        for i, item in enumerate(items):
            if not isinstance(item, str):
                self.fail(f"{where}.{key}[{i}] must be a string (got {kind_of(item)})")
        return items
