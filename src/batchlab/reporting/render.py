"""The study report: one self-contained HTML file (Jinja2, autoescape on, figures inlined).

Every name in it (study, dataset, model, trial, quantity) is data and is escaped; figures are
PNG data URIs, so no text drawn in a figure can become markup; nothing is fetched from the
network (a Content-Security-Policy meta tag forbids it as well).
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup
from matplotlib.figure import Figure

from batchlab import analysis, plots
from batchlab._columns import METRIC_KINDS
from batchlab._files import REPORT_SUFFIXES, atomic_write, check_output
from batchlab._format import (
    NA,
    SEEDS_FOR_CI,
    cell,
    interval,
    interval_note,
    num,
    pct,
    pts,
    spread_kind,
)
from batchlab.analysis._tables import spec_dict
from batchlab.analysis.reach import RULE as REACH_RULE
from batchlab.errors import BatchlabError
from batchlab.plots import X_LABELS
from batchlab.plots._style import draw_to, target_of
from batchlab.store import Tables

DEFAULT_X_AXES = ("epochs", "updates", "seconds")
FIGURE_DPI = 96


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("batchlab.reporting", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def png_data_uri(fig: Figure, dpi: int = FIGURE_DPI) -> str:
    """A figure as a ``data:image/png;base64,...`` URI."""
    buffer = io.BytesIO()
    draw_to(fig, buffer, "png", dpi)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# ----------------------------------------------------------------------------- formatting
def _ci(row: pd.Series, stem: str, percent: bool = True) -> tuple[str, str]:
    """(mean, its interval) of a summary statistic, by the summary's rule for few seeds: a
    95% CI ``[lo, hi]`` from 5 seeds on, ``range lo–hi`` for 2 to 4 seeds, ``1 seed`` for one
    (:data:`~batchlab._format.SEEDS_FOR_CI`). The summary's bounds are already cut at what is
    possible (accuracies 0-100%, costs from 0)."""
    m = row.get(f"{stem}_mean", np.nan)
    if not np.isfinite(m):
        return (NA, "")
    show = (lambda v: f"{100 * v:.1f}") if percent else num
    main = pct(m) if percent else num(m)
    lo, hi = row.get(f"{stem}_lo", np.nan), row.get(f"{stem}_hi", np.nan)
    kind = spread_kind(row.get(f"{stem}_n", row.get("n_seeds")))
    if kind == "one":
        return (main, "1 seed")
    if kind == "none" or interval(lo, hi) is None:
        return (main, "")
    if kind == "range":
        return (main, f"range {show(lo)}–{show(hi)}")
    return (main, f"[{show(lo)}, {show(hi)}]")


def _diverged(row: pd.Series) -> tuple[str, str]:
    """The share of seeds that diverged, and at which epochs."""
    share = pct(row["diverged_fraction"], 0)
    first, last = row.get("diverged_epoch_min", np.nan), row.get("diverged_epoch_max", np.nan)
    if not np.isfinite(first):
        return (share, "")
    return (share, f"epoch {int(first)}" if first == last else f"epochs {int(first)}–{int(last)}")


def _table(frame: pd.DataFrame, limit: int | None = None) -> dict[str, Any]:
    """A DataFrame as {"header": [...], "rows": [[...]], "numeric": [...]} of plain strings."""
    shown = frame if limit is None else frame.head(limit)
    numeric = [
        pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
        for c in frame.columns
    ]
    rows = [[(cell(v), "") for v in record] for record in shown.itertuples(index=False, name=None)]
    return {
        "header": [str(c) for c in frame.columns],
        "rows": rows,
        "numeric": numeric,
        "hidden": len(frame) - len(shown),
    }


SUMMARY_COLUMNS = (
    ("batch size", lambda r: cell(r["batch_size"])),
    ("learning rate", lambda r: cell(r["learning_rate"])),
    ("seeds", lambda r: cell(r["n_seeds"])),
    ("final test accuracy", lambda r: _ci(r, "final_test_accuracy")),
    ("final train accuracy", lambda r: _ci(r, "final_train_accuracy")),
    ("gap (points)", lambda r: pts(r["generalization_gap_mean"], ".2f", unit="")),
    ("late std (points)", lambda r: pts(r["test_accuracy_late_std"], ".2f", unit="")),
    ("seed std (points)", lambda r: pts(r["final_test_accuracy_seed_std"], ".2f", unit="")),
    ("epochs to target", lambda r: _ci(r, "epochs_to_target", percent=False)),
    ("updates to target", lambda r: _ci(r, "updates_to_target", percent=False)),
    ("examples to target", lambda r: _ci(r, "examples_to_target", percent=False)),
    ("seconds to target", lambda r: _ci(r, "seconds_to_target", percent=False)),
    ("reached", lambda r: pct(r["reached_fraction"], 0)),
    ("diverged", _diverged),
)


def _cell(value: str | tuple[str, str]) -> tuple[str, str]:
    return value if isinstance(value, tuple) else (value, "")


def _summary_table(table: pd.DataFrame) -> dict[str, Any]:
    return {
        "header": [name for name, _ in SUMMARY_COLUMNS],
        "rows": [[_cell(f(r)) for _, f in SUMMARY_COLUMNS] for _, r in table.iterrows()],
        "numeric": [True] * len(SUMMARY_COLUMNS),
        "hidden": 0,
    }


def _lookup(spec: Mapping[str, Any], *keys: str) -> Any:
    """The first of ``spec["analysis"][key]`` or ``spec[key]`` that is set, for each key."""
    inner = spec.get("analysis")
    for key in keys:
        if isinstance(inner, Mapping) and inner.get(key) is not None:
            return inner[key]
        if spec.get(key) is not None:
            return spec[key]
    return None


def _study_name(spec: Mapping[str, Any], trials: pd.DataFrame, history: pd.DataFrame) -> str:
    for key in ("name", "study"):
        if isinstance(spec.get(key), str) and spec[key]:
            return spec[key]
    for table in (trials, history):
        if isinstance(table, pd.DataFrame) and "study" in table and len(table):
            return str(table["study"].iloc[0])
    return "study"


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "study"


def _grid(trials: pd.DataFrame, history: pd.DataFrame) -> list[tuple[str, str]]:
    table = trials if isinstance(trials, pd.DataFrame) and len(trials) else history
    facts: list[tuple[str, str]] = []

    def values(col: str) -> str:
        vals = sorted(table[col].dropna().unique().tolist(), key=lambda v: (str(type(v)), v))
        return ", ".join(cell(v) for v in vals)

    for col, label in (
        ("batch_size", "batch sizes"),
        ("learning_rate", "learning rates"),
        ("momentum", "momentum"),
        ("optimizer", "optimizer"),
        ("seed", "seeds"),
        ("epochs", "epochs"),
    ):
        if col in table:
            facts.append((label, values(col)))
    if "trial" in table:
        facts.append(("trials", cell(table["trial"].nunique())))
    if isinstance(trials, pd.DataFrame) and "status" in trials and len(trials):
        counts = trials["status"].value_counts().sort_index()
        facts.append(("status", ", ".join(f"{k}: {v}" for k, v in counts.items())))
    return facts


def _count(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {plural or word + 's'}"


def _epochs_run(history: pd.DataFrame) -> tuple[int, int]:
    """(fewest, most) epochs recorded per trial in the history."""
    per = history.groupby("trial")["epoch"].max() if "trial" in history else history["epoch"]
    return int(per.min()), int(per.max())


def _what_ran(spec: Mapping[str, Any], trials: pd.DataFrame, history: pd.DataFrame) -> list[str]:
    """What was actually run, read from the trials and the history (never from a default):
    the trials, the grid's shape and the epochs each trial ran; and a warning when the spec's
    description speaks of other epochs (a run with ``--epochs`` keeps the description)."""
    table = trials if isinstance(trials, pd.DataFrame) and len(trials) else history
    n = int(table["trial"].nunique()) if "trial" in table else len(table)
    grid = [
        (col, word, plural)
        for col, word, plural in (
            ("batch_size", "batch size", None),
            ("learning_rate", "learning rate", None),
            ("momentum", "momentum", "momenta"),
        )
        if col in table and (col != "momentum" or table[col].nunique() > 1)
    ]
    settings = len(table[[c for c, _, _ in grid]].drop_duplicates()) if grid else 1
    sizes = [int(table[c].nunique()) for c, _, _ in grid]
    if settings == int(np.prod(sizes)):  # a full grid: its axes
        axes = [_count(k, word, plural) for k, (_, word, plural) in zip(sizes, grid, strict=True)]
    else:  # explicit points (seed 003's flavors): how many settings, and of what
        axes = [f"{settings:,} ({', '.join(word for _, word, _ in grid)}) settings"]
    if "seed" in table:
        axes.append(_count(int(table["seed"].nunique()), "seed"))
    first, last = _epochs_run(history)
    each = f"{_count(last, 'epoch')} each" if first == last else f"{first:,} to {last:,} epochs"
    text = f"{_count(n, 'trial')} ({' × '.join(axes)}), {each}"
    if isinstance(trials, pd.DataFrame) and "epochs" in trials and len(trials):
        planned = int(trials["epochs"].max())
        if planned != last or first != last:
            text += f" of the {planned:,} planned: the study has not finished"
    out = [text + "."]
    description = spec.get("description")
    if isinstance(description, str) and description:
        said = {int(x.replace(",", "")) for x in re.findall(r"(\d[\d,]*)\s+epochs?\b", description)}
        out.append(f"Description: {description.rstrip('.')}.")
        if said and said != {last}:
            words = ", ".join(f"{x:,}" for x in sorted(said))
            out.append(
                f"The description speaks of {words} epochs; the trials ran {last:,} (the epochs "
                "were overridden when the study was run). The numbers here are what ran."
            )
    return out


def _diagnostics(diagnostics: pd.DataFrame | None) -> dict[str, Any] | None:
    if diagnostics is None or not isinstance(diagnostics, pd.DataFrame) or diagnostics.empty:
        return None
    keys = [c for c in ("quantity", "stat") if c in diagnostics]
    if not keys:
        return _table(diagnostics, limit=50)
    agg = {"values": ("value", "size") if "value" in diagnostics else (keys[0], "size")}
    if "epoch" in diagnostics:
        agg["first epoch"] = ("epoch", "min")
        agg["last epoch"] = ("epoch", "max")
    if "value" in diagnostics:
        agg["mean value"] = ("value", "mean")
    table = diagnostics.groupby(keys, sort=True).agg(**agg).reset_index()
    return _table(table)


def _extra(sections: Iterable[tuple[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in sections:
        try:
            title, body = item
        except (TypeError, ValueError):
            raise BatchlabError(
                "render_report: extra_sections must be (title, body) pairs"
            ) from None
        entry: dict[str, Any] = {"title": str(title), "kind": "text", "body": body}
        if isinstance(body, Markup):
            entry["kind"] = "markup"
        elif isinstance(body, pd.DataFrame):
            entry.update(kind="table", body=_table(body))
        elif isinstance(body, Figure):
            entry.update(kind="figure", body=png_data_uri(body))
        else:
            entry["body"] = str(body)
        out.append(entry)
    return out


def _figures(
    history: pd.DataFrame,
    table: pd.DataFrame,
    confidence: float,
    last_fraction: float,
    x_axes: Iterable[str],
    metrics: Iterable[str] = ("accuracy",),
    *,
    trials: pd.DataFrame | None = None,
) -> list[dict[str, str]]:
    """The figures of the history, asked of the plot registry at the summary's target, as PNG
    data URIs with a caption."""
    target = target_of(table)  # None when every trial diverged
    level = f"{100 * confidence:g}%"
    band = f"{level} CI from {SEEDS_FOR_CI} seeds on, the seeds' range with fewer"
    tables = Tables(spec={}, trials=pd.DataFrame(), history=history, diagnostics=pd.DataFrame())
    out = []

    def add(kind: str, caption: str, source=tables, **opts: Any) -> None:
        fig = plots.figure(kind, source, **opts)
        out.append({"kind": kind, "caption": caption, "src": png_data_uri(fig)})

    for metric in metrics:
        add(
            "curves",
            f"Train {metric} (as Keras fit reports it) and test {metric} per epoch, one panel "
            f"per batch size: mean over seeds with its band ({band}; seed 003's figure)."
            + (" Dashed: the target." if metric == "accuracy" and target is not None else ""),
            metric=metric,
            confidence=confidence,
            target=target,
        )
    for x in x_axes:
        add(
            "overlay",
            f"Test accuracy of every batch size against {X_LABELS[x]}, with bands ({band}).",
            x=x,
            confidence=confidence,
            target=target,
        )
    add(
        "heatmap",
        "Final test accuracy and epochs to the target over batch size and learning rate.",
        target=target,
        confidence=confidence,
    )
    add(
        "speed",
        "Epochs, updates and seconds to reach the target against batch size (log-log), with "
        f"error bars over the seeds that reach it ({band}).",
        target=target,
        confidence=confidence,
    )
    add(
        "stability",
        "Spread of test accuracy: late in training (per seed) and across seeds.",
        last_fraction=last_fraction,
    )
    if analysis.ratio_findings(history):  # a grid where some η/B is held by 2+ batch sizes
        add(
            "rate-ratio",
            "Final test accuracy and loss against learning rate / batch size (η/B), one colour "
            "per batch size, the seeds' range as error bars: points that fall on one curve say "
            "η/B alone sets the outcome.",
        )
    if isinstance(trials, pd.DataFrame) and trials.get("schedule", pd.Series()).nunique() > 1:
        add(
            "schedules",
            "Test accuracy under each schedule against epochs (left) and updates (right): mean "
            "over seeds with their range; dots mark a change of batch size.",
            source=Tables(spec={}, trials=trials, history=history, diagnostics=pd.DataFrame()),
        )
    return out


def render_report(
    spec: Mapping[str, Any] | Any,
    trials: pd.DataFrame | None,
    history: pd.DataFrame,
    diagnostics: pd.DataFrame | None = None,
    extra_sections: Iterable[tuple[str, Any]] = (),
    path: str | os.PathLike[str] | None = None,
    *,
    target: float | None = None,
    confidence: float = 0.95,
    last_fraction: float = 0.1,
    x_axes: Iterable[str] | None = None,
    lead_figures: Iterable[tuple[str, str, Figure]] = (),
    extra_findings: Iterable[Any] = (),
) -> Path:
    """Write the study's report: one self-contained HTML file. Returns its path.

    Args:
        spec: the study spec as a dict (or a dataclass), shown as pretty JSON. Its ``name``
            names the report; its ``analysis.target_accuracy`` (or ``target``),
            ``analysis.x_axes`` (overlay figures) and ``analysis.metrics`` (``accuracy``,
            ``loss``: a learning-curve figure each) are used when the arguments are not given.
        trials: the trials table (docs/schema.md), or None.
        history: the history table.
        diagnostics: the diagnostics table (summarised per quantity and stat), or None.
        extra_sections: (title, body) pairs appended after the findings. A ``str`` body is
            escaped text; a :class:`markupsafe.Markup` body is inserted as HTML (mark only
            markup you built and escaped yourself); a DataFrame becomes a table and a
            matplotlib Figure an inline PNG.
        path: where to write; default ``./reports/<study name>.html`` (the name reduced to
            letters, digits, ``.``, ``_`` and ``-``). Written atomically (temp file and
            ``os.replace``): a failed render leaves any earlier report as it was.
        target: target test accuracy; default the spec's, else 95% of the best mean final.
        confidence: level of every interval.
        last_fraction: the late-training window of the stability figures.
        x_axes: the overlay figures' x-axes; default the spec's, else epochs, updates, seconds.
        lead_figures: (kind, caption, Figure) triples shown first among the figures (a
            study's own figure, e.g. seed 004's gradient norm against the training batch size).
        extra_findings: :class:`~batchlab.analysis.Finding` records appended to the summary's
            findings (those read from the diagnostics).

    Figures: learning curves per metric, an overlay of test accuracy per x-axis, the heatmap,
    the speed and the stability figures.

    Every name (study, dataset, model ...) is data: autoescaped, and never drawn into markup
    (figures are PNG). The file references nothing outside itself.
    """
    if path is not None:
        check_output(path, "report path", REPORT_SUFFIXES)  # before the slow part
    spec_d = spec_dict(spec, "render_report")
    if target is None:
        target = _lookup(spec_d, "target_accuracy", "target")
    if x_axes is None:
        x_axes = _lookup(spec_d, "x_axes") or DEFAULT_X_AXES
    if isinstance(x_axes, str):
        x_axes = (x_axes,)
    x_axes = tuple(x_axes)
    metrics = _lookup(spec_d, "metrics") or ("accuracy",)
    metrics = tuple(
        m for m in ((metrics,) if isinstance(metrics, str) else metrics) if m in METRIC_KINDS
    ) or ("accuracy",)
    for x in x_axes:
        if x not in analysis.X_AXES:
            raise BatchlabError(f"x_axes: {x!r} is not one of {', '.join(analysis.X_AXES)}")
    extra = _extra(extra_sections)  # checked before the slow part
    lead = [
        {"kind": str(kind), "caption": str(caption), "src": png_data_uri(fig)}
        for kind, caption, fig in lead_figures
    ]
    fitted = analysis.Summary(target, confidence, last_fraction).fit(history)
    table = fitted.table_
    name = _study_name(spec_d, trials, history)
    context = {
        "name": name,
        "version": _version(),
        "target": fitted.target_,
        "target_text": pct(fitted.target_),
        "target_given": target is not None,
        "ran": _what_ran(spec_d, trials, history),
        "reach_rule": REACH_RULE,
        "interval_note": interval_note(confidence),
        "confidence_text": pct(confidence, None),
        "last_fraction_text": pct(last_fraction, None),
        "facts": _grid(trials, history),
        "spec_json": json.dumps(spec_d, indent=2, default=str, ensure_ascii=False),
        "summary": _summary_table(table),
        "findings": [
            {
                "title": f.title,
                "text": f.text,
                "numbers": [(k.replace("_", " "), cell(v)) for k, v in f.numbers.items()],
            }
            for f in [
                *analysis.findings(table, last_fraction=last_fraction),
                *_extra_findings(trials, history),
                *extra_findings,
            ]
        ],
        "figures": lead
        + _figures(history, table, confidence, last_fraction, x_axes, metrics, trials=trials),
        "trials": _table(trials) if isinstance(trials, pd.DataFrame) and len(trials) else None,
        "diagnostics": _diagnostics(diagnostics),
        "extra": extra,
    }
    html = _env().get_template("report.html").render(**context)
    out = Path(path) if path is not None else Path.cwd() / "reports" / f"{_slug(name)}.html"
    return atomic_write(out, html)


def _extra_findings(trials, history) -> list:
    """The findings of studies beyond a fixed batch size (schedules, the rate-to-batch
    ratio), from the trials and history tables."""
    if not isinstance(trials, pd.DataFrame) or not len(trials):
        return []
    return [*analysis.schedule_findings(trials, history), *analysis.ratio_findings(history)]


def _version() -> str:
    try:
        from batchlab import __version__

        return str(__version__)
    except ImportError:  # pragma: no cover
        return "unknown"
