"""The one exception hierarchy; `cli.main` maps each class to an exit code in one place."""

from __future__ import annotations


class ReadinessError(Exception):
    """Base of every error readiness reports as one clear line (never a traceback)."""

    exit_code = 2


class DefinitionError(ReadinessError):
    """A definition, gate or check file is invalid: bad YAML, schema, reference or threshold."""

    def __init__(self, message: str, *, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems if problems is not None else [message]

    def __str__(self) -> str:
        if len(self.problems) <= 1:
            return self.problems[0] if self.problems else super().__str__()
        return f"{len(self.problems)} problems:\n" + "\n".join(f"  {p}" for p in self.problems)


class EvidenceError(ReadinessError):
    """An evidence file is missing, unreadable, malformed, hostile or stale.

    Adapters raise it; the engine turns it into an ERROR (or MISSING) result for the check,
    so it never escapes to the user as an exception during `evaluate`.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = path if path is not None else ""
        if path is not None and line is not None:
            where = f"{path}:{line}"
        super().__init__(f"{where}: {message}" if where else message)
        self.reason = message


class UsageError(ReadinessError):
    """The command line asks for something impossible (unknown stage, unknown format, ...)."""


class PluginError(ReadinessError):
    """An adapter plugin failed to load or broke its contract."""


class WriteError(ReadinessError):
    """A file readiness was asked to write could not be written (full disk, file-size limit,
    a directory or a file in the way): the message names the path and the reason."""

    def __init__(self, path: str, exc: OSError) -> None:
        reason = exc.strerror or str(exc)
        other = exc.filename if isinstance(exc.filename, str) else None
        if other and other != path and not other.endswith(".tmp"):
            reason += f" ({other})"
        super().__init__(f"cannot write {path}: {reason}")
        self.path = path


class CollectError(ReadinessError):
    """A check's command or service could not be run at all (not found, bad cwd)."""


class StoreError(ReadinessError):
    """The evaluation store cannot be used: locked, corrupt, unreachable, refused, read-only, or
    of a newer schema. One line naming the store (password masked) and the reason.

    `evaluate` reports it and still prints its verdict, unless `--require-record` is given."""

    def __init__(self, store: str, reason: str) -> None:
        self.store = store
        self.reason = reason
        super().__init__(f"evaluation store {store}: {reason}")


class ExitCode:
    """The one exit-code table (README: "Exit codes"); `verdict.exit_code` maps verdicts onto it."""

    GO = 0
    CONDITIONAL_GO = 0
    CONDITIONAL_GO_STRICT = 1
    NO_GO = 1
    INVALID = 2  # invalid definition, usage or plugin error
    REPORT_NOT_WRITTEN = 2  # the verdict was GO/CONDITIONAL GO, but a report could not be written
    NOT_RECORDED = 2  # --require-record, and the evaluation store could not record it
    INTERNAL = 3  # a bug in readiness: reported with a traceback
    INTERRUPTED = 130
