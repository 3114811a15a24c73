"""Sign-off records: who (role, name) decided what (approve / reject / approve-with-conditions),
when, for which release version. YAML or JSON, one record, a list, or `{signoffs: [...]}`.

There is no standard for human sign-off; the fields follow what a release review records. Each
record is validated strictly: a misspelled `decison:` is an error, never an approval; so is a
blank name, an impossible date (`2026-02-30`), or a version written as a number (`2.10` would
read as 2.1). Every problem names the file and, for YAML, the line.

Binding: `readiness signoff` records what the signer approved, as the digest of the evidence
set (`evidence_digests` and `combined_digest` below define it) and one digest per check:

    evidence-digest: sha256:<hex>
    evidence: {unit-tests: sha256:<hex>, load: sha256:<hex>, drill: none}

A record carrying them is stale only when that content changed (the governance rules name the
checks that did); a record without them (hand-written, older) is stale when dated before the
newest evidence file's modification time.

Signature: `readiness signoff --key` adds `signature: {keyid, sig}` over the record's decision
fields (`readiness.evidence.signing` defines the bytes signed); it is read here as written and
judged by the governance rules only for the definition's `signoffs.signed` roles.

Order: the records of one check are read file by file in sorted path order (as the check's
globs resolve them), each file in its own order; for a role, the last record read counts (the
latest appended), whatever its date says.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from readiness import atomic
from readiness.errors import DefinitionError, EvidenceError
from readiness.evidence import signing
from readiness.evidence._json import load_json
from readiness.evidence.params import AdapterParams
from readiness.evidence.records import Evidence, EvidenceFile, SignOff, SignOffs
from readiness.yamlio import dump, load_file

Decision = Literal["approve", "reject", "approve-with-conditions"]


def _is_bare_date(v: object) -> bool:
    """True for a date without a time of day (a YAML date, or a 10-character ISO string)."""
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return True
    return isinstance(v, str) and len(v.strip()) == 10


NO_EVIDENCE = "none"  # the per-check digest of a check without readable evidence files
_DIGEST = r"^sha256:[0-9a-f]{64}$"


def check_digest(files: Iterable[EvidenceFile]) -> str:
    """One check's evidence: `sha256:` + the sha256 of its files' sha256 (hex), sorted, one per
    line (`<hex>\n`); `none` without files. File names and modification times are not part of
    it: the same bytes renamed, copied or downloaded elsewhere are the same evidence."""
    hashes = sorted(f.sha256 for f in files)
    if not hashes:
        return NO_EVIDENCE
    return "sha256:" + hashlib.sha256("".join(f"{h}\n" for h in hashes).encode()).hexdigest()


def evidence_digests(evidence: Mapping[str, Evidence]) -> dict[str, str]:
    """`check_digest` of every check's evidence, except checks of kind signoffs (signing
    changes their files). A check whose files could not be read counts as `none`."""
    return {c: check_digest(ev.files) for c, ev in evidence.items() if ev.kind != "signoffs"}


def combined_digest(per_check: Mapping[str, str]) -> str:
    """The evidence set's digest: `sha256:` + the sha256 of `<check>\t<check digest>\n` for
    every check, sorted by check id."""
    lines = "".join(f"{c}\t{per_check[c]}\n" for c in sorted(per_check))
    return "sha256:" + hashlib.sha256(lines.encode()).hexdigest()


class RecordSignature(BaseModel):
    """A record's signature (`readiness signoff --key`): securesystemslib's key id and the
    signature in hex, over the record's signed statement (`readiness.evidence.signing`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    keyid: str = Field(pattern=r"^[0-9a-f]{64}$")
    sig: str = Field(pattern=r"^[0-9a-f]+$", max_length=2048)


