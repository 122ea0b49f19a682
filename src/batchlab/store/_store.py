"""The store: one SQLite file holding studies, trials, history, diagnostics, checkpoints.

Opened in WAL mode with a busy timeout, so several processes can write different studies
to one file at once; every write is one ``BEGIN IMMEDIATE`` transaction, so a killed run
leaves either a whole chunk or nothing of it.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from batchlab._format import plural
from batchlab._suggest import ranked
from batchlab.errors import StoreError
from batchlab.store import _claims, _npz
from batchlab.store._sql import ADDED_COLUMNS, CLAIMS_DDL, DDL, SCHEMA_VERSION
from batchlab.store.schema import (
    DIAGNOSTICS,
    HISTORY,
    HISTORY_EPOCH_COLUMNS,
    TRIALS,
    conform,
    empty,
)

ENV_VAR = "BATCHLAB_STORE"
DEFAULT_NAME = "batchlab.db"
BUSY_TIMEOUT_S = 30.0
MEMORY = ":memory:"
"""The path of a store that lives in this process's memory only (``bl.train``'s default)."""

_HISTORY_SQL_COLUMNS = ("study", "trial", *HISTORY_EPOCH_COLUMNS)
_TRIALS_SQL_COLUMNS = tuple(TRIALS)
_DIAGNOSTICS_SQL_COLUMNS = tuple(DIAGNOSTICS)


def default_store_path() -> Path:
    """``$BATCHLAB_STORE`` if set, else ``./batchlab.db``."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_NAME)


def _why_not_writable(path: Path) -> str | None:
    """Why the store file (or its folder, where SQLite keeps the WAL's files) cannot be
    written by this process, or None. (As root, permissions never refuse: see ``readonly``.)"""
    folder = path.parent if str(path.parent) else Path(".")
    if path.exists() and not os.access(path, os.W_OK):
        return f"the file {str(path)!r} is not writable"
    if not os.access(folder, os.W_OK):
        return f"its folder {str(folder)!r} is not writable"
    return None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _column(frame: pd.DataFrame, name: str, dtype: str) -> list[Any]:
    """Python values of a conformed column, None for missing (sqlite3 binds no numpy ints)."""
    values = frame[name]
    if dtype == "Int64":
        return [None if pd.isna(v) else int(v) for v in values]
    if dtype == "float64":
        return [None if np.isnan(v) else float(v) for v in values.to_numpy()]
    if dtype == "bool":
        return [int(v) for v in values.to_numpy()]
    return values.tolist()


def _rows(frame: pd.DataFrame, schema: Mapping[str, str], columns: tuple[str, ...]) -> list[tuple]:
    return list(zip(*(_column(frame, c, schema[c]) for c in columns), strict=True))


def _insert(con, table: str, frame, schema, columns: tuple[str, ...], where: str) -> None:
    """Insert a conformed frame's rows; a row already there is a StoreError, never a copy."""
    try:
        con.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            _rows(frame, schema, columns),
        )
    except sqlite3.IntegrityError as exc:
        raise StoreError(f"{where}: {table} rows already stored ({exc})") from None


def _with_schedule(trials: pd.DataFrame) -> pd.DataFrame:
    """A trials frame from before schedules (no ``schedule`` column): every trial without."""
    if "schedule" in trials.columns:
        return trials
    return trials.assign(schedule="")


