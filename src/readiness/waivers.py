"""Waiver rules, pure: is a waiver valid, and which security findings does it cover?

A waiver names one criterion and, for security findings, as narrow a selector as possible: a
rule id, a CVE (or any alias), a fingerprint, a package (`name` or `name@version`) or a
location (`path` or `path:line`). It needs a reason, an approver with a role, and an expiry
date; it is valid through that date (inclusive). It is refused when the criterion is not
waivable or the approver's role is not one the gate allows (`waivable-by`); an expired waiver
or one approved by a role not allowed blocks the release; one that matches nothing is reported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from readiness.evidence.records import Finding

if TYPE_CHECKING:
    from readiness.definition import Criterion, Waiver

WaiverState = Literal["applied", "expired", "role-not-allowed", "not-waivable", "unused"]


@dataclass(frozen=True)
class WaiverUse:
    """A waiver as applied (or refused) for one criterion."""

    criterion: str
    reason: str
    approver: str
    role: str
    expires: str
    state: WaiverState
    finding: str | None = None
    matched: int = 0  # findings it covers (finding waivers)
    source: str = ""  # "definition" or the VEX document it came from


def state(
    w: Waiver, crit: Criterion, allowed: list[str] | None, today: dt.date
) -> Literal["applied", "expired", "role-not-allowed", "not-waivable"]:
    """Whether a waiver may apply to its criterion today (before asking if it matches)."""
    if not crit.spec.waivable:
        return "not-waivable"
    if allowed is not None and w.approver.role not in allowed:
        return "role-not-allowed"
    if today > w.expires:
        return "expired"
    return "applied"


def use(w: Waiver, st: WaiverState, matched: int = 0, source: str = "definition") -> WaiverUse:
    return WaiverUse(
        criterion=w.criterion,
        reason=w.reason,
        approver=w.approver.name,
        role=w.approver.role,
        expires=w.expires.isoformat(),
        state=st,
        finding=w.finding,
        matched=matched,
        source=source,
    )


def matches(f: Finding, selector: str) -> bool:
    """Whether a finding is the one a waiver's `finding:` names (case-insensitive ids)."""
    sel = selector.strip()
    low = sel.lower()
    if low in (f.rule.lower(), f.fingerprint.lower()) and sel:
        return True
    if any(low == a.lower() for a in f.aliases):
        return True
    if f.package and (low == f.package.lower() or low == f"{f.package}@{_version(f)}".lower()):
        return True
    return bool(f.location) and (sel == f.location or sel == f.location.rsplit(":", 1)[0])


def _version(f: Finding) -> str:
    return f.location.rsplit("@", 1)[1] if "@" in f.location else ""
