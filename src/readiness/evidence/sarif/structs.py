"""A SARIF log decoded by msgspec into typed shapes that hold only what the gate reads.

A 200,000-result log decoded whole by `json` is 630 MB of dicts, most of it fields no gate
reads (columns, end lines, code flows, snippets' context) and all of it alive at once. Here
msgspec decodes the log into a `Log` struct whose runs keep their results as `msgspec.Raw`
(a position in the file's bytes, not a decoded value); each result is then decoded on its
own, as the per-result loop reaches it. At most one result is decoded at a time, so the walk
holds the bytes, the findings' rows and one result.

A result is decoded first as a `Plain`: the common result (Bandit's, Semgrep's, most tools'),
whose every field the gate reads is typed and range-checked by msgspec (`startLine` an
integer from 0 to 2**53, `level` one of the four words) and which has none of the fields that
need `finding.read_result`'s checks (a rule reference, `kind` other than fail, an absent
baseline state, result-level security-severity, suppressions, message ids, logical
locations); `finding.read_plain` reads it with no type check left to make, into the same row.
A result that is not plain is decoded again as a `Result`: a dict of only the fields
`finding.read_result` reads, everything else skipped.

The shapes are strict where the dict path is strict (a `startLine` must be an integer, a
location an object). A log that does not fit them is not an error here: `Refused` sends it to
the dict path (`json` decoding, the same steps), which names the bad element exactly as it
always has. So both paths agree by construction on every log the shapes accept, and only an
unusual or broken log pays for a second decoding. Duplicate keys are last-wins in all three
decoders (SARIF accepts duplicates for speed: see `readiness.evidence.sarif.adapter`); all
keep integers whole, and nesting too deep for either is a RecursionError, refused here.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterator
from typing import Annotated, Any, ClassVar, Literal, TypedDict

import msgspec
from msgspec import UNSET, Meta, UnsetType, field

from readiness.evidence._json import MAX_INT


class Refused(Exception):
    """The typed decoding cannot vouch for the log: the dict path reads it."""


class Artifact(TypedDict, total=False):
    uri: str | None
    index: Any


class Region(TypedDict, total=False):
    startLine: int | None
    snippet: Any


class Physical(TypedDict, total=False):
    artifactLocation: Artifact | None
    region: Region | None


class Location(TypedDict, total=False):
    physicalLocation: Physical | None
    logicalLocations: Any


class Message(TypedDict, total=False):
    text: str | None
    id: Any
    arguments: Any


class Result(TypedDict, total=False):
    """The fields of a result that `finding.read_result` reads."""

    kind: str | None
    baselineState: str | None
    rule: Any
    ruleIndex: Any
    ruleId: str | None
    level: str | None
    properties: Any
    locations: list[Location] | None
    message: Message | None
    suppressions: Any
    fingerprints: Any
    partialFingerprints: Any
    correlationGuid: Any


# --- the plain result: every field typed; a field typed UnsetType must be absent ---------
# (a result that has one fails to decode as Plain and is decoded as a Result instead)


class PlainSnippet(msgspec.Struct, gc=False):
    text: str | None = None


class PlainRegion(msgspec.Struct, gc=False):
    startLine: Annotated[int, Meta(ge=0, le=MAX_INT)] | None = None
    snippet: PlainSnippet | None = None


class PlainArtifact(msgspec.Struct, gc=False):
    uri: str | None = None
    index: int | None = None


class PlainPhysical(msgspec.Struct, gc=False):
    artifactLocation: PlainArtifact | None = None
    region: PlainRegion | None = None


class PlainLocation(msgspec.Struct, gc=False):
    physicalLocation: PlainPhysical | None = None
    logicalLocations: UnsetType = UNSET


class PlainMessage(msgspec.Struct, gc=False):
    text: str | None = None
    id: UnsetType = UNSET  # a rule's message string: read_result fills it in


class PlainProperties(msgspec.Struct, gc=False):
    security_severity: UnsetType = field(default=UNSET, name="security-severity")


class Plain(msgspec.Struct, gc=False):
    """The common result, typed (see the module's docstring); `finding.read_plain` reads it."""

    kind: Literal["fail"] = "fail"
    baselineState: Literal["new", "updated", "unchanged"] | None = None
    ruleId: str | None = None
    ruleIndex: int | None = None
    level: Literal["none", "note", "warning", "error"] | None = None
    properties: PlainProperties | None = None
    locations: list[PlainLocation] | None = None
    message: PlainMessage | None = None
    fingerprints: dict[str, str] | None = None
    partialFingerprints: dict[str, str] | None = None
    correlationGuid: str | None = None
    rule: UnsetType = UNSET
    suppressions: UnsetType = UNSET


class Run(msgspec.Struct):
    """A run: its results undecoded, what the adapter reads of the rest as JSON values."""

    tool: Any = UNSET
    invocations: Any = UNSET
    artifacts: Any = UNSET
    properties: Any = UNSET
    results: list[msgspec.Raw] | UnsetType | None = UNSET


class Log(msgspec.Struct):
    version: Any = UNSET
    runs: list[Run] | UnsetType = UNSET


_LOG = msgspec.json.Decoder(Log)
_PLAIN = msgspec.json.Decoder(Plain)
_RESULT = msgspec.json.Decoder(Result)


class Pages:
    """Gives back the pages of the log's buffer that the results read so far have passed.

    The results are disjoint spans of the buffer, in the file's order, and the adapter reads
    them once in that order (runs in order, each run's results in order). So once results
    totalling N bytes have been read, every result still to read starts at byte N or later,
    and the pages below N are not read again: `madvise(MADV_DONTNEED)` returns them to the
    system. The 200,000-result log's 116 MiB are then never all in memory beside its
    findings. Should a page given back be read all the same, it reads as zero bytes, which
    JSON never accepts: the decoding fails and `Refused` sends the log to the dict path.
    A buffer that is plain `bytes` (a pipe, a small file) is kept as it is.
    """

    STEP: ClassVar[int] = 8 << 20  # give back 8 MiB at a time

    __slots__ = ("buf", "given", "read")

    def __init__(self, buf: object) -> None:
        dontneed = getattr(mmap, "MADV_DONTNEED", None)
        self.buf = buf if isinstance(buf, mmap.mmap) and dontneed is not None else None
        self.read = 0  # bytes of the results read so far
        self.given = 0  # bytes given back, from the start of the buffer

    def passed(self, n: int) -> None:
        """`n` more bytes of results were read."""
        self.read += n
        if self.buf is not None and self.read - self.given >= self.STEP:
            end = min(self.read, len(self.buf))
            end -= end % mmap.PAGESIZE
            if end > self.given:
                self.buf.madvise(mmap.MADV_DONTNEED, self.given, end - self.given)
                self.given = end


class Results(list[Any]):
    """A run's results: a list of `msgspec.Raw`, each decoded when iterated into a `Plain`
    or, when it is not one, a `Result` dict. Iterating raises `Refused` at the first result
    that fits neither."""

    plain: ClassVar[type] = Plain  # the type of the results iterating gives as Plain

    def __init__(self, raws: list[msgspec.Raw], pages: Pages) -> None:
        super().__init__(raws)
        self.pages = pages

    TRIES: ClassVar[int] = 64  # results in a row that are not plain: stop trying Plain

    def __iter__(self) -> Iterator[Any]:
        plain, decode = _PLAIN.decode, _RESULT.decode
        passed = self.pages.passed
        error = msgspec.DecodeError
        misses = 0  # a producer whose results are never plain (CodeQL's rule references)
        try:
            for raw in super().__iter__():
                if misses < self.TRIES:
                    try:
                        yield plain(raw)
                        misses = 0
                    except error:
                        misses += 1
                        yield decode(raw)
                else:
                    yield decode(raw)
                passed(len(raw))
        except (error, RecursionError):
            raise Refused from None


def decode(data: bytes | mmap.mmap) -> dict[str, Any] | None:
    """The log as the dict the adapter reads (its runs as dicts of their fields, the results
    as `Results`), or None when it does not fit the shapes (the dict path decides). A buffer
    from `_json.read_mapped` is given back page by page as the results are read."""
    try:
        log = _LOG.decode(data)
    except (msgspec.DecodeError, RecursionError):
        return None
    pages = Pages(data)
    out: dict[str, Any] = {} if log.version is UNSET else {"version": log.version}
    if log.runs is not UNSET:
        out["runs"] = [_fields(run, pages) for run in log.runs]
    return out


def _fields(run: Run, pages: Pages) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in run.__struct_fields__:
        value = getattr(run, name)
        if value is not UNSET:
            if name == "results" and value is not None:
                value = Results(value, pages)
            out[name] = value
    return out