class SignOffRecord(BaseModel):
    """One sign-off as written in a file (and by `readiness signoff`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_by_name=True)
    role: str = Field(min_length=1)
    name: str = Field(min_length=1)
    decision: Decision
    date: dt.datetime
    version: str = Field(min_length=1)
    comment: str = ""
    evidence_digest: str | None = Field(default=None, alias="evidence-digest", pattern=_DIGEST)
    evidence: dict[str, str] | None = None
    signature: RecordSignature | None = None

    def signed_statement(self) -> bytes:
        """What a signer of this record signs (`readiness.evidence.signing.statement`)."""
        return signing.statement(
            role=self.role,
            name=self.name,
            decision=self.decision,
            date=self.date.strftime("%Y-%m-%dT%H:%M:%SZ"),
            version=self.version,
            comment=self.comment,
            evidence_digest=self.evidence_digest,
        )

    def signed_by(self, signer: Any) -> SignOffRecord:
        """This record with its signature by `signer` (a securesystemslib Signer)."""
        sig = signing.sign(self.signed_statement(), signer)
        return self.model_copy(update={"signature": RecordSignature.model_validate(sig)})

    @field_validator("evidence", mode="after")
    @classmethod
    def _evidence(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        for check, digest in (v or {}).items():
            if digest != NO_EVIDENCE and not re.match(_DIGEST, digest):
                raise ValueError(f"{check}: expected sha256:<64 hex digits> or none")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> SignOffRecord:
        if self.evidence is not None and (
            self.evidence_digest is None or self.evidence_digest != combined_digest(self.evidence)
        ):
            raise ValueError("evidence-digest does not match its evidence list")
        return self

    @field_validator("role", "name", mode="after")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be blank")
        return v

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, v: object) -> dt.datetime:
        """An ISO 8601 date or date-time, in UTC. A bare date means the end of that day (UTC): it
        was signed at some point that day. A date-time without an offset is UTC."""
        if isinstance(v, str) and _is_bare_date(v):
            v = dt.date.fromisoformat(v.strip())
        elif isinstance(v, str):
            try:
                v = dt.datetime.fromisoformat(v.strip())
            except ValueError:
                raise ValueError(
                    f"{v!r} is not an ISO 8601 date or date-time (2026-11-24 or "
                    "2026-11-24T16:05:00Z)"
                ) from None
        if isinstance(v, dt.datetime):
            try:
                return v.astimezone(dt.UTC) if v.tzinfo else v.replace(tzinfo=dt.UTC)
            except OverflowError:
                raise ValueError(f"{v.isoformat()} is out of range in UTC") from None
        if isinstance(v, dt.date):
            return dt.datetime.combine(v, dt.time(23, 59, 59), dt.UTC)
        raise ValueError("must be an ISO 8601 date or date-time (2026-11-24T16:05:00Z)")

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, v: object) -> object:
        if isinstance(v, float):
            raise ValueError(
                f"{v!r} is a number, not a version as written: quote it (version: '{v}')"
            )
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


@dataclass(frozen=True)
class ParsedRecord:
    """One validated record, with the item as loaded (rewritten as is) and where it starts."""

    record: SignOffRecord
    raw: Any
    index: int
    line: int | None
    day_only: bool


def _records(data: Any, shown: str) -> tuple[list[Any], tuple[str | int, ...] | None]:
    """The list of record items, and the YAML path of that list (None: a single record)."""
    at: tuple[str | int, ...] | None = ()
    if isinstance(data, dict) and "signoffs" in data:
        data, at = data["signoffs"], ("signoffs",)
    elif isinstance(data, dict):
        data, at = [data], None
    if not isinstance(data, list):
        raise EvidenceError(
            "expected a sign-off record, a list of them, or {signoffs: [...]}", path=shown
        )
    return data, at


# PyYAML's timestamp (YAML 1.1): it builds a datetime, so an impossible one raises ValueError.
_TIMESTAMP = re.compile(
    r"\b(\d{4})-(\d\d?)-(\d\d?)(?:(?:[Tt]|[ \t]+)(\d\d?):(\d\d):(\d\d)"
    r"(?:\.\d*)?(?:[ \t]*(?:Z|[-+](\d\d?)(?::(\d\d))?))?)?"
)


def _bad_timestamp(text: str) -> tuple[int, str, str] | None:
    """(line, token, reason) of the first date or date-time YAML cannot build, if any."""
    for number, line in enumerate(text.splitlines(), start=1):
        for m in _TIMESTAMP.finditer(line):
            y, mo, d, h, mi, sec, tzh, tzm = (int(g) if g else 0 for g in m.groups())
            try:
                dt.datetime(y, mo, d, h, mi, sec)
                if tzh * 60 + tzm >= 24 * 60:
                    raise ValueError("UTC offset out of range")
            except ValueError as exc:
                return number, m.group(0), str(exc)
    return None


def _no_duplicates(pairs: list[tuple[str, Any]], shown: str) -> dict[str, Any]:
    """A JSON object; EvidenceError naming a key that appears twice in it."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise EvidenceError(f'duplicate key "{key}" in a sign-off object', path=shown)
        out[key] = value
    return out


