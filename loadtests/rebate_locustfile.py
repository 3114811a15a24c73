"""Load on the sandbox's rebate ledger: accruals and payout queries.

Request names: "POST /rebates/accrue" and "GET /rebates" (the account is in the path, not in
the name). A 423 answer means the risk-control freeze switch is on: it counts as a failure here,
because this test measures the accrual path, not the kill switch. Run it as described in
loadtests/README.md (always --headless with -t).
"""

from __future__ import annotations

import random

import common  # also registers the loopback guard
import hdr_listener  # noqa: F401 - registers the HDR recorder and the --hdr-log option
from locust import FastHttpUser, task

ACCOUNTS = 200


class RebateUser(FastHttpUser):
    """A rebate service client: accrues small amounts and queries payable balances."""

    host = common.DEFAULT_HOST
    wait_time = common.paced  # --user-rps N paces each user at N tasks/s

    @task(5)
    def accrue(self) -> None:
        self.client.post(
            "/rebates/accrue",
            json={
                "account": f"acct-{random.randint(1, ACCOUNTS)}",
                "amount": f"0.{random.randint(1, 9999):04d}",
            },
            name="/rebates/accrue",
        )

    @task(3)
    def payout(self) -> None:
        self.client.get(f"/rebates/acct-{random.randint(1, ACCOUNTS)}", name="/rebates")
