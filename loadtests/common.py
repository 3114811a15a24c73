"""Shared by the locustfiles: the default host, and the loopback-only guard.

The load tests target the loopback sandbox. A non-loopback `--host` (or `SANDBOX_URL`) is
refused when the test starts, unless the environment variable `READINESS_ALLOW_REMOTE=1` says
the operator means it: load is never sent to another machine by accident.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import random
import time
from typing import Any
from urllib.parse import urlsplit

import gevent
from locust import constant_throughput, events
from locust.runners import WorkerRunner

DEFAULT_HOST = os.environ.get("SANDBOX_URL", "http://127.0.0.1:8700")
ALLOW_REMOTE_ENV = "READINESS_ALLOW_REMOTE"
REFUSED_EXIT_CODE = 2

log = logging.getLogger("loadtests")


def is_loopback_url(url: str) -> bool:
    """True when the URL's host is `localhost` or a loopback IP literal (127/8, ::1)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def target_hosts(environment: Any) -> list[str]:
    """The host(s) the run would hit: `--host`, else each user class's own `host`."""
    if environment.host:
        return [environment.host]
    return sorted({str(getattr(u, "host", "") or "") for u in environment.user_classes})


@events.test_start.add_listener
def refuse_remote_host(environment: Any, **_kwargs: Any) -> None:
    """Stop the run before any user starts if it targets a non-loopback host."""
    if isinstance(environment.runner, WorkerRunner):
        return  # the master (or the local runner) decides, once
    if os.environ.get(ALLOW_REMOTE_ENV) == "1":
        return
    remote = [h for h in target_hosts(environment) if not is_loopback_url(h)]
    if not remote:
        return
    log.error(
        "refusing to load %s: not a loopback address. These load tests target the sandbox on "
        "127.0.0.1; set %s=1 to send load to another machine on purpose.",
        ", ".join(remote),
        ALLOW_REMOTE_ENV,
    )
    environment.process_exit_code = REFUSED_EXIT_CODE
    # Quit through the runner (a master also tells its workers to quit), and abort the start()
    # that fired this event before it spawns a single user: GreenletExit ends the calling
    # greenlet quietly (Locust re-raises only BaseExceptions from listeners, and gevent treats
    # GreenletExit as a normal end, so no traceback is logged).
    gevent.spawn(environment.runner.quit)
    raise gevent.GreenletExit


@events.init_command_line_parser.add_listener
def add_pace_option(parser: Any) -> None:
    """`--user-rps N`: each user runs N tasks per second (constant throughput), so the run
    offers a known load (`-u 20 --user-rps 10`: about 200 requests per second) and its
    latencies are those of that load, not of a saturated machine. 0, the default, runs tasks
    back to back (a saturation test: its latency is mostly queueing, and depends on the
    machine)."""
    parser.add_argument(
        "--user-rps",
        type=float,
        default=0.0,
        help="Tasks per second per user (constant throughput); 0: as fast as possible",
    )


def paced(user: Any) -> float:
    """A user's wait before its next task: per `--user-rps`, else 0 to 10 ms.

    Paced users start at a random point of their period: users spawned at a round rate
    (`-r 20`) would otherwise fire in lockstep, and a burst of 10 simultaneous requests every
    50 ms measures the burst's queue, not the service (p99 47 ms instead of 8 ms at the same
    200 requests per second on 2 cores)."""
    rps = float(getattr(user.environment.parsed_options, "user_rps", 0.0) or 0.0)
    if rps <= 0:
        return random.random() * 0.01
    if not getattr(user, "_paced", False):
        user._paced = True
        offset = random.random() / rps
        # constant_throughput keeps its phase from these two (Locust's constant_pacing)
        user._cp_last_run = time.perf_counter()
        user._cp_last_wait_time = offset
        return offset
    return float(constant_throughput(rps)(user))
