"""A run's claims on the cohorts it trains, and the heartbeat that keeps them live.

The rules (who may take a claim, when it is stale) are the store's
(:mod:`batchlab.store._claims`); this is the runner's side: claim the unfinished cohorts up
front, refresh the heartbeat from a background thread while training, release at the end.
"""

from __future__ import annotations

import threading

from batchlab.errors import BatchlabError
from batchlab.store import MEMORY, Store
from batchlab.store._claims import HEARTBEAT_S, Claim, Owner


class Claims:
    """The claims of one run of ``study`` on ``store`` (a context manager).

    ``take(cohorts)`` claims what no live run holds and returns the others' claims; on exit
    the claims are released, and a run that stopped early (an exception, Ctrl-C) marks the
    study ``interrupted`` unless another live run still holds part of it. A store in memory
    has no other process: nothing is written for it.
    """

    def __init__(self, store: Store, study: str):
        self.store = store
        self.study = study
        self.owner = Owner()
        self._shared = str(store.path) != MEMORY
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._taken = False

    def take(self, cohorts: list[str]) -> dict[str, Claim]:
        """Claim ``cohorts``; returns the live claims of other runs on some of them."""
        if not self._shared or not cohorts:
            return {}
        self.owner.start()
        self.store.claimant = self.owner
        others = self.store.claim(self.study, cohorts, self.owner)
        self._taken = len(others) < len(cohorts)
        if self._taken and self._thread is None:
            self._thread = threading.Thread(
                target=self._beat, name="batchlab-heartbeat", daemon=True
            )
            self._thread.start()
        return others

    def _beat(self) -> None:
        try:
            with Store(self.store.path, create=False) as own:  # a connection of this thread
                while not self._stop.wait(HEARTBEAT_S):
                    own.beat(self.owner)
        except BatchlabError:
            pass  # a store gone or locked for long: the claims go stale, as for a killed run

    def __enter__(self) -> Claims:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        try:
            if self._taken:
                self.store.release(self.study, self.owner, stopped=kind is not None)
        finally:
            self.owner.stop()
            self.store.claimant = None
