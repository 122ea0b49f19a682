"""Registering a study in the store: record it, check it is the stored one, or grow it.

Run again, a study is checked against the one the store holds under its name, in ONE write
transaction (two processes starting the same study at once see one registration). The rules:

* **the same spec**: the run resumes (nothing is written here);
* **nothing trained yet** (registered, no epoch committed, no live run): the stored spec is
  replaced by the given one -- nothing is lost, so a typo fixed after a failed start is not
  "a different spec";
* **only the description or the analysis settings differ**: the stored spec is updated; no
  trained row depends on them;
* **more epochs and/or more seeds** (a finished or interrupted study): the study grows in
  place. More epochs continue every cohort from its checkpoint (the trials' ``epochs``
  grow, and the rows equal those of a study run with the larger epochs from the start); more
  seeds add trials (new ids after the stored ones) in new cohorts (``bs32-sgd-x1``), the
  stored ones kept;
* **anything else** (fewer epochs, fewer seeds, another model, rate, batch size...): refused
  with the difference, unless ``new`` (the stored study and its rows are deleted first). A
  variant under another name (``--name``) leaves the stored study alone.

A study that a live run is training is never changed under it.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from batchlab.errors import SpecError, StoreError
from batchlab.run.plan import CohortPlan, _split, cohort_id, trials_frame
from batchlab.store import Store
from batchlab.study import Study, Trial

NEUTRAL = ("description", "analysis")
"""Spec fields that no trained row depends on: a change updates the stored spec."""

RULE = (
    "A stored study can grow: more --epochs continue each cohort from its checkpoint, more "
    "--seeds add trials; a new description or [analysis] settings are simply taken. Any "
    "other change needs --new (which deletes the stored study and its results) or another "
    "name (--name NEW, which leaves the stored one alone)."
)
"""The rule, as the refusal and the CLI's help say it."""


def register(
    study: Study,
    store: Store,
    plans: list[CohortPlan],
    *,
    new: bool = False,
    max_cohort_size: int | None = None,
) -> list[CohortPlan]:
    """Record ``study`` (planned as ``plans``) in ``store``, or reconcile it with the stored
    study of its name (see the module's rules). Returns the cohorts to run, with the trial
    ids and cohort ids the store holds."""
    name = study.name
    stored = store.get_study(name)
    if stored is not None and stored["spec_hash"] == study.spec_hash:
        return stored_plans(study, plans, store.trials(name))  # nothing to write
    with store.transaction():
        stored = store.get_study(name)
        if stored is not None and stored["spec_hash"] != study.spec_hash:
            running = store.claims(name, live=True)
            if running:
                claim = next(iter(running.values()))
                raise SpecError(
                    f"study {name!r}: the store {str(store.path)!r} holds it with another spec, "
                    f"and another run ({claim}) is training it now; change it after that run "
                    "has ended, or give this one another name (--name NEW)"
                )
            if new or not store.has_progress(name):
                store.delete_study(name)  # nothing committed: nothing is lost
                stored = None
            else:
                _reconcile(study, store, stored, plans, max_cohort_size)
        if stored is None:
            store.create_study(study.to_dict(), study.spec_hash, trials_frame(plans, name))
        return stored_plans(study, plans, store.trials(name))


def _reconcile(study: Study, store: Store, stored: dict, plans, max_cohort_size) -> None:
    old, given = stored["spec"], study.to_dict()
    base = {"difference": spec_difference(old, given)}
    if _core(old) != _core(given):
        raise _refusal(study, store, "a different spec", **base)
    old_epochs = int(old["epochs"])
    if study.epochs < old_epochs:
        raise _refusal(
            study, store, f"fewer epochs ({study.epochs}) than it has ({old_epochs})", **base
        )
    old_seeds = _seed_values(old["sweep"].get("seeds", 1))
    dropped = sorted(set(old_seeds) - set(study.sweep.seed_values))
    if dropped:
        raise _refusal(study, store, f"without its seeds {dropped}", **base)
    if study.epochs == old_epochs and set(old_seeds) == set(study.sweep.seed_values):
        store.update_spec(study.name, given, study.spec_hash)  # description, analysis
        return
    added = _new_trials(plans, store.trials(study.name))
    new_plans = _new_cohorts(added, store, study.name, max_cohort_size)
    frame = trials_frame(new_plans, study.name) if new_plans else _empty_trials(study.name)
    store.extend_study(study.name, given, study.spec_hash, study.epochs, frame)


def _core(spec: dict) -> dict:
    """The spec without what may change on a stored study: epochs, seeds, and the fields
    that no trained row depends on."""
    core = {k: v for k, v in spec.items() if k not in ("epochs", *NEUTRAL)}
    core["sweep"] = {k: v for k, v in spec.get("sweep", {}).items() if k != "seeds"}
    return core


