"""Governance rules, pure: required sign-offs and the risk register.

Sign-offs, per required role (the last record of that role counts, in the order the records were
read: files in sorted path order, each in file order; dates do not reorder them):
- missing, rejected, or signed for another version -> blocks (NO-GO);
- approve-with-conditions -> a condition (CONDITIONAL GO) quoting the comment;
- stale -> a condition, reported (the approver did not see the evidence being shipped; sign
  again to clear it). A record bound to the evidence it approved (`evidence-digest`, written by
  `readiness signoff`) is stale when that digest differs from the evidence read now, and the
  condition names the checks whose evidence changed; a record without a digest is stale when
  dated before the newest evidence file's modification time. A stale rejection still blocks; a
  stale approval does not count as a rejection.

Signed roles (`signoffs.signed`): the record that counts is the one with the latest date (its
date is signed, so an old approval copied after a rejection does not win; ties: the last read).
Its signature is checked first: unsigned, not verifying (changed after signing), or by a key
`signoffs.keys` does not list for the role -> the role's sign-off is missing, and the blocker
says which.

Risks: a risk is verified when every `verified-by` criterion PASSes (WAIVED, WARN or anything
else proves nothing). A risk whose impact is in the definition's `risk-blocking-impact` (high
and critical by default) blocks unless verified or accepted; an acceptance (approver, expiry)
is a condition while valid (naming the failing verification, if any) and is ignored once
expired. A verified risk needs no acceptance: its acceptance is not a condition, only a note
("verified; acceptance not needed"), and becomes the fallback if the verification later fails.
Every risk is listed with its response.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from readiness.evaluation import Evaluation
from readiness.evidence.records import Evidence, SignOff, SignOffs
from readiness.reasons import Reason

if TYPE_CHECKING:  # types only: the report layer imports no pydantic
    from readiness.definition import Project
    from readiness.evidence.signing import RoleKey

SignOffState = Literal["missing", "approved", "conditional", "rejected", "wrong-version"]
RiskState = Literal["verified", "unverified", "accepted", "acceptance-expired"]


@dataclass(frozen=True)
class SignOffRow:
    """One role's sign-off as the rules judged it (a required role without a record: missing)."""

    role: str
    required: bool
    status: SignOffState = "missing"
    name: str | None = None
    decision: str | None = None
    date: str | None = None
    version: str | None = None
    comment: str | None = None
    source: str | None = None
    stale: bool = False
    stale_reason: str = ""
    evidence_digest: str = ""
    signature_required: bool = False  # the role is in signoffs.signed
    signature: tuple[str, str] | None = None  # (keyid, sig) as recorded
    signed_by: str = ""  # the key id whose valid signature the rules accepted; "" if none
    signature_problem: str = ""  # why the signature was not accepted (a signed role)


@dataclass(frozen=True)
class RiskCheck:
    """A criterion that verifies a risk's response plan, with its status."""

    criterion: str
    status: str


@dataclass(frozen=True)
class Acceptance:
    """A risk's acceptance: who accepted it, why, until when."""

    reason: str
    approver: str
    role: str
    expires: str  # ISO date


@dataclass(frozen=True)
class RiskRow:
    """One risk of the register as the rules judged it."""

    id: str
    title: str
    impact: str
    likelihood: str
    owner: str
    response: str
    trigger: str
    status: RiskState
    blocking: bool
    verified_by: tuple[RiskCheck, ...] = ()
    accepted: Acceptance | None = None


@dataclass
class Governance:
    """What the governance rules add to the verdict, and the report sections they fill."""

    blockers: list[Reason] = field(default_factory=list)
    conditions: list[Reason] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    signoffs: list[SignOffRow] = field(default_factory=list)
    risks: list[RiskRow] = field(default_factory=list)


def _parse(ts: str) -> dt.datetime:
    return dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))


def _newest_evidence(evidence: dict[str, Evidence], skip: str | None) -> float | None:
    times = [f.mtime for ev in evidence.values() if ev.check != skip for f in ev.files if f.mtime]
    return max(times) if times else None


def _changes(signed: dict[str, str], now: dict[str, str]) -> str:
    """Which checks' evidence differs between what was signed and what is read now."""
    if not signed:
        return "the evidence changed"
    parts = [f"{c} changed" for c in sorted(signed.keys() & now.keys()) if signed[c] != now[c]]
    parts += [f"{c} was not signed" for c in sorted(now.keys() - signed.keys())]
    parts += [f"{c} is no longer read" for c in sorted(signed.keys() - now.keys())]
    return ", ".join(parts) or "the evidence changed"


