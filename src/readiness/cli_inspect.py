"""`readiness inspect` without click, for the plain invocations a CI step runs; the console
script's entry point (`entry`), and how a process of its own leaves (`leave`).

Importing click costs about as much as reading a small evidence file (some 11 ms of start-up),
so `python -m readiness.cli inspect --kind junit FILE` runs the command before click is
imported. Only arguments that need nothing of click's are run here: the options `--kind K`
(or `--kind=K`, a built-in kind, given once) and `--json`, and files that are all regular files.
Anything else (`--help`, `--option`, an unknown option, `--`, a missing file, a directory...)
returns to click, which parses, reports and exits as it always has. The command itself is
`commands.inspecting.inspect`, as for click; its output is written as `click.echo` writes it
(click itself is used for a stream or a text that needs its care: colour codes, an ASCII or
closed stream).
"""

from __future__ import annotations

import codecs
import io
import os
import stat
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from readiness.evidence.digest import DigestChild


def plain_arguments(argv: Sequence[str]) -> tuple[list[str], str, bool, list[str]] | None:
    """(files, kind, --json, the --option values) of `inspect` arguments that need nothing of
    click; None if they do (help, another option, a value or file that looks like an option,
    no kind or file)."""
    if not argv or argv[0] != "inspect":
        return None
    files: list[str] = []
    kind: str | None = None
    as_json = False
    options: list[str] = []
    args = iter(argv[1:])
    for arg in args:
        if arg == "--json":
            as_json = True
        elif arg == "--kind" or arg.startswith("--kind="):
            value = arg[len("--kind=") :] if arg != "--kind" else next(args, None)
            if kind is not None or value is None or value.startswith("-"):
                return None
            kind = value
        elif arg == "--option" or arg.startswith("--option="):
            value = arg[len("--option=") :] if arg != "--option" else next(args, None)
            if value is None or value.startswith("-"):
                return None
            options.append(value)
        elif arg.startswith("-"):
            return None
        else:
            files.append(arg)
    if kind is None or not files:
        return None
    return files, kind, as_json, options


def _plain_options(kind: str, options: list[str]) -> dict[str, str] | None:
    """The `--option`s as the command takes them, if each is KEY=VALUE and the adapter reads
    them all without pydantic (`base.plain_options`); None leaves them to click's path, which
    words any error."""
    opts: dict[str, str] = {}
    for item in options:
        key, sep, value = item.partition("=")
        if not sep:
            return None
        opts[key] = value
    if opts:
        from readiness.evidence import registry
        from readiness.evidence.base import plain_options

        if plain_options(getattr(registry.get(kind), "defaults", None), opts) is None:
            return None
    return opts


def _regular_files(files: list[str]) -> bool:
    """Whether every file is a regular file (what click's path check and the command's own
    let through without a word)."""
    try:
        return all(stat.S_ISREG(Path(f).stat().st_mode) for f in files)
    except (OSError, ValueError):
        return False


def _early_digests(paths: list[Path]) -> DigestChild | None:
    """The files' sha256, computed by a forked process from the moment the files are known
    (when they add up to OVERLAP_BYTES or more, as `gather.Hashing` does), before the
    evidence layer and the adapter are even imported; None where it cannot be forked (the
    gather's own thread then hashes them). A file it could not read has no digest:
    `gather.file_metas` reads it again and words the error."""
    from readiness.evidence.digest import OVERLAP_BYTES, DigestChild  # hashlib only

    if sum(p.stat().st_size for p in paths) < OVERLAP_BYTES:
        return None
    return DigestChild.start(paths)


def _completing() -> bool:
    """Whether a shell is asking click for completions (`_READINESS_COMPLETE=...`)."""
    return any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ)