def _seed_values(seeds) -> tuple[int, ...]:
    return tuple(range(seeds)) if isinstance(seeds, int) else tuple(seeds)


def _key(t: Trial) -> tuple:
    """What identifies a trial across plans, whatever its id and epochs."""
    return (
        int(t.batch_size),
        str(t.optimizer),
        float(t.learning_rate),
        float(t.momentum),
        float(t.warmup_epochs),
        int(t.seed),
        str(t.schedule),
    )


def _row_key(row) -> tuple:
    return (
        int(row.batch_size),
        str(row.optimizer),
        float(row.learning_rate),
        float(row.momentum),
        float(row.warmup_epochs),
        int(row.seed),
        str(row.schedule),
    )


def _new_trials(plans: list[CohortPlan], stored: pd.DataFrame) -> list[Trial]:
    """The planned trials the store does not hold, in grid order, with ids after its own."""
    held = {_row_key(r) for r in stored.itertuples(index=False)}
    next_id = int(stored["trial"].max()) + 1 if len(stored) else 0
    added = []
    for t in sorted((t for p in plans for t in p.trials), key=lambda t: t.trial):
        if _key(t) not in held:
            added.append(dataclasses.replace(t, trial=next_id + len(added)))
    return added


def _new_cohorts(
    trials: list[Trial], store: Store, name: str, max_cohort_size: int | None
) -> list[CohortPlan]:
    """New trials grouped into new cohorts ``bs32-sgd-x1`` (``-x2`` at the next growth...),
    split as the planner splits."""
    taken = set(store.cohort_epochs_done(name))
    groups: dict[tuple, list[Trial]] = {}
    for t in trials:
        groups.setdefault(t.cohort_key, []).append(t)
    plans = []
    for (batch_size, optimizer, epochs, schedule), group in groups.items():
        base = cohort_id(batch_size, optimizer, None, schedule)
        k = 1
        while any(c == f"{base}-x{k}" or c.startswith(f"{base}-x{k}-") for c in taken):
            k += 1
        parts = _split(group, max_cohort_size)
        for i, part in enumerate(parts):
            plans.append(
                CohortPlan(
                    cohort=f"{base}-x{k}" + (f"-{i}" if len(parts) > 1 else ""),
                    batch_size=batch_size,
                    optimizer=optimizer,
                    epochs=epochs,
                    trials=tuple(part),
                    schedule=schedule,
                )
            )
    return plans


def _empty_trials(name: str) -> pd.DataFrame:
    return trials_frame([], name)


def stored_plans(study: Study, plans: list[CohortPlan], stored: pd.DataFrame) -> list[CohortPlan]:
    """``plans`` as the store holds them: each planned trial under its stored id, grouped in
    its stored cohort (in order of the cohorts' first trials). A study that was never grown
    gets its plans back as they were."""
    planned = {_key(t): t for p in plans for t in p.trials}
    cohorts: dict[str, list[Trial]] = {}
    for row in stored.sort_values("trial").itertuples(index=False):
        t = planned.pop(_row_key(row), None)
        if t is None:
            raise StoreError(
                f"study {study.name!r}: stored trial {int(row.trial)} (batch size "
                f"{int(row.batch_size)}, learning rate {row.learning_rate:g}, seed "
                f"{int(row.seed)}) is not in its spec; the store is inconsistent"
            )
        cohorts.setdefault(str(row.cohort), []).append(dataclasses.replace(t, trial=int(row.trial)))
    if planned:
        raise StoreError(
            f"study {study.name!r}: {len(planned)} planned trials are not in the store; the "
            "store is inconsistent"
        )
    return [
        CohortPlan(
            cohort=cohort,
            batch_size=trials[0].batch_size,
            optimizer=trials[0].optimizer,
            epochs=study.epochs,
            trials=tuple(trials),
            schedule=trials[0].schedule,
        )
        for cohort, trials in cohorts.items()
    ]


def spec_difference(old: dict, new: dict) -> str:
    """A unified diff of two specs (``Study.to_dict()``) as TOML, for the 'changed spec'
    refusal."""
    import difflib

    from batchlab.study._toml import dumps

    a, b = dumps(old).splitlines(), dumps(new).splitlines()
    return "\n".join(difflib.unified_diff(a, b, "stored", "given", lineterm="", n=0))


def _refusal(study: Study, store: Store, what: str, *, difference: str) -> SpecError:
    return SpecError(
        f"study {study.name!r}: the store {str(store.path)!r} already holds a study of that "
        f"name, and this is {what}. {RULE} Difference:\n{difference}"
    )