def _load(path: Path, shown: str) -> tuple[Any, Any]:
    """The parsed file and, for YAML, its SourceDoc (to locate records); EvidenceError."""
    if path.suffix.lower() == ".json":
        data = load_json(path, shown)
        try:  # valid JSON now; parse again to refuse duplicate keys (last-wins hid a rejection)
            json.loads(
                path.read_bytes(), object_pairs_hook=lambda pairs: _no_duplicates(pairs, shown)
            )
        except (OSError, ValueError, RecursionError) as exc:  # changed since: fail closed
            raise EvidenceError(f"changed while being read ({exc})", path=shown) from None
        return data, None
    try:
        doc = load_file(path, shown)
    except DefinitionError as exc:
        rest = str(exc).removeprefix(f"{shown}:")
        where, sep, why = rest.partition(":")
        if sep and where.strip().isdigit():  # "file:LINE: reason" -> located
            raise EvidenceError(why.strip(), path=shown, line=int(where)) from None
        raise EvidenceError(rest.strip(), path=shown) from None
    except (ValueError, OverflowError) as exc:  # an impossible YAML date: 2026-02-30
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, ValueError):
            text = ""
        bad = _bad_timestamp(text)
        if bad is None:
            raise EvidenceError(f"invalid value ({exc})", path=shown) from None
        line, token, reason = bad
        raise EvidenceError(
            f"{token} is not a valid date ({reason})", path=shown, line=line
        ) from None
    return doc.data, doc


