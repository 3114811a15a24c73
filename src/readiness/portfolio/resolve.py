"""Load a portfolio's definitions and put them in dependency order.

Every problem of every definition is collected before failing, as `validate` does for one, and
the portfolio adds its own, each located by file and line: two definitions of one release, a
requirement naming a release no definition has, and a cycle of requirements (reported at the
entry that closes it, with the whole cycle spelled out).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from pathlib import Path

from readiness import pipeline
from readiness.definition import Project
from readiness.errors import DefinitionError, UsageError


@dataclass(frozen=True)
class Member:
    """One definition of the portfolio."""

    path: Path
    project: Project

    @property
    def release(self) -> str:
        return self.project.definition.release


def definition_files(root: Path) -> list[Path]:
    """`root/definitions/*.yaml` (and `.yml`), sorted; UsageError when there are none."""
    folder = root / "definitions"
    files = sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))
    if not files:
        raise UsageError(f"{folder}: no definitions (*.yaml) to make a portfolio of")
    return files


def load(root: Path) -> list[Member]:
    """Every definition under `root/definitions`, validated, in dependency order (a release
    after every release it requires; otherwise in file-name order). DefinitionError lists every
    problem."""
    problems: list[str] = []
    members: list[Member] = []
    for path in definition_files(root):
        try:
            members.append(Member(path, pipeline.load(path, root)))
        except DefinitionError as exc:
            problems.extend(exc.problems)
    by_name: dict[str, Member] = {}
    for m in members:
        first = by_name.setdefault(m.release, m)
        if first is not m:
            problems.append(
                f"{m.project.doc.where(('release',))}: release {m.release!r} is also defined "
                f"by {first.project.doc.path}"
            )
    problems += graph_problems(members, by_name)
    if problems:
        raise DefinitionError("invalid portfolio", problems=problems)
    return order(members)


def graph_problems(members: list[Member], by_name: dict[str, Member]) -> list[str]:
    """Unknown required releases and cycles, each located at a `requires` entry."""
    problems: list[str] = []
    known = ", ".join(sorted(by_name)) or "none"
    for m in members:
        for i, req in enumerate(m.project.definition.requires):
            if req.release not in by_name:
                problems.append(
                    f"{m.project.doc.where(('requires', i, 'release'))}: no release "
                    f"{req.release!r} in the portfolio (releases: {known})"
                )
    reported: set[frozenset[str]] = set()
    for cycle, (member, index) in _cycles(members, by_name):
        key = frozenset(cycle)
        if key in reported:
            continue
        reported.add(key)
        problems.append(
            f"{member.project.doc.where(('requires', index, 'release'))}: a cycle of requirements: "
            + " -> ".join([*cycle, cycle[0]])
        )
    return problems


def _cycles(
    members: list[Member], by_name: dict[str, Member]
) -> list[tuple[list[str], tuple[Member, int]]]:
    """Each cycle found by a depth-first search, with the `requires` entry closing it."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []
    found: list[tuple[list[str], tuple[Member, int]]] = []

    def visit(name: str) -> None:
        state[name] = 1
        stack.append(name)
        member = by_name[name]
        for i, req in enumerate(member.project.definition.requires):
            nxt = req.release
            if nxt not in by_name:
                continue
            if state.get(nxt) == 1:
                found.append((stack[stack.index(nxt) :], (member, i)))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[name] = 2

    for m in members:
        if m.release not in state and by_name.get(m.release) is m:
            visit(m.release)
    return found


def order(members: list[Member]) -> list[Member]:
    """Topological order (Kahn), ties broken by the order given (file names): deterministic."""
    index = {m.release: i for i, m in enumerate(members)}
    needs = {m.release: {r.release for r in m.project.definition.requires} for m in members}
    users: dict[str, list[str]] = {m.release: [] for m in members}
    for name, deps in needs.items():
        for dep in deps:
            users[dep].append(name)
    waiting = {name: len(deps) for name, deps in needs.items()}
    ready = [index[n] for n, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    out: list[Member] = []
    while ready:
        member = members[heapq.heappop(ready)]
        out.append(member)
        for user in users[member.release]:
            waiting[user] -= 1
            if waiting[user] == 0:
                heapq.heappush(ready, index[user])
    return out