def _damaged(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return any(
        words in text for words in ("malformed", "not a database", "disk image", "encrypted")
    )


def _read_only(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "readonly" in text or "read-only" in text


def _guarded(cls):
    """Wrap every public method of the store (and ``_require``) so that an ``sqlite3.Error``
    leaves it as a :class:`StoreError` naming the file and what to do (never a raw SQLite
    traceback)."""
    for name, member in list(vars(cls).items()):
        if (name.startswith("_") and name != "_require") or not callable(member):
            continue

        def guard(method):
            @functools.wraps(method)
            def wrapper(self, *args, **kwargs):
                try:
                    return method(self, *args, **kwargs)
                except sqlite3.Error as exc:
                    raise self._error(exc) from None

            return wrapper

        setattr(cls, name, guard(member))
    return cls


@_guarded
class Store:
    """A batchlab store (an SQLite file).

    Args:
        path: the file; ``None`` = :func:`default_store_path`; ``":memory:"`` for a store in
            memory, gone when closed.
        create: make a new store when the file does not exist (else StoreError).
        timeout: seconds a write waits for another process's transaction.
        readonly: ``None`` (default): read-write when the file and its folder can be written,
            else read-only; ``True``: read-only (SQLite's ``mode=ro``); ``False``: read-write
            or a StoreError saying why not.

    A read-only store can be read (``ls``, ``show``, ``export``, ``report``, ``plot``);
    writing to it is a StoreError naming the file and what to do. In a folder that cannot
    be written, SQLite cannot make the WAL's ``-shm`` file, so such a store is opened
    ``immutable`` (when no write-ahead log is pending). Every SQLite error is a
    :class:`StoreError` naming the file: a damaged file, a locked or read-only store.

    Use as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        create: bool = True,
        timeout: float = BUSY_TIMEOUT_S,
        readonly: bool | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self.timeout = float(timeout)
        memory = str(path) == MEMORY
        if not memory and self.path.is_dir():
            raise StoreError(f"store path {str(self.path)!r} is a directory, not a file")
        if not memory and not self.path.exists():
            if not create:
                raise StoreError(f"no store at {str(self.path)!r}")
            if not self.path.parent.exists():
                raise StoreError(
                    f"cannot create store {str(self.path)!r}: folder "
                    f"{str(self.path.parent)!r} does not exist"
                )
            if readonly:
                raise StoreError(f"no store at {str(self.path)!r} (asked to open it read-only)")
        why_not = None if memory else _why_not_writable(self.path)
        if readonly is False and why_not:
            raise StoreError(f"store {str(self.path)!r} cannot be written: {why_not}")
        if readonly:
            why_not = why_not or "it was opened read-only"
        self.readonly_reason: str | None = why_not
        self._depth = 0  # write transactions open (see transaction)
        self.claimant: _claims.Owner | None = None
        """The run that writes through this store, if it claims cohorts (a chunk of a cohort
        claimed by another run is refused)."""
        """Why the store is read-only, or None when it can be written."""
        if why_not and not self.path.exists():
            raise StoreError(f"cannot create store {str(self.path)!r}: {why_not}")
        try:
            self._con = self._connect(memory, timeout)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open store {str(self.path)!r}: {exc}") from None
        try:
            self._con.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            if not self.readonly:
                self._con.execute("PRAGMA journal_mode = WAL")
                self._con.execute("PRAGMA synchronous = NORMAL")
            self._con.execute("PRAGMA foreign_keys = ON")
            self._init_schema()
        except sqlite3.DatabaseError as exc:
            self._con.close()
            if _damaged(exc):
                raise self._error(exc) from None
            if _read_only(exc) and readonly is None and not self.readonly:
                # the file system refused a write that the permissions allowed: read-only
                self.__init__(path, create=create, timeout=timeout, readonly=True)
                return
            raise StoreError(
                f"{str(self.path)!r} is not a readable batchlab store (SQLite: {exc})"
            ) from None
        except BaseException:
            self._con.close()
            raise

    def _connect(self, memory: bool, timeout: float) -> sqlite3.Connection:
        if memory:
            return sqlite3.connect(MEMORY, timeout=timeout, isolation_level=None)
        if not self.readonly:
            return sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        uri = self.path.resolve().as_uri()
        con = sqlite3.connect(f"{uri}?mode=ro", timeout=timeout, isolation_level=None, uri=True)
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return con
        except sqlite3.OperationalError:
            # WAL readers need the -shm file: in a folder that cannot be written, and with
            # no write-ahead log pending, the file is read as it stands (immutable).
            con.close()
            wal = self.path.with_name(self.path.name + "-wal")
            if wal.exists() and wal.stat().st_size > 0:
                raise StoreError(
                    f"cannot read store {str(self.path)!r}: its folder cannot be written and "
                    f"it has a pending write-ahead log {str(wal)!r}; open it once where it "
                    "can be written (it is then checkpointed), or copy the three files to a "
                    "writable folder"
                ) from None
            return sqlite3.connect(
                f"{uri}?mode=ro&immutable=1", timeout=timeout, isolation_level=None, uri=True
            )

    @property
    def readonly(self) -> bool:
        """True when nothing can be written (see :attr:`readonly_reason`)."""
        return self.readonly_reason is not None

    def _error(self, exc: sqlite3.Error) -> StoreError:
        """The StoreError for an SQLite error: what happened to which file, and what to do."""
        where = f"store {str(self.path)!r}"
        text = str(exc).lower()
        if _damaged(exc):
            return StoreError(
                f"{where} is damaged and cannot be read (SQLite: {exc}). Restore it from a "
                f"copy, or rescue what is left with `sqlite3 {self.path} .recover | sqlite3 "
                "rescued.db`; or use another --store"
            )
        if _read_only(exc) or self.readonly:
            return self._read_only_error()
        if "locked" in text or "busy" in text:
            return StoreError(
                f"{where} is busy: another process held it locked for more than "
                f"{self.timeout:g} s (SQLite: {exc}); try again when it is done"
            )
        if "full" in text or "i/o" in text:
            return StoreError(
                f"{where}: SQLite could not write (SQLite: {exc}); check that the disk has "
                "room and the file can be written"
            )
        return StoreError(f"{where}: SQLite error: {exc}")

    def check_writable(self) -> None:
        """Raise the StoreError of a read-only store (naming the file, why, and what to do);
        nothing when it can be written."""
        if self.readonly:
            raise self._read_only_error()

    def _read_only_error(self) -> StoreError:
        why = self.readonly_reason or "the file system refused to write it"
        return StoreError(
            f"store {str(self.path)!r} is read-only ({why}): it can be read (ls, show, export, "
            "report, plot) but nothing can be written to it; make the file and its folder "
            "writable, or run into another --store"
        )

    # ---- connection -----------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (no lock upgrade, so no deadlock); inside
        :meth:`transaction`, part of that one."""
        if self.readonly:
            raise self._read_only_error()
        if self._depth:
            yield self._con
            return
        self._depth += 1
        try:  # BEGIN to COMMIT inside: a signal anywhere between leaves no open transaction
            try:
                self._con.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._error(exc) from None
            yield self._con
            self._con.execute("COMMIT")
        except BaseException:
            if self._con.in_transaction:  # SQLite may have rolled back already
                self._con.execute("ROLLBACK")
            raise
        finally:
            self._depth -= 1

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """One write transaction around several calls: what they read, decide and write is
        one atomic step, which no other process interleaves (the writes of the store's
        methods inside it join it). Everything is rolled back on an error."""
        with self._write():
            yield self

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: several SELECTs see the same snapshot (inside a write
        transaction, that one's)."""
        if self._con.in_transaction:
            yield self._con
            return
        try:  # BEGIN inside: a signal right after it leaves no open transaction
            self._con.execute("BEGIN")
            yield self._con
        finally:
            if self._con.in_transaction:
                self._con.execute("COMMIT")

    def _init_schema(self) -> None:
        version = self._schema_version()
        if version is None and self.readonly:
            tables = self._tables()
            what = f"it holds tables {', '.join(sorted(tables))}" if tables else "it is empty"
            raise StoreError(
                f"{str(self.path)!r} is not a batchlab store ({what}), and it is read-only"
            )
        if version is None:
            with self._write() as con:
                version = self._schema_version()  # another process may have just made it
                if version is None:
                    tables = self._tables()
                    if tables - {"meta"}:
                        raise StoreError(
                            f"{str(self.path)!r} is an SQLite database but not a batchlab "
                            f"store (it holds tables {', '.join(sorted(tables))})"
                        )
                    for statement in DDL:
                        con.execute(statement)
                    con.execute(
                        "INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                        (str(SCHEMA_VERSION),),
                    )
                    con.execute("INSERT INTO meta (key, value) VALUES ('created', ?)", (_now(),))
                    version = SCHEMA_VERSION
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"store {str(self.path)!r} was written by a newer batchlab (schema version "
                f"{version}; this batchlab reads up to {SCHEMA_VERSION}); upgrade batchlab "
                "to read it"
            )
        if not self.readonly and "claims" not in self._tables():
            with self._write() as con:  # added after schema version 1 (see _sql.py)
                con.execute(CLAIMS_DDL)
        missing = [(t, c, d) for t, c, d in ADDED_COLUMNS if c not in self._columns(t)]
        if missing and not self.readonly:
            with self._write() as con:  # added after schema version 1 (see _sql.py)
                for table, column, decl in missing:
                    if column not in self._columns(table):
                        con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")

    def _columns(self, table: str) -> set[str]:
        return {row[1] for row in self._con.execute(f"PRAGMA table_info({table})")}

    def _tables(self) -> set[str]:
        rows = self._con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}

    def _schema_version(self) -> int | None:
        if "meta" not in self._tables():
            return None
        row = self._con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            return None
        try:
            return int(row[0])
        except ValueError:
            raise StoreError(
                f"store {str(self.path)!r} has a bad schema_version {row[0]!r}"
            ) from None

    @property
    def schema_version(self) -> int:
        """The schema version written in the file."""
        return self._schema_version() or SCHEMA_VERSION

    # ---- studies --------------------------------------------------------------------

    def study_names(self) -> list[str]:
        """Names of the studies in the store, sorted."""
        return [n for (n,) in self._con.execute("SELECT name FROM studies ORDER BY name")]

    def _require(self, name: str) -> None:
        row = self._con.execute("SELECT 1 FROM studies WHERE name = ?", (name,)).fetchone()
        if row is None:
            names = self.study_names()
            if not names:
                raise StoreError(f"no study {name!r}: the store {str(self.path)!r} is empty")
            raise StoreError(
                f"no study {name!r} in store {str(self.path)!r}; "
                f"studies present (closest first): {', '.join(ranked(name, names))}"
            )

    def create_study(self, spec: Mapping[str, Any], spec_hash: str, trials: pd.DataFrame) -> None:
        """Record a new study, its trials (status ``pending``) and its cohorts.

        ``spec`` is ``Study.to_dict()``; ``trials`` is ``batchlab.run.plan.trials_frame``'s
        table (the ``study`` column may be absent). Raises StoreError if the name is taken.
        """
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            raise StoreError("create_study: the spec has no name")
        trials = trials.copy()
        if "study" not in trials.columns:
            trials["study"] = name
        if "status" not in trials.columns:
            trials["status"] = "pending"
        trials = conform(_with_schedule(trials), TRIALS, "trials table")
        if (trials["study"] != name).any():
            raise StoreError(f"create_study: trials table rows name another study than {name!r}")
        if trials["trial"].duplicated().any():
            raise StoreError("create_study: the trials table repeats a trial id")
        spec_json = json.dumps(spec, sort_keys=True, allow_nan=False)
        cohorts = list(dict.fromkeys(trials["cohort"]))
        with self._write() as con:
            if con.execute("SELECT 1 FROM studies WHERE name = ?", (name,)).fetchone():
                raise StoreError(
                    f"study {name!r} already exists in {str(self.path)!r}; resume it, or delete "
                    "it first (--new)"
                )
            con.execute(
                "INSERT INTO studies (name, spec_json, spec_hash, created, status) "
                "VALUES (?, ?, ?, ?, 'pending')",
                (name, spec_json, spec_hash, _now()),
            )
            _insert(con, "trials", trials, TRIALS, _TRIALS_SQL_COLUMNS, f"study {name!r}")
            con.executemany(
                "INSERT INTO cohorts (study, cohort) VALUES (?, ?)",
                [(name, cohort) for cohort in cohorts],
            )

    def get_study(self, name: str) -> dict[str, Any] | None:
        """``{"name", "spec", "spec_hash", "created", "status"}``, or None if absent."""
        row = self._con.execute(
            "SELECT name, spec_json, spec_hash, created, status FROM studies WHERE name = ?",
            (name,),
        ).fetchone()
        if row is None:
            return None
        return {
            "name": row[0],
            "spec": json.loads(row[1]),
            "spec_hash": row[2],
            "created": row[3],
            "status": row[4],
        }

    def delete_study(self, name: str) -> bool:
        """Delete a study and all its rows; True if it existed."""
        with self._write() as con:
            cursor = con.execute("DELETE FROM studies WHERE name = ?", (name,))
            return cursor.rowcount > 0

    def update_spec(self, name: str, spec: Mapping[str, Any], spec_hash: str) -> None:
        """Replace a study's stored spec by one that trains the same trials (a new
        description or analysis settings); its rows stay."""
        spec_json = json.dumps(spec, sort_keys=True, allow_nan=False)
        with self._write() as con:
            self._require(name)
            con.execute(
                "UPDATE studies SET spec_json = ?, spec_hash = ? WHERE name = ?",
                (spec_json, spec_hash, name),
            )

    def extend_study(
        self,
        name: str,
        spec: Mapping[str, Any],
        spec_hash: str,
        epochs: int,
        trials: pd.DataFrame,
    ) -> None:
        """Grow a stored study in place: every trial now trains ``epochs`` epochs (its cohort
        continues from its checkpoint), and ``trials`` (a trials table of new trials, ids and
        cohorts not yet used) are added, with their cohorts. Nothing stored is removed.

        Raises StoreError when ``epochs`` is fewer than a trial's, or a new trial or cohort
        is already there.
        """
        trials = trials.copy()
        trials["study"] = name
        trials["status"] = "pending"
        trials = conform(_with_schedule(trials), TRIALS, "trials table")
        spec_json = json.dumps(spec, sort_keys=True, allow_nan=False)
        with self._write() as con:
            self._require(name)
            most = con.execute("SELECT max(epochs) FROM trials WHERE study = ?", (name,))
            most = most.fetchone()[0] or 0
            if epochs < most:
                raise StoreError(
                    f"study {name!r}: cannot shorten its trials from {most} to "
                    f"{plural(epochs, 'epoch')}"
                )
            con.execute(
                "UPDATE studies SET spec_json = ?, spec_hash = ?, status = 'pending' "
                "WHERE name = ?",
                (spec_json, spec_hash, name),
            )
            con.execute("UPDATE trials SET epochs = ? WHERE study = ?", (epochs, name))
            con.execute(
                "UPDATE cohorts SET status = CASE WHEN epochs_done > 0 THEN 'running' "
                "ELSE 'pending' END WHERE study = ? AND epochs_done < ?",
                (name, epochs),
            )
            con.execute(
                "UPDATE trials SET status = 'running' WHERE study = ? AND cohort IN "
                "(SELECT cohort FROM cohorts WHERE study = ? AND status = 'running')",
                (name, name),
            )
            if len(trials):
                _insert(con, "trials", trials, TRIALS, _TRIALS_SQL_COLUMNS, f"study {name!r}")
                try:
                    con.executemany(
                        "INSERT INTO cohorts (study, cohort) VALUES (?, ?)",
                        [(name, c) for c in dict.fromkeys(trials["cohort"])],
                    )
                except sqlite3.IntegrityError:
                    raise StoreError(f"study {name!r}: a new cohort is already there") from None

    def has_progress(self, name: str) -> bool:
        """Whether any epoch of the study has been committed."""
        self._require(name)
        row = self._con.execute(
            "SELECT 1 FROM cohorts WHERE study = ? AND epochs_done > 0 LIMIT 1", (name,)
        ).fetchone()
        return row is not None

    # ---- claims: which run trains which cohort (see _claims.py) --------------------

    def claims(self, study: str, *, live: bool = False) -> dict[str, _claims.Claim]:
        """The study's claims by cohort (only those of live owners, with ``live``)."""
        found = _claims.rows(self._con, study)
        return {c: claim for c, claim in found.items() if claim.live() or not live}

    def claim(
        self, study: str, cohorts: list[str], owner: _claims.Owner
    ) -> dict[str, _claims.Claim]:
        """Claim ``cohorts`` of ``study`` for ``owner``, in one transaction: those that are
        free, stale or its own. Returns the others' live claims, by cohort. The study is
        ``running`` when anything was claimed."""
        with self._write() as con:
            self._require(study)
            others = _claims.take(con, study, cohorts, owner)
            if len(others) < len(cohorts):
                con.execute("UPDATE studies SET status = 'running' WHERE name = ?", (study,))
        return others

    def release(self, study: str, owner: _claims.Owner, *, stopped: bool = False) -> None:
        """Drop ``owner``'s claims on ``study``. With ``stopped`` (a run that ended before
        its cohorts did: Ctrl-C, an error), an unfinished study that no other live run
        holds is marked ``interrupted``."""
        with self._write() as con:
            con.execute("DELETE FROM claims WHERE study = ? AND token = ?", (study, owner.token))
            if stopped and not self.claims(study, live=True):
                con.execute(
                    "UPDATE studies SET status = 'interrupted' WHERE name = ? AND status != 'done'",
                    (study,),
                )

    def beat(self, owner: _claims.Owner) -> None:
        """Refresh the heartbeat of every claim of ``owner``."""
        with self._write() as con:
            con.execute(
                "UPDATE claims SET heartbeat = ? WHERE token = ?", (time.time(), owner.token)
            )

    def studies(self) -> pd.DataFrame:
        """One row per study: name, status, trials, cohorts, epochs, epochs_done,
        epochs_planned (the last two count trial-epochs: rows of history done, and
        trials x epochs), spec_hash, created.

        The status is ``pending`` (never run), ``running`` (a live run holds some of its
        cohorts), ``interrupted`` (stopped before its end: Ctrl-C, an error, a killed run;
        running the study again resumes it) or ``done``."""
        query = """
            SELECT s.name, s.status,
                   (SELECT count(*) FROM trials t WHERE t.study = s.name),
                   (SELECT count(*) FROM cohorts c WHERE c.study = s.name),
                   (SELECT max(epochs) FROM trials t WHERE t.study = s.name),
                   (SELECT count(*) FROM history h WHERE h.study = s.name),
                   (SELECT coalesce(sum(epochs), 0) FROM trials t WHERE t.study = s.name),
                   s.spec_hash, s.created
            FROM studies s ORDER BY s.name"""
        columns = {
            "name": "str",
            "status": "str",
            "trials": "int64",
            "cohorts": "int64",
            "epochs": "int64",
            "epochs_done": "int64",
            "epochs_planned": "int64",
            "spec_hash": "str",
            "created": "str",
        }
        with self._read() as con:
            rows = [list(r) for r in con.execute(query).fetchall()]
            for row in rows:  # a run that is gone (killed) left it 'running': it is not
                if row[1] == "running" and not self.claims(row[0], live=True):
                    row[1] = "interrupted"
        frame = pd.DataFrame(rows, columns=list(columns))
        frame["epochs"] = frame["epochs"].fillna(0)
        return conform(frame, columns, "studies") if rows else empty(columns)

    # ---- training progress ----------------------------------------------------------

    def _cohort_state(self, study: str, cohort: str) -> tuple[int, str]:
        row = self._con.execute(
            "SELECT epochs_done, status FROM cohorts WHERE study = ? AND cohort = ?",
            (study, cohort),
        ).fetchone()
        if row is None:
            self._require(study)
            cohorts = [
                c
                for (c,) in self._con.execute(
                    "SELECT cohort FROM cohorts WHERE study = ? ORDER BY rowid", (study,)
                )
            ]
            raise StoreError(
                f"study {study!r} has no cohort {cohort!r}; its cohorts: {', '.join(cohorts)}"
            )
        return row[0], row[1]

    def commit_chunk(
        self,
        study: str,
        cohort: str,
        history: pd.DataFrame | None,
        checkpoint: Mapping[str, np.ndarray] | None,
        epoch: int,
        diagnostics: pd.DataFrame | None = None,
        done: bool = False,
    ) -> None:
        """Write one chunk of a cohort's training in ONE transaction.

        Args:
            history: rows for epochs ``(epochs_done, epoch]`` of the cohort's trials, with
                ``trial`` and the per-epoch columns of docs/schema.md (trial-level columns,
                if present, are ignored: the trials table holds them).
            checkpoint: the cohort's state after ``epoch`` epochs (replaces the previous
                one), or None to keep the previous one.
            epoch: the epoch the cohort has reached (>= the one committed before).
            diagnostics: rows of the diagnostics table for the cohort's trials, or None.
            done: the cohort has finished; its trials (and the study, when it was the last
                cohort) are marked ``done``.

        A row already in the store is an error (StoreError), never a silent duplicate; on
        any error nothing of the chunk is written.
        """
        if isinstance(epoch, bool) or not isinstance(epoch, int | np.integer):
            raise StoreError(f"commit_chunk: epoch = {epoch!r} is not an integer")
        epoch = int(epoch)
        frame = None
        if history is not None and len(history):
            frame = history.copy()
            frame["study"] = study
            # rows without the batch size in force hold NULL there: the trial's is read back
            history_columns = tuple(
                c for c in _HISTORY_SQL_COLUMNS if c != "epoch_batch_size" or c in frame.columns
            )
            frame = conform(frame, {c: HISTORY[c] for c in history_columns}, "history chunk")
        diag = None
        if diagnostics is not None and len(diagnostics):
            diag = diagnostics.copy()
            diag["study"] = study
            if "batch_size" not in diag.columns:
                diag["batch_size"] = pd.NA
            diag = conform(diag, DIAGNOSTICS, "diagnostics chunk")
        blob = _npz.to_bytes(checkpoint) if checkpoint is not None else None
        with self._write() as con:
            done_before, status = self._cohort_state(study, cohort)
            where = f"study {study!r}, cohort {cohort!r}"
            if status == "done":
                raise StoreError(f"{where} is already done")
            if epoch < done_before:
                raise StoreError(f"{where}: epoch {epoch} is behind the stored {done_before}")
            claim = _claims.rows(con, study).get(cohort)
            mine = self.claimant is not None and claim is not None
            mine = mine and claim.token == self.claimant.token
            if claim is not None and not mine and (self.claimant is not None or claim.live()):
                raise StoreError(
                    f"{where} is being trained by another run ({claim}), which took it over "
                    "from this one; this run stops here. Run the study again when that run "
                    "has ended, if anything is left"
                )
            members = {
                t
                for (t,) in con.execute(
                    "SELECT trial FROM trials WHERE study = ? AND cohort = ?", (study, cohort)
                )
            }
            for table, rows in (("history", frame), ("diagnostics", diag)):
                if rows is None:
                    continue
                strangers = sorted(set(rows["trial"].tolist()) - members)
                if strangers:
                    raise StoreError(
                        f"{where}: {table} rows for trials {strangers} of another cohort"
                    )
            if frame is not None:
                bad = frame[(frame["epoch"] <= done_before) | (frame["epoch"] > epoch)]
                if len(bad):
                    raise StoreError(
                        f"{where}: history rows must have epochs in ({done_before}, {epoch}]; "
                        f"got epoch {int(bad['epoch'].iloc[0])} "
                        f"(trial {int(bad['trial'].iloc[0])})"
                    )
                _insert(con, "history", frame, HISTORY, history_columns, where)
            if diag is not None:
                _insert(con, "diagnostics", diag, DIAGNOSTICS, _DIAGNOSTICS_SQL_COLUMNS, where)
            if blob is not None:
                con.execute(
                    "INSERT INTO checkpoints (study, cohort, epoch, arrays) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (study, cohort) DO UPDATE SET epoch = excluded.epoch, "
                    "arrays = excluded.arrays",
                    (study, cohort, epoch, blob),
                )
            self._set_cohort(con, study, cohort, epoch, "done" if done else "running")

    def _set_cohort(
        self, con: sqlite3.Connection, study: str, cohort: str, epoch: int, status: str
    ) -> None:
        con.execute(
            "UPDATE cohorts SET epochs_done = ?, status = ?, updated = ? "
            "WHERE study = ? AND cohort = ?",
            (epoch, status, _now(), study, cohort),
        )
        con.execute(
            "UPDATE trials SET status = ? WHERE study = ? AND cohort = ?", (status, study, cohort)
        )
        left = con.execute(
            "SELECT count(*) FROM cohorts WHERE study = ? AND status != 'done'", (study,)
        ).fetchone()[0]
        con.execute(
            "UPDATE studies SET status = ? WHERE name = ?",
            ("done" if left == 0 else "running", study),
        )

    def mark_cohort_done(self, study: str, cohort: str) -> None:
        """Mark a cohort (and its trials; the study when it was the last) ``done``."""
        with self._write() as con:
            epochs_done, _ = self._cohort_state(study, cohort)
            self._set_cohort(con, study, cohort, epochs_done, "done")

    def load_checkpoint(self, study: str, cohort: str) -> tuple[int, dict[str, np.ndarray]] | None:
        """``(epoch, arrays)`` of the cohort's last checkpoint, or None if it has none."""
        self._cohort_state(study, cohort)
        row = self._con.execute(
            "SELECT epoch, arrays FROM checkpoints WHERE study = ? AND cohort = ?",
            (study, cohort),
        ).fetchone()
        if row is None:
            return None
        return int(row[0]), _npz.from_bytes(row[1])

    def cohort_epochs_done(self, study: str) -> dict[str, int]:
        """``{cohort: epochs committed}`` for every cohort of the study (0 = not started)."""
        self._require(study)
        rows = self._con.execute(
            "SELECT cohort, epochs_done FROM cohorts WHERE study = ? ORDER BY rowid", (study,)
        )
        return {cohort: int(epochs) for cohort, epochs in rows}

    def cohorts(self, study: str) -> pd.DataFrame:
        """One row per cohort: cohort, trials, epochs_done, status, updated."""
        self._require(study)
        rows = self._con.execute(
            """SELECT c.cohort,
                      (SELECT count(*) FROM trials t WHERE t.study = c.study
                       AND t.cohort = c.cohort),
                      c.epochs_done, c.status, coalesce(c.updated, '')
               FROM cohorts c WHERE c.study = ? ORDER BY c.rowid""",
            (study,),
        ).fetchall()
        columns = {
            "cohort": "str",
            "trials": "int64",
            "epochs_done": "int64",
            "status": "str",
            "updated": "str",
        }
        frame = pd.DataFrame(rows, columns=list(columns))
        return conform(frame, columns, "cohorts") if rows else empty(columns)

    # ---- tables ---------------------------------------------------------------------

    def trials(self, study: str) -> pd.DataFrame:
        """The trials table of docs/schema.md, ordered by trial."""
        self._require(study)
        held = self._columns("trials")
        columns = ", ".join(c if c in held else f"'' AS {c}" for c in TRIALS)
        return self._frame(
            f"SELECT {columns} FROM trials WHERE study = ? ORDER BY trial",
            (study,),
            TRIALS,
        )

    def history(self, study: str) -> pd.DataFrame:
        """The history table of docs/schema.md, ordered by (trial, epoch)."""
        self._require(study)
        older = "epoch_batch_size" not in self._columns("history")

        def column(c: str) -> str:
            if c in ("cohort", "seed", "batch_size", "learning_rate", "momentum"):
                return f"t.{c}"
            if c == "epoch_batch_size":  # the trial's batch size in a store from before it
                return "t.batch_size" if older else "ifnull(h.epoch_batch_size, t.batch_size)"
            return f"h.{c}"

        columns = ", ".join(column(c) for c in HISTORY)
        return self._frame(
            f"SELECT {columns} FROM history h JOIN trials t "
            "ON t.study = h.study AND t.trial = h.trial "
            "WHERE h.study = ? ORDER BY h.trial, h.epoch",
            (study,),
            HISTORY,
        )

    def diagnostics(self, study: str) -> pd.DataFrame:
        """The diagnostics table of docs/schema.md, ordered by (trial, epoch, quantity,
        batch_size, stat)."""
        self._require(study)
        return self._frame(
            f"SELECT {', '.join(DIAGNOSTICS)} FROM diagnostics WHERE study = ? "
            "ORDER BY trial, epoch, quantity, batch_size, stat",
            (study,),
            DIAGNOSTICS,
        )

    def _frame(self, query: str, params: tuple, schema: Mapping[str, str]) -> pd.DataFrame:
        with self._read() as con:
            rows = con.execute(query, params).fetchall()
        if not rows:
            return empty(schema)
        frame = pd.DataFrame(rows, columns=list(schema))
        for column, dtype in schema.items():
            if dtype == "float64":  # NULL (SQLite's NaN) comes back as None
                frame[column] = pd.to_numeric(frame[column], errors="raise").astype("float64")
        return conform(frame, schema, "stored table")
