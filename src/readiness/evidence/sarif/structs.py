"""A SARIF log decoded by msgspec into typed shapes that hold only what the gate reads.

A 200,000-result log decoded whole by `json` is 630 MB of dicts, most of it fields no gate
reads (columns, end lines, code flows, snippets' context) and all of it alive at once. Here
msgspec decodes the log into a `Log` struct whose runs keep their results as `msgspec.Raw`
(a position in the file's bytes, not a decoded value); each result is then decoded on its
own, as the per-result loop reaches it, into a `Result`: a dict of only the fields
`finding.read_result` reads, their types checked by msgspec, everything else skipped while
decoding and never allocated. At most one result is decoded at a time, so the walk holds
the bytes, the findings and one result.

The shapes are strict where the dict path is strict (a `startLine` must be an integer, a
location an object). A log that does not fit them is not an error here: `Refused` sends it to
the dict path (`json` decoding, the same steps), which names the bad element exactly as it
always has. So both paths agree by construction on every log the shapes accept, and only an
unusual or broken log pays for a second decoding. Duplicate keys are last-wins in both
decoders (SARIF accepts duplicates for speed: see `readiness.evidence.sarif.adapter`); both
keep integers whole, and nesting too deep for either is a RecursionError, refused here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypedDict

import msgspec
from msgspec import UNSET, UnsetType


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
_RESULT = msgspec.json.Decoder(Result)


class Results(list[Any]):
    """A run's results: a list of `msgspec.Raw`, each decoded into a `Result` when iterated.
    Iterating raises `Refused` at the first result that does not fit."""

    def __iter__(self) -> Iterator[Any]:
        decode = _RESULT.decode
        try:
            for raw in super().__iter__():
                yield decode(raw)
        except (msgspec.DecodeError, RecursionError):
            raise Refused from None


def decode(data: bytes) -> dict[str, Any] | None:
    """The log as the dict the adapter reads (its runs as dicts of their fields, the results
    as `Results`), or None when it does not fit the shapes (the dict path decides)."""
    try:
        log = _LOG.decode(data)
    except (msgspec.DecodeError, RecursionError):
        return None
    out: dict[str, Any] = {} if log.version is UNSET else {"version": log.version}
    if log.runs is not UNSET:
        out["runs"] = [_fields(run) for run in log.runs]
    return out


def _fields(run: Run) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in run.__struct_fields__:
        value = getattr(run, name)
        if value is not UNSET:
            out[name] = Results(value) if name == "results" and value is not None else value
    return out
