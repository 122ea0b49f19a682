"""The SQLite schema of a batchlab store.

``SCHEMA_VERSION`` is written to ``meta``; a store written by a newer version is refused.
Per-epoch rows keep only the measured columns; the trial's settings (cohort, seed, batch
size, ...) live once in ``trials`` and are joined on read. Deleting a study cascades.

``claims`` (which process is training which cohort) was added without a version change: an
older batchlab ignores the table, and a store that lacks it gets it when first opened for
writing (:data:`CLAIMS_DDL`).
"""

SCHEMA_VERSION = 1

CLAIMS_DDL = """CREATE TABLE IF NOT EXISTS claims (
        study TEXT NOT NULL,
        cohort TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        token TEXT NOT NULL,
        heartbeat REAL NOT NULL,
        PRIMARY KEY (study, cohort),
        FOREIGN KEY (study, cohort) REFERENCES cohorts(study, cohort) ON DELETE CASCADE
    )"""
"""One row per cohort a runner has claimed: who (host, pid, a token per run) and when it
last said it is alive (``heartbeat``, Unix seconds). See :mod:`batchlab.store._claims`."""

ADDED_COLUMNS = (
    ("trials", "schedule", "TEXT NOT NULL DEFAULT ''"),
    ("history", "epoch_batch_size", "INTEGER"),
)
"""Columns added after schema version 1, without a version change (as ``claims``): a store
that lacks one gets it when first opened for writing, and is read without it (a trial's
``schedule`` is then ``''``, an epoch's batch size the trial's)."""

DDL = (
    """CREATE TABLE IF NOT EXISTS meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS studies (
        name TEXT PRIMARY KEY,
        spec_json TEXT NOT NULL,
        spec_hash TEXT NOT NULL,
        created TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending'
    )""",
    """CREATE TABLE IF NOT EXISTS trials (
        study TEXT NOT NULL REFERENCES studies(name) ON DELETE CASCADE,
        trial INTEGER NOT NULL,
        cohort TEXT NOT NULL,
        seed INTEGER NOT NULL,
        batch_size INTEGER NOT NULL,
        learning_rate REAL NOT NULL,
        momentum REAL NOT NULL,
        optimizer TEXT NOT NULL,
        warmup_epochs REAL NOT NULL,
        schedule TEXT NOT NULL DEFAULT '',
        epochs INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        PRIMARY KEY (study, trial)
    )""",
    "CREATE INDEX IF NOT EXISTS trials_cohort ON trials (study, cohort)",
    """CREATE TABLE IF NOT EXISTS cohorts (
        study TEXT NOT NULL REFERENCES studies(name) ON DELETE CASCADE,
        cohort TEXT NOT NULL,
        epochs_done INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'pending',
        updated TEXT,
        PRIMARY KEY (study, cohort)
    )""",
    """CREATE TABLE IF NOT EXISTS history (
        study TEXT NOT NULL,
        trial INTEGER NOT NULL,
        epoch INTEGER NOT NULL,
        updates INTEGER NOT NULL,
        examples_seen INTEGER NOT NULL,
        epoch_batch_size INTEGER,
        train_loss REAL,
        train_accuracy REAL,
        train_loss_end REAL,
        train_accuracy_end REAL,
        test_loss REAL,
        test_accuracy REAL,
        wall_seconds REAL,
        diverged INTEGER NOT NULL,
        PRIMARY KEY (study, trial, epoch),
        FOREIGN KEY (study, trial) REFERENCES trials(study, trial) ON DELETE CASCADE
    )""",
    """CREATE TABLE IF NOT EXISTS diagnostics (
        study TEXT NOT NULL,
        trial INTEGER NOT NULL,
        epoch INTEGER NOT NULL,
        quantity TEXT NOT NULL,
        batch_size INTEGER,
        stat TEXT NOT NULL,
        value REAL,
        FOREIGN KEY (study, trial) REFERENCES trials(study, trial) ON DELETE CASCADE
    )""",
    # The primary key of docs/schema.md; an expression index because batch_size may be NULL
    # and SQLite treats NULLs as distinct in a plain UNIQUE constraint.
    """CREATE UNIQUE INDEX IF NOT EXISTS diagnostics_key ON diagnostics
        (study, trial, epoch, quantity, ifnull(batch_size, -1), stat)""",
    CLAIMS_DDL,
    """CREATE TABLE IF NOT EXISTS checkpoints (
        study TEXT NOT NULL,
        cohort TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        arrays BLOB NOT NULL,
        PRIMARY KEY (study, cohort),
        FOREIGN KEY (study, cohort) REFERENCES cohorts(study, cohort) ON DELETE CASCADE
    )""",
)
