"""Claims: which process is training which cohort, so two runs of one study never train the
same cohort.

A runner claims the unfinished cohorts it will train, in one ``BEGIN IMMEDIATE`` transaction,
before it trains any; a cohort already claimed by a live runner is left to it. A claim names
its owner (host, pid, and a token per run) and carries a heartbeat that the owner refreshes
every :data:`HEARTBEAT_S` seconds while it runs. A claim is **stale** -- taken over by the
next runner at once -- when:

* its owner is on this host and its process is gone (a run killed with ``kill -9``);
* its owner is this very process, but no run of it holds the claim any more;
* its heartbeat is older than :data:`STALE_S` (an owner on another host, or a reused pid).

Committing a chunk of a cohort claimed by another run is refused (the run that lost its claim,
for example one stopped with Ctrl-Z for longer than :data:`STALE_S`, stops with a message).
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

HEARTBEAT_S = 5.0
"""How often a running owner refreshes its claims' heartbeat."""
STALE_S = 60.0
"""A claim whose heartbeat is older than this is stale, whoever holds it."""
HOST = socket.gethostname()

_RUNNING: set[str] = set()
"""Tokens of the runs of this process that hold claims now."""


@dataclass(frozen=True)
class Owner:
    """A runner that claims cohorts: this process, one token per run."""

    host: str = HOST
    pid: int = field(default_factory=os.getpid)
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    def start(self) -> None:
        """This run holds claims from now on (its claims are live in this process)."""
        _RUNNING.add(self.token)

    def stop(self) -> None:
        """This run holds no claims any more."""
        _RUNNING.discard(self.token)


@dataclass(frozen=True)
class Claim:
    """A row of the ``claims`` table."""

    cohort: str
    host: str
    pid: int
    token: str
    heartbeat: float

    def __str__(self) -> str:
        where = "this host" if self.host == HOST else f"host {self.host!r}"
        return f"pid {self.pid} on {where}"

    def live(self, now: float | None = None) -> bool:
        """Whether its owner may still be training the cohort (see the module's rules)."""
        now = time.time() if now is None else now
        if self.token in _RUNNING:
            return True
        if now - self.heartbeat > STALE_S:
            return False
        if self.host != HOST:
            return True
        if self.pid == os.getpid():
            return False  # this process, but none of its runs holds it
        return _alive(self.pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    except OSError:
        return False
    return True


def rows(con: sqlite3.Connection, study: str) -> dict[str, Claim]:
    """The study's claims, by cohort (none when the table does not exist yet)."""
    if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'claims'").fetchone():
        return {}
    found = con.execute(
        "SELECT cohort, host, pid, token, heartbeat FROM claims WHERE study = ?", (study,)
    )
    return {r[0]: Claim(*r) for r in found}


def take(
    con: sqlite3.Connection, study: str, cohorts: Iterable[str], owner: Owner
) -> dict[str, Claim]:
    """Claim ``cohorts`` for ``owner`` inside the caller's write transaction: those free, stale
    or already its own. Returns the live claims of others on the rest, by cohort."""
    now = time.time()
    held = rows(con, study)
    others = {}
    for cohort in cohorts:
        claim = held.get(cohort)
        if claim is not None and claim.token != owner.token and claim.live(now):
            others[cohort] = claim
            continue
        con.execute(
            "INSERT INTO claims (study, cohort, host, pid, token, heartbeat) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (study, cohort) DO UPDATE SET "
            "host = excluded.host, pid = excluded.pid, token = excluded.token, "
            "heartbeat = excluded.heartbeat",
            (study, cohort, owner.host, owner.pid, owner.token, now),
        )
    return others
