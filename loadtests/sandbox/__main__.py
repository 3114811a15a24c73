"""`python -m sandbox [--port P] [--host H] [--allow-remote]`: run the sandbox exchange."""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal, InvalidOperation

from sandbox.app import DEFAULT_SYMBOLS
from sandbox.server import DEFAULT_PORT, RemoteBindRefused, serve


def _bps(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError("must be a finite number >= 0")
    return value


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until SIGTERM/SIGINT."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="Sandbox exchange (order books + rebate ledger) over loopback HTTP.",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"TCP port (default {DEFAULT_PORT}; 0 = pick a free one and print it)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback bind address (the API has no authentication)",
    )
    parser.add_argument(
        "--symbols",
        default=",".join(DEFAULT_SYMBOLS),
        help=f"comma-separated symbols (default {','.join(DEFAULT_SYMBOLS)})",
    )
    parser.add_argument(
        "--rebate-bps", type=_bps, default=Decimal(2), help="maker rebate in bps of notional"
    )
    parser.add_argument("--access-log", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error("--port must be in 0..65535")
    symbols = tuple(s.strip() for s in args.symbols.split(",") if s.strip())
    if not symbols:
        parser.error("--symbols needs at least one symbol")
    try:
        return serve(
            args.host,
            args.port,
            allow_remote=args.allow_remote,
            symbols=symbols,
            rebate_bps=args.rebate_bps,
            access_log=args.access_log,
        )
    except (RemoteBindRefused, ValueError) as exc:  # ValueError: READINESS_SANDBOX_DELAY_MS
        print(f"sandbox: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"sandbox: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