def _stale(r: SignOff, now: dict[str, str], newest: float | None) -> str | None:
    """Why the record `r` is stale (the condition's text after `who`), or None if it is not."""
    if r.evidence_digest:
        from readiness.evidence.signoffs import combined_digest  # pydantic: when evaluating

        if r.evidence_digest == combined_digest(now):
            return None
        detail = _changes(dict(r.evidence), now)
        return f"approved other evidence than this evaluation reads ({detail}): stale, sign again"
    if newest is not None and _parse(r.date).timestamp() < newest:
        when = dt.datetime.fromtimestamp(newest, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        return (
            f"signed on {r.date[:10]}, before the evidence it relies on was produced ({when}): "
            "stale, sign again"
        )
    return None


def _counts(records: tuple[SignOff, ...], signed: set[str]) -> dict[str, SignOff]:
    """The record that counts per role: the last read; for a signed role the latest dated
    (ties: the last read)."""
    latest: dict[str, SignOff] = {}
    for rec in records:  # in the order read: the last one appended for a role counts
        old = latest.get(rec.role)
        if old is None or rec.role not in signed or _parse(rec.date) >= _parse(old.date):
            latest[rec.role] = rec
    return latest


def signoffs(
    project: Project,
    evidence: dict[str, Evidence],
    gov: Governance,
    keys: Mapping[str, Mapping[str, RoleKey]] | None = None,
) -> None:
    """Apply the sign-off rules for the definition's required roles; `keys`: the public keys
    of each signed role (`readiness.evidence.signing.role_keys`)."""
    policy = project.definition.signoffs
    version = project.definition.version
    if not policy.required and policy.check is None:
        return
    ev = evidence.get(policy.check) if policy.check else None
    if ev is not None and ev.status in ("error", "stale"):
        files = tuple((f.path, f.sha256) for f in ev.files)
        gov.blockers.append(
            Reason("evidence", ev.check, f"sign-offs: cannot be read: {ev.message}", files)
        )
    records: tuple[SignOff, ...] = ()
    if ev is not None and isinstance(ev.record, SignOffs):
        records = ev.record.records
    newest = _newest_evidence(evidence, policy.check)
    from readiness.evidence.signoffs import evidence_digests  # pydantic: when evaluating

    digests = evidence_digests(evidence)
    signed = set(policy.signed)
    latest = _counts(records, signed)
    for role in [*policy.required, *sorted(set(latest) - set(policy.required))]:
        required = role in policy.required
        r = latest.get(role)
        if r is None:
            text = f"sign-off: no sign-off from the required role {role!r}"
            gov.blockers.append(Reason("signoff", role, text, owner=role))
            gov.signoffs.append(SignOffRow(role, required, signature_required=role in signed))
            continue
        if role in signed:
            row = _judge_signature(r, role, required, (keys or {}).get(role, {}), gov)
            if row is not None:
                gov.signoffs.append(row)
                continue
        row = _judge_signoff(r, role, required, version, digests, newest, gov)
        if role in signed:
            row = replace(row, signature_required=True, signed_by=(r.signature or ("", ""))[0])
        gov.signoffs.append(row)


def _judge_signature(
    r: SignOff, role: str, required: bool, keys: Mapping[str, RoleKey], gov: Governance
) -> SignOffRow | None:
    """None when the record of a signed role carries a valid signature by one of the role's
    keys; else its row, missing, with the blocker (or note) saying why."""
    from readiness.evidence import signing

    if r.signature is None:
        problem = f"is not signed, and signoffs.signed requires a signature for {role!r}"
    else:
        data = signing.statement(
            role=r.role,
            name=r.name,
            decision=r.decision,
            date=r.date,
            version=r.version,
            comment=r.comment,
            evidence_digest=r.evidence_digest,
        )
        problem = signing.verify(data, *r.signature, keys, role)
    if not problem:
        return None
    where = f"{r.source}:{r.line}" if r.line is not None else r.source
    text = f"sign-off: {r.name} ({role}, {r.decision}) in {where} {problem}: counted as missing"
    _block_or_note(gov, required, Reason("signoff", role, text, owner=role))
    return SignOffRow(
        role,
        required,
        source=r.source,
        signature_required=True,
        signature=r.signature,
        signature_problem=problem,
    )


def _judge_signoff(
    r: SignOff,
    role: str,
    required: bool,
    version: str,
    digests: dict[str, str],
    newest: float | None,
    gov: Governance,
) -> SignOffRow:
    """One role's latest record against the rules; adds its blocker, condition or note."""
    row = SignOffRow(
        role,
        required,
        name=r.name,
        decision=r.decision,
        date=r.date,
        version=r.version,
        comment=r.comment or None,
        source=r.source,
        evidence_digest=r.evidence_digest,
        signature=r.signature,
    )
    who = f"{r.name} ({role})"
    if r.version != version:
        text = f"sign-off: {who} signed version {r.version}, not {version}"
        _block_or_note(gov, required, Reason("signoff", role, text, owner=role))
        return replace(row, status="wrong-version")
    if r.decision == "reject":
        text = f"sign-off: {who} rejected the release" + (f": {r.comment}" if r.comment else "")
        _block_or_note(gov, required, Reason("signoff", role, text, owner=role))
        return replace(row, status="rejected")
    if r.decision == "approve-with-conditions":
        row = replace(row, status="conditional")
        text = f"sign-off: {who} approved with conditions: {r.comment or '-'}"
        gov.conditions.append(Reason("signoff", role, text, owner=role))
    else:
        row = replace(row, status="approved")
    stale = _stale(r, digests, newest)
    if stale is not None:
        gov.conditions.append(Reason("signoff", role, f"sign-off: {who} {stale}", owner=role))
        row = replace(row, stale=True, stale_reason=stale)
    return row


def _block_or_note(gov: Governance, required: bool, reason: Reason) -> None:
    if required:
        gov.blockers.append(reason)
    else:
        gov.notes.append(reason.text)


def risks(project: Project, evaluation: Evaluation, today: dt.date, gov: Governance) -> None:
    """Apply the risk-register rules."""
    d = project.definition
    status_of = {r.key: r.status for r in evaluation.results}
    for risk in d.risks:
        checks = tuple(RiskCheck(c, status_of.get(c, "MISSING")) for c in risk.verified_by)
        verified = bool(checks) and all(c.status == "PASS" for c in checks)
        acc = risk.accepted
        status: RiskState = "verified" if verified else "unverified"
        label = f"risk {risk.id} ({risk.impact} impact): {risk.title}"
        failing = ", ".join(f"{c.criterion} {c.status}" for c in checks if c.status != "PASS")
        owner = risk.owner or risk.id
        if verified and acc is not None:
            gov.notes.append(f"{label}: verified; acceptance not needed")
        elif acc is not None and today <= acc.expires:
            status = "accepted"
            text = (
                f"{label}: accepted until {acc.expires.isoformat()} by {acc.approver.name} "
                f"({acc.approver.role}): {acc.reason}"
                + (f" (not verified: {failing})" if failing else "")
            )
            gov.conditions.append(Reason("risk", risk.id, text, owner=owner))
        elif acc is not None:
            status = "acceptance-expired"
            gov.notes.append(f"{label}: its acceptance expired on {acc.expires.isoformat()}")
        blocks = risk.impact in d.risk_blocking_impact and status in (
            "unverified",
            "acceptance-expired",
        )
        if blocks:
            why = (
                f"its response plan is not proven ({failing})"
                if checks
                else "no verifying criterion (verified-by) proves its response plan"
            )
            gov.blockers.append(Reason("risk", risk.id, f"{label}: {why}", owner=owner))
        elif status == "unverified":
            gov.notes.append(f"{label}: response plan not proven (impact below the blocking level)")
        accepted = (
            None
            if acc is None
            else Acceptance(
                acc.reason, acc.approver.name, acc.approver.role, acc.expires.isoformat()
            )
        )
        gov.risks.append(
            RiskRow(
                risk.id,
                risk.title,
                risk.impact,
                risk.likelihood,
                risk.owner,
                risk.response,
                risk.trigger,
                status,
                blocks,
                checks,
                accepted,
            )
        )


def evaluate(
    project: Project,
    evidence: dict[str, Evidence],
    evaluation: Evaluation,
    today: dt.date,
    keys: Mapping[str, Mapping[str, RoleKey]] | None = None,
) -> Governance:
    """Both rule sets; `keys`: the signed roles' public keys, as for `signoffs`."""
    gov = Governance()
    signoffs(project, evidence, gov, keys)
    risks(project, evaluation, today, gov)
    return gov
