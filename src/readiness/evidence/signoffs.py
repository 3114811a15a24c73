"""Sign-off records: who (role, name) decided what (approve / reject / approve-with-conditions),
when, for which release version. YAML or JSON, one record, a list, or `{signoffs: [...]}`.

There is no standard for human sign-off; the fields follow what a release review records. Each
record is validated strictly: a misspelled `decison:` is an error, never an approval.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from readiness import atomic
from readiness.errors import DefinitionError, EvidenceError
from readiness.evidence._json import load_json
from readiness.evidence.base import NoParams
from readiness.evidence.records import SignOff, SignOffs
from readiness.yamlio import dump, load_file

Decision = Literal["approve", "reject", "approve-with-conditions"]


class SignOffRecord(BaseModel):
    """One sign-off as written in a file (and by `readiness signoff`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    role: str = Field(min_length=1)
    name: str = Field(min_length=1)
    decision: Decision
    date: dt.datetime
    version: str = Field(min_length=1)
    comment: str = ""

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, v: object) -> object:
        """A bare date means the end of that day (UTC): it was signed at some point that day."""
        if isinstance(v, dt.datetime):
            return v if v.tzinfo else v.replace(tzinfo=dt.UTC)
        if isinstance(v, dt.date):
            return dt.datetime.combine(v, dt.time(23, 59, 59), dt.UTC)
        if isinstance(v, str) and len(v.strip()) == 10:
            return dt.datetime.combine(
                dt.date.fromisoformat(v.strip()), dt.time(23, 59, 59), dt.UTC
            )
        return v

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, v: object) -> object:
        return str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v


def _records(data: Any, shown: str) -> list[Any]:
    if isinstance(data, dict) and "signoffs" in data:
        data = data["signoffs"]
    elif isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise EvidenceError(
            "expected a sign-off record, a list of them, or {signoffs: [...]}", path=shown
        )
    return data


def parse_records(path: Path, shown: str) -> list[SignOffRecord]:
    """Every record of one file, validated; EvidenceError naming the record and field."""
    if path.suffix.lower() == ".json":
        data = load_json(path, shown)
    else:
        try:
            data = load_file(path, shown).data
        except DefinitionError as exc:
            raise EvidenceError(str(exc).removeprefix(f"{shown}:").strip(), path=shown) from None
    if data is None:
        return []
    out = []
    for i, item in enumerate(_records(data, shown)):
        try:
            out.append(SignOffRecord.model_validate(item))
        except ValidationError as exc:
            problems = []
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"])
                if err["type"] == "extra_forbidden":
                    problems.append(f'unknown key "{where}"')
                elif err["type"] == "missing":
                    problems.append(f'missing "{where}"')
                else:
                    problems.append(f"{where}: {str(err['msg']).removeprefix('Value error, ')}")
            raise EvidenceError(f"sign-off [{i}]: {'; '.join(problems)}", path=shown) from None
    return out


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
        existing = []
        if path.exists() and path.stat().st_size > 0:
            existing = parse_records(path, str(path))
        rows = [r.model_dump(mode="json", exclude_defaults=False) for r in [*existing, record]]
        for row in rows:
            if not row["comment"]:
                del row["comment"]
        if path.suffix.lower() == ".json":
            text = json.dumps({"signoffs": rows}, indent=2, ensure_ascii=False) + "\n"
        else:
            text = "# Sign-off records, appended by `readiness signoff`.\n" + dump(
                {"signoffs": rows}
            )
        atomic.write_text(path, text)
    return len(rows)


class SignOffsAdapter:
    """Sign-off records (YAML or JSON): role, name, decision, date, version, comment.

    Decisions: `approve`, `reject`, `approve-with-conditions` (the comment states them). A date
    without a time counts as the end of that day, UTC. Metrics: approved, rejected, conditional
    (counts); the definition's `signoffs.required` roles are checked by the governance rules.
    """

    kind: ClassVar[str] = "signoffs"
    Params: ClassVar[type[BaseModel]] = NoParams
    record: ClassVar[str] = "SignOffs"

    def read(self, files: list[Path], display: dict[Path, str], params: Any) -> SignOffs:
        records: list[SignOff] = []
        for path in files:
            shown = display.get(path, str(path))
            for r in parse_records(path, shown):
                records.append(
                    SignOff(
                        role=r.role,
                        name=r.name,
                        decision=r.decision,
                        date=r.date.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        version=r.version,
                        comment=r.comment,
                        source=shown,
                    )
                )
        return SignOffs(tuple(records))