def _problems(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            problems.append(f'unknown key "{where}"')
        elif err["type"] == "missing":
            problems.append(f'missing "{where}"')
        else:
            msg = str(err["msg"]).removeprefix("Value error, ")
            problems.append(f"{where}: {msg}" if where else msg)
    return "; ".join(problems)


def parse_records(path: Path, shown: str) -> list[ParsedRecord]:
    """Every record of one file, validated, in file order; EvidenceError naming the file, the
    line (YAML) and the record and field."""
    data, doc = _load(path, shown)
    if data is None:
        return []
    items, at = _records(data, shown)
    out = []
    for i, item in enumerate(items):
        loc = () if at is None else (*at, i)
        line = doc.line_of(loc) if doc is not None else None
        try:
            record = SignOffRecord.model_validate(item)
        except ValidationError as exc:
            raise EvidenceError(
                f"sign-off [{i}]: {_problems(exc)}", path=shown, line=line
            ) from None
        day_only = isinstance(item, dict) and _is_bare_date(item.get("date"))
        out.append(ParsedRecord(record, item, i, line, day_only))
    return out


def dated_after(records: SignOffs, now: float) -> str | None:
    """The first record dated after the evaluation time `now`, as an error message; None if
    none is. A bare date is after `now` only when its day is after today (UTC)."""
    now_dt = dt.datetime.fromtimestamp(now, dt.UTC)
    for r in records.records:
        when = dt.datetime.fromisoformat(r.date.replace("Z", "+00:00"))
        future = when.date() > now_dt.date() if r.day_only else when > now_dt
        if future:
            where = f"{r.source}:{r.line}" if r.line is not None else r.source
            shown = r.date[:10] if r.day_only else r.date
            return (
                f"{where}: sign-off [{r.index}] ({r.role}, {r.name}) is dated {shown}, after the "
                f"evaluation time {now_dt.strftime('%Y-%m-%dT%H:%M:%SZ')}: a sign-off cannot "
                "come from the future"
            )
    return None


def append_record(path: Path, record: SignOffRecord) -> int:
    """Append one record to a sign-off file, under an exclusive lock, written atomically.

    The existing records are parsed first: a broken file raises EvidenceError and is left
    untouched. YAML comments are not preserved (the file is rewritten with a header). Returns
    the number of records now in the file.
    """
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with (path.parent / f".{path.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        existing: list[Any] = []
        if path.exists() and path.stat().st_size > 0:
            existing = [p.raw for p in parse_records(path, str(path))]  # as written
        row = record.model_dump(mode="json", by_alias=True, exclude_none=True)
        row["date"] = record.date.strftime("%Y-%m-%dT%H:%M:%SZ")
        if not row["comment"]:
            del row["comment"]
        rows = [*existing, row]
        if path.suffix.lower() == ".json":
            text = json.dumps({"signoffs": rows}, indent=2, ensure_ascii=False) + "\n"
        else:
            text = "# Sign-off records, appended by `readiness signoff`.\n" + dump(
                {"signoffs": rows}
            )
        atomic.write_text(path, text)
    return len(rows)


class SignOffsParams(AdapterParams):
    """Options of a signoffs check."""

    records_in: Literal["project", "evidence-dir"] = Field(
        default="project",
        description="Where the check's evidence paths are relative to: `project` (the project "
        "root, with the definition: `--evidence-dir` does not move them) or `evidence-dir`.",
    )


@dataclass(frozen=True)
class SignOffsDefaults:
    """`SignOffsParams()` as plain data, like the other built-ins' (a test holds them equal)."""

    records_in: Literal["project", "evidence-dir"] = "project"


class SignOffsAdapter:
    """Sign-off records (YAML or JSON): role, name, decision, date, version, comment.

    Decisions: `approve`, `reject`, `approve-with-conditions` (the comment states them). A date
    without a time counts as the end of that day, UTC; a record dated after the evaluation time
    is an error. For a role, the last record read counts (files in sorted path order, records
    in file order). Metrics: approved, rejected, conditional
    (counts); the definition's `signoffs.required` roles are checked by the governance rules.
    The records live with the definition: their paths are relative to the project root, not to
    `--evidence-dir`, unless the option `records-in: evidence-dir` says so.
    """

    kind: ClassVar[str] = "signoffs"
    Params: ClassVar[type[BaseModel]] = SignOffsParams
    defaults: ClassVar[SignOffsDefaults] = SignOffsDefaults()
    record: ClassVar[str] = "SignOffs"

    def read(self, files: list[Path], display: dict[Path, str], params: Any) -> SignOffs:
        records: list[SignOff] = []
        for path in files:
            shown = display.get(path, str(path))
            for p in parse_records(path, shown):
                r = p.record
                records.append(
                    SignOff(
                        role=r.role,
                        name=r.name,
                        decision=r.decision,
                        date=r.date.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        version=r.version,
                        comment=r.comment,
                        source=shown,
                        index=p.index,
                        line=p.line,
                        day_only=p.day_only,
                        evidence_digest=r.evidence_digest or "",
                        evidence=tuple(sorted((r.evidence or {}).items())),
                        signature=(r.signature.keyid, r.signature.sig) if r.signature else None,
                    )
                )
        return SignOffs(tuple(records))
