"""Find each check's evidence files, check their freshness, and read them with the adapter.

Nothing here raises for a bad file: every problem becomes the check's status (MISSING, ERROR or
STALE) with a message naming the file, so the evaluation can fail closed and say why.
"""

from __future__ import annotations

import glob
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from readiness.errors import EvidenceError, PluginError
from readiness.evidence import registry
from readiness.evidence.base import MAX_EVIDENCE_BYTES, plain_options
from readiness.evidence.digest import OVERLAP_BYTES, sha256_file
from readiness.evidence.records import RECORD_TYPES, Evidence, EvidenceFile, Record, SignOffs

if TYPE_CHECKING:
    from readiness.definition import CheckSpec, Project
    from readiness.evidence.base import Adapter

# Light on purpose: `inspect` reads a file through `hash_and_read` with no pydantic (options
# are validated only when there are some), PyYAML or thread pool (big files only) imported.

__all__ = [
    "OVERLAP_BYTES",
    "Evidence",
    "gather",
    "gather_one",
    "hash_and_read",
    "read_files",
    "resolve_files",
    "validate_checks",
]


def _fmt_age(seconds: float) -> str:
    if seconds >= 86400:
        return f"{seconds / 86400:.1f}d"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds:.0f}s"


def validate_checks(project: Project) -> list[str]:
    """Problems with the checks' kinds and adapter options, located by file and line."""
    from pydantic import ValidationError

    problems: list[str] = []
    for ident, spec in project.checks.items():
        doc = project.check_docs[ident]
        try:
            adapter = registry.get(spec.kind)
        except PluginError as exc:
            problems.append(f"{doc.where(('kind',))}: {exc}")
            continue
        try:
            adapter.Params.model_validate(spec.options)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ("options", *err["loc"])
                msg = str(err["msg"]).removeprefix("Value error, ")
                if err["type"] == "extra_forbidden":
                    msg = f'unknown option "{err["loc"][-1]}" for kind {spec.kind}'
                problems.append(f"{doc.where(loc)}: {msg}")
    return problems


def resolve_files(spec: CheckSpec, base: Path) -> list[Path]:
    """Files matched by the check's globs (relative to `base`), sorted, without duplicates."""
    found: dict[str, Path] = {}
    for pattern in spec.evidence:
        full = pattern if Path(pattern).is_absolute() else str(base / pattern)
        for match in sorted(glob.glob(full, recursive=True)):  # noqa: PTH207 - absolute globs too
            p = Path(match)
            if p.is_file():
                found.setdefault(str(p.resolve()), p)
    return [found[k] for k in sorted(found)]


def display_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def file_metas(
    files: list[Path], root: Path, known: Callable[[Path], str | None] | None = None
) -> tuple[EvidenceFile, ...]:
    """Path, sha256, size and mtime of each file; EvidenceError if one cannot be read.
    `known`: a file's sha256 if it was computed already (None: it is computed here)."""
    display = {p: display_path(p, root) for p in files}
    metas = []
    for p in files:
        try:
            st = p.stat()
        except OSError as exc:
            raise EvidenceError(f"cannot read ({exc.strerror})", path=display[p]) from None
        if st.st_size > MAX_EVIDENCE_BYTES:
            raise EvidenceError(
                f"{st.st_size} bytes exceeds the {MAX_EVIDENCE_BYTES}-byte evidence limit",
                path=display[p],
            )
        try:
            digest = (known(p) if known is not None else None) or sha256_file(p)
        except OSError as exc:
            raise EvidenceError(f"cannot read ({exc.strerror})", path=display[p]) from None
        metas.append(EvidenceFile(display[p], digest, st.st_size, st.st_mtime))
    return tuple(metas)


def params_of(kind: str, adapter: Adapter, options: Mapping[str, Any] | object) -> Any:
    """The adapter's options from a mapping (validated by its `Params`; for a built-in kind
    without options its plain `defaults`, which need no pydantic), or already validated ones."""
    if not isinstance(options, Mapping):
        return options
    defaults = getattr(adapter, "defaults", None) if kind in registry.BUILTIN else None
    if defaults is not None:
        if not options:
            return defaults
        plain = plain_options(defaults, options)
        if plain is not None:
            return plain
    elif not options and kind in registry.BUILTIN:
        return adapter.Params()
    return adapter.Params.model_validate(options)


def read_files(
    kind: str, files: list[Path], root: Path, options: Mapping[str, Any] | object
) -> Record:
    """Read `files` with the adapter of `kind` and `options` (a mapping, or the `Params`
    already validated); raises EvidenceError/PluginError.

    The record must be the one the adapter declares and one of `Record`'s types: a plugin that
    returns anything else is a PluginError, so metrics and renderers only ever see records they
    handle (they are exhaustive over `Record`)."""
    adapter = registry.get(kind)
    params = params_of(kind, adapter, options)
    display = {p: display_path(p, root) for p in files}
    record: object = adapter.read(files, display, params)
    got = type(record).__name__
    if got != adapter.record or not isinstance(record, RECORD_TYPES):
        raise PluginError(
            f"evidence kind {kind!r}: the adapter returned {got}, not the {adapter.record} it "
            f"declares (a record is one of {', '.join(t.__name__ for t in RECORD_TYPES)})"
        )
    return record


def evidence_base(spec: CheckSpec, root: Path, evidence_dir: Path) -> Path:
    """The directory a check's evidence globs are relative to: the evidence directory, except
    for sign-off records, which live with the definition (the project root) unless the check
    says `options: {records-in: evidence-dir}`."""
    if spec.kind == "signoffs":
        where = spec.options.get("records-in", spec.options.get("records_in", "project"))
        return evidence_dir if where == "evidence-dir" else root
    return evidence_dir


