"""The adapter contract: a Protocol, implemented once per evidence format."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict

from readiness.errors import EvidenceError
from readiness.evidence.records import Record

MAX_EVIDENCE_BYTES = 2 * 1024**3  # 2 GiB: above that a file is refused, not read


class AdapterParams(BaseModel):
    """Base of every adapter's options: strict (an unknown option is an error), immutable, and
    kebab-case in YAML (`min-tests`), snake_case in Python."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=lambda s: s.replace("_", "-"),
        validate_by_name=True,
        validate_by_alias=True,
    )


class NoParams(AdapterParams):
    """An adapter without options."""


class Adapter(Protocol):
    """Reads the files of one check into one record.

    `params` is an instance of `Params`, validated when the check file is loaded, so an unknown
    option fails `readiness validate`, not the evaluation. `read` raises EvidenceError for any
    problem with the files; it never returns a partial record for a broken file.
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


def sha256_file(path: Path) -> str:
    """The sha256 of a file, streamed in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def iter_text_lines(path: Path, display: str) -> Iterator[str]:
    """Lines of a UTF-8 text file (BOM tolerated), with a clear error for binary content."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            yield from fh
    except UnicodeDecodeError as exc:
        raise EvidenceError(f"not UTF-8 text ({exc.reason})", path=display) from None
