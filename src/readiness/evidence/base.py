"""The adapter contract: a Protocol, implemented once per evidence format.

No pydantic here: the options' models (`readiness.evidence.params`) are imported only to
validate options, so reading evidence with the defaults (`inspect`) stays light.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

from readiness.errors import EvidenceError
from readiness.evidence import digest

if TYPE_CHECKING:
    from pydantic import BaseModel

    from readiness.evidence.params import AdapterParams
    from readiness.evidence.records import Record

MAX_EVIDENCE_BYTES = digest.MAX_EVIDENCE_BYTES  # 2 GiB: above that a file is refused, not read

_CORES = {"spare": True}


def spare_cores(flag: bool | None = None) -> bool:
    """Whether a reader may use the machine's other cores for one file (a forked helper:
    `junit.split`); with `flag`, set it. Off in the parallel gather, whose processes keep
    those cores busy with other checks."""
    if flag is not None:
        _CORES["spare"] = flag
    return _CORES["spare"]


_Model = TypeVar("_Model", bound="BaseModel")


class LazyParams(Generic[_Model]):
    """A built-in adapter's `Params`, imported on first use from `module:Name`: an adapter
    class says `Params: LazyParams[JUnitParams] = LazyParams("readiness...params:JUnitParams")`
    and `adapter.Params` is the pydantic model class, imported then."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __get__(self, obj: object, owner: type | None = None) -> type[_Model]:
        module, _, name = self.target.partition(":")
        model: type[_Model] = getattr(importlib.import_module(module), name)
        return model


@dataclass(frozen=True)
class NoDefaults:
    """`NoParams()` without pydantic: the defaults of an adapter without options."""


@dataclass(frozen=True)
class Bound:
    """A number option's type and range as its pydantic field declares them (`ge`, `gt`,
    `le`): what `plain_options` needs to accept a plain value without pydantic. A test holds
    each built-in's bounds equal to its `Params` fields'."""

    type: type[int] | type[float]
    ge: float | None = None
    gt: float | None = None
    le: float | None = None

    def holds(self, value: float) -> bool:
        return (
            (self.ge is None or value >= self.ge)
            and (self.gt is None or value > self.gt)
            and (self.le is None or value <= self.le)
        )


# Plain decimal text, as `--option KEY=VALUE` gives it: no sign, exponent, underscore, space
# or leading zero, short enough that int() and float() read it exactly as pydantic does.
_PLAIN_INT = re.compile(r"(?:0|[1-9][0-9]{0,14})\Z")
_PLAIN_FLOAT = re.compile(r"(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,9})?\Z")


def plain_options(defaults: object, options: Mapping[str, object]) -> object | None:
    """The options of a built-in adapter without pydantic: its plain `defaults` with the
    given values, when every option is a number option (`defaults.BOUNDS`) named once, as
    text in plain decimal (`_PLAIN_INT`, `_PLAIN_FLOAT`) within its bounds. None otherwise:
    pydantic then decides, and words any error, as before. `inspect --option ramp-up=60`
    thus skips importing pydantic (about 0.08 s)."""
    bounds: Mapping[str, Bound] = getattr(defaults, "BOUNDS", {})
    values: dict[str, object] = {}
    for key, raw in options.items():
        name = key.replace("-", "_") if isinstance(key, str) and "_" not in key else key
        bound = bounds.get(name) if isinstance(name, str) else None
        if bound is None or name in values or not isinstance(raw, str):
            return None
        plain = _PLAIN_INT if bound.type is int else _PLAIN_FLOAT
        if not plain.match(raw):
            return None
        value = bound.type(raw)
        if not bound.holds(value):
            return None
        values[name] = value
    return replace(defaults, **values)  # type: ignore[type-var]  # a dataclass instance


def __getattr__(name: str) -> type[AdapterParams]:
    """`AdapterParams` and `NoParams`, where plugins found them before they moved to
    `readiness.evidence.params` (imported only when asked for: PEP 562)."""
    if name in ("AdapterParams", "NoParams"):
        from readiness.evidence import params

        model: type[AdapterParams] = getattr(params, name)
        return model
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Adapter(Protocol):
    """Reads the files of one check into one record.

    `params` is an instance of `Params`, validated when the check file is loaded, so an unknown
    option fails `readiness validate`, not the evaluation; or, for a built-in adapter read with
    its default options, its `defaults` (the same attributes, no pydantic). `read` raises
    EvidenceError for any problem with the files; it never returns a partial record for a
    broken file.
    """

    kind: ClassVar[str]
    Params: ClassVar[type[BaseModel]]
    record: ClassVar[str]  # the record class name produced: TestRun, LoadStats, Findings, ...

    def read(self, files: list[Path], display: dict[Path, str], params: Any) -> Record: ...


class HashingReader:
    """A binary file wrapper that hashes what is read, so a file is read once for both."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh
        self._hash = hashlib.sha256()
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        self._hash.update(data)
        self.bytes_read += len(data)
        return data

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def iter_text_lines(path: Path, display: str) -> Iterator[str]:
    """Lines of a UTF-8 text file (BOM tolerated), with a clear error for binary content."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            yield from fh
    except UnicodeDecodeError as exc:
        raise EvidenceError(f"not UTF-8 text ({exc.reason})", path=display) from None
