"""The portfolio as renderers see it: frozen values, no I/O."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from readiness.reasons import Reason
from readiness.requires import Resolution

MilestoneState = Literal["on track", "at risk", "late", "done"]


@dataclass(frozen=True)
class Slip:
    """A late release this one requires: its milestone moves by `days`."""

    release: str  # the required release
    stage: str  # its late milestone's stage (or the one it inherited the slip through)
    days: int  # how many days the date moves
    via: str = ""  # the release it inherited the slip from, when not its own


@dataclass(frozen=True)
class MilestoneStatus:
    """The next milestone of a release and its state."""

    stage: str
    date: dt.date
    state: MilestoneState
    days: int  # days left (>= 0) or overdue (< 0)
    slips: tuple[Slip, ...] = ()

    @property
    def expected(self) -> dt.date:
        """The date the slips of the releases it requires move it to."""
        return self.date + dt.timedelta(days=max((s.days for s in self.slips), default=0))


@dataclass(frozen=True)
class ReleaseRow:
    """One release of the portfolio, evaluated."""

    release: str
    version: str
    stage: str  # the stage evaluated
    verdict: str
    owner: str
    definition: str  # path relative to the portfolio root
    requires: tuple[Resolution, ...]
    blockers: tuple[Reason, ...]
    conditions: tuple[Reason, ...]
    milestone: MilestoneStatus | None
    milestones: tuple[tuple[str, dt.date], ...]
    reached: str | None  # the highest stage reached with GO or CONDITIONAL GO
    risks: tuple[dict[str, Any], ...]
    signoffs: tuple[dict[str, Any], ...]
    waivers: tuple[dict[str, str], ...]  # criterion, approver, role, expires, state
    at_risk_days: int = 7

    @property
    def on_track(self) -> bool:
        """No milestone at risk or late (a release without milestones is on track)."""
        return self.milestone is None or self.milestone.state in ("on track", "done")

    def blockers_by_owner(self) -> dict[str, list[Reason]]:
        """Blockers grouped by who must act (a gate, a role, a required release)."""
        risk_owner = {str(r.get("id")): str(r.get("owner") or "") for r in self.risks}
        out: dict[str, list[Reason]] = {}
        for b in self.blockers:
            owner = b.owner
            if not owner and b.kind == "signoff":  # the role that must sign
                m = re.search(r"role '([^']+)'|\(([^()]+)\)", b.text)
                owner = f"role {m[1] or m[2]}" if m else ""
            if not owner and b.kind == "risk":
                owner = risk_owner.get(b.subject, "")
            out.setdefault(owner or b.kind, []).append(b)
        return out


@dataclass(frozen=True)
class Expiring:
    """A waiver or a risk acceptance that ends within the window (or has ended)."""

    release: str
    kind: Literal["waiver", "risk acceptance"]
    subject: str
    expires: dt.date
    days: int
    approver: str


@dataclass(frozen=True)
class Owed:
    """A sign-off a role still owes: missing, rejected, stale or for another version."""

    role: str
    release: str
    state: str
    detail: str = ""


@dataclass(frozen=True)
class Change:
    """One thing that changed since the last review."""

    release: str
    kind: Literal[
        "new release",
        "verdict",
        "new blocker",
        "closed blocker",
        "regressed",
        "risk added",
        "risk accepted",
        "milestone slipped",
    ]
    text: str


@dataclass(frozen=True)
class Since:
    """The window of "what changed since the last review"."""

    date: dt.date
    compared: int  # releases with an evaluation recorded at or before `date`
    changes: tuple[Change, ...]
    problem: str = ""  # why nothing could be compared (no store, unreadable)


@dataclass(frozen=True)
class Portfolio:
    """Everything the portfolio's renderers need."""

    root: str
    generated_at: str
    today: dt.date
    releases: tuple[ReleaseRow, ...]  # in dependency order
    critical_path: tuple[str, ...]  # to the next launch
    next_launch: tuple[str, dt.date] | None
    expiring: tuple[Expiring, ...]
    owed: tuple[Owed, ...]
    since: Since | None
    expiry_days: int
    notes: tuple[str, ...] = field(default=())
    exit_code: int = 0

    def row(self, release: str) -> ReleaseRow | None:
        return next((r for r in self.releases if r.release == release), None)