def gather_one(spec: CheckSpec, root: Path, evidence_dir: Path, now: float) -> Evidence:
    """Read one check's evidence; every problem becomes a status with a message."""
    evidence_dir = evidence_base(spec, root, evidence_dir)
    files = resolve_files(spec, evidence_dir)
    if not files:
        shown = ", ".join(spec.evidence)
        base = display_path(evidence_dir, root)
        return Evidence(
            spec.id,
            spec.kind,
            "missing",
            message=f"no evidence file matches {shown} (under {base})",
        )
    metas, record, error = hash_and_read(spec.kind, files, root, spec.options)
    if isinstance(metas, EvidenceError):
        return Evidence(spec.id, spec.kind, "error", message=str(metas))
    if record is None:
        return Evidence(spec.id, spec.kind, "error", files=metas, message=str(error))
    return _judge(spec, metas, record, now)


class Hashing:
    """The files' metadata (or the error hashing them), computed in a thread when they are
    big (`OVERLAP_BYTES`), so that the adapter's import and parse overlap it; small ones are
    hashed when asked for (`result`). With `known` (their digests, computed meanwhile by the
    caller: `inspect`'s forked process) no thread is started: the metadata is read when asked
    for, and a reader that forks (`junit.split`) forks a process with no other thread."""

    def __init__(
        self, files: list[Path], root: Path, known: Callable[[Path], str | None] | None = None
    ) -> None:
        self.files, self.root, self.known = files, root, known
        self.big = _total_bytes(files) >= OVERLAP_BYTES
        self._hashed: list[tuple[EvidenceFile, ...] | EvidenceError] = []
        self._failed: list[BaseException] = []
        self._thread: Any = None
        if self.big and known is None:
            import threading  # only for big files (not concurrent.futures: ~5 ms more)

            self._thread = threading.Thread(
                target=self._run, name="readiness-hash", daemon=True
            )  # a daemon: one whose hashes are no longer wanted does not hold up the exit
            self._thread.start()

    def _metas(self) -> tuple[EvidenceFile, ...] | EvidenceError:
        try:
            if self.known is None:
                return file_metas(self.files, self.root)
            return file_metas(self.files, self.root, self.known)
        except EvidenceError as exc:
            return exc

    def _run(self) -> None:
        try:
            self._hashed.append(self._metas())
        except BaseException as exc:  # re-raised by `result`, as Future.result() would
            self._failed.append(exc)

    def join(self) -> None:
        """Wait for the thread, if any (also when what it hashes is no longer wanted)."""
        if self._thread is not None:
            self._thread.join()

    def result(self) -> tuple[EvidenceFile, ...] | EvidenceError:
        if self._thread is None:
            return self._metas()
        self.join()
        if self._failed:
            raise self._failed[0]
        return self._hashed[0]


def hash_and_read(
    kind: str,
    files: list[Path],
    root: Path,
    options: Mapping[str, Any] | object,
    hashing: Hashing | None = None,
) -> tuple[tuple[EvidenceFile, ...] | EvidenceError, Record | None, Exception | None]:
    """The files' metadata (or the error hashing them) and the record (or the error reading
    it). Big files are hashed in a thread while the adapter parses them: sha256 and file reads
    release the GIL, so the hash costs no time on a second core. Small ones are hashed first
    (and not read if that fails). `hashing`: started already by the caller (`Hashing`)."""
    hashing = hashing if hashing is not None else Hashing(files, root)
    if not hashing.big:
        first = hashing.result()
        if isinstance(first, EvidenceError):
            return first, None, None
        return (first, *_read(kind, files, root, options))
    try:
        record, error = _read(kind, files, root, options)
    finally:
        hashing.join()
    return hashing.result(), record, error


def _read(
    kind: str, files: list[Path], root: Path, options: Mapping[str, Any] | object
) -> tuple[Record | None, Exception | None]:
    try:
        return read_files(kind, files, root, options), None
    except (EvidenceError, PluginError) as exc:
        return None, exc


def _total_bytes(files: list[Path]) -> int:
    total = 0
    for p in files:
        try:
            total += p.stat().st_size
        except OSError:
            continue  # file_metas reports it
    return total


def _judge(
    spec: CheckSpec, metas: tuple[EvidenceFile, ...], record: Record, now: float
) -> Evidence:
    """The status of a check whose evidence was read: future sign-offs, stale files, ok."""
    if isinstance(record, SignOffs):
        from readiness.evidence.signoffs import dated_after

        future = dated_after(record, now)
        if future is not None:
            return Evidence(spec.id, spec.kind, "error", files=metas, message=future)
    warnings = tuple(getattr(record, "warnings", ()))
    if spec.max_age is not None:
        oldest = min(metas, key=lambda m: m.mtime)
        age = now - oldest.mtime
        if age > spec.max_age:
            return Evidence(
                spec.id,
                spec.kind,
                "stale",
                files=metas,
                record=record,
                message=(
                    f"{oldest.path}: stale evidence: written {_fmt_age(age)} ago, the check "
                    f"accepts at most {_fmt_age(spec.max_age)}"
                ),
                warnings=warnings,
            )
    return Evidence(spec.id, spec.kind, "ok", files=metas, record=record, warnings=warnings)


def gather(project: Project, evidence_dir: Path, now: float) -> dict[str, Evidence]:
    """Every check's evidence, in the definition's order; big evidence of several checks is
    read in two processes at once (`readiness.evidence.parallel`)."""
    from readiness.evidence import parallel

    return parallel.gather(project, evidence_dir, now)