def run(argv: Sequence[str]) -> None:
    """Run `readiness inspect` and exit (SystemExit) if `argv` is a plain invocation of it;
    return, having done nothing, if it needs click."""
    plain = plain_arguments(argv)
    if plain is None or _completing():
        return
    files, kind, as_json, options = plain
    if not _regular_files(files):
        return
    early = _early_digests([Path(f) for f in files])  # big files: hashed while the rest loads
    try:
        _run(files, kind, as_json, options, early)
    finally:
        if early is not None:
            early.cancel()  # whatever ended the command: no hashing process outlives it


def _run(
    files: list[str], kind: str, as_json: bool, options: list[str], early: DigestChild | None
) -> None:
    from readiness.evidence import gather, registry

    if kind not in registry.BUILTIN:
        return
    paths = [Path(f) for f in files]
    known = early.get if early is not None else None  # known: the gather starts no thread
    hashing = gather.Hashing(paths, Path.cwd(), known)
    opts = _plain_options(kind, options)
    if opts is None:  # click's path reads and hashes on its own
        return
    from readiness.commands import inspecting
    from readiness.errors import EvidenceError, ExitCode

    try:
        text = inspecting.inspect(paths, kind, opts, as_json, hashing)
    except EvidenceError as exc:
        from readiness.render import safe  # the message may quote evidence text

        echo(f"readiness: error: {safe.terminal_block(exc)}", err=True)
        raise SystemExit(ExitCode.NO_GO) from None
    echo(text)
    raise SystemExit(0)


def entry() -> NoReturn:
    """The `readiness` console script: a plain `inspect` before click is imported (`fast`),
    anything else through the full command line."""
    fast(sys.argv[1:])
    from readiness.cli import main as full

    full()


def fast(argv: Sequence[str]) -> None:
    """`main`, leaving the process at once when it ran the command (`leave`)."""
    try:
        main(argv)
    except SystemExit as exc:
        leave(exc.code)
        raise


def leave(code: object) -> None:
    """Exit with `code` at once, once standard output and error are flushed: a process that
    read big evidence would otherwise spend a tenth of a second freeing it object by object
    (200,000 findings, a pyarrow pool) and unloading modules, for nothing. Everything the
    commands write is closed by then (`atomic`, the stores' context managers). Not under
    coverage (its data is written at exit), nor with SQLAlchemy loaded (a PostgreSQL
    connection is closed properly), nor when flushing fails: the interpreter's own exit
    then reports it as before."""
    if not isinstance(code, int) or {"coverage", "sqlalchemy"} & sys.modules.keys():
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(code)


def main(argv: Sequence[str]) -> None:
    """`python -m readiness.cli`: `run`, before click is imported. An error `run` does not
    report itself (a bug, a standard output that cannot be written) returns to the full
    command line, which runs the command again under its own error handling."""
    try:
        run(argv)
    except KeyboardInterrupt:
        _interrupted()
    except Exception:  # reported by the full command line, which runs it again
        return


def _interrupted() -> NoReturn:
    from readiness.errors import ExitCode

    echo("readiness: interrupted", err=True)
    raise SystemExit(ExitCode.INTERRUPTED)


def echo(text: str, *, err: bool = False) -> None:
    """`click.echo(text, err=err)`: a line written and flushed; through click when the text
    holds an escape sequence (click strips those off a terminal) or the stream is not a plain
    text stream with a non-ASCII encoding (click rewraps or skips it)."""
    stream = sys.stderr if err else sys.stdout
    if "\x1b" in text or not _plain_text_stream(stream):
        import click

        click.echo(text, err=err)
        return
    stream.write(text + "\n")
    stream.flush()


def _plain_text_stream(stream: object) -> bool:
    """A text stream click writes to as it is: encoding and errors set, not ASCII."""
    if not isinstance(stream, io.TextIOBase) or sys.platform == "win32":
        return False
    encoding = getattr(stream, "encoding", None)
    if not encoding or getattr(stream, "errors", None) is None:
        return False
    try:
        return codecs.lookup(encoding).name != "ascii"
    except LookupError:
        return True  # click keeps such a stream as it is too
