"""The report's "Recommendation" section: one :class:`~batchlab.analysis.Recommender` per goal.

Built as escaped HTML (:class:`markupsafe.Markup`, every value through ``Markup.format``)
for :func:`~batchlab.reporting.render_report`'s ``extra_sections``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
from markupsafe import Markup

from batchlab._format import NA, num, pct
from batchlab.analysis import GOALS, Recommender
from batchlab.errors import BatchlabError

TITLE = "Recommendation"


def _row(rec: Recommender) -> list[str]:
    goal = rec.goal_.replace("_", " ")
    if rec.batch_size_ is None:
        return [goal, "none qualifies", "", "", "", "", "", "", ""]
    e = rec.expected_
    return [
        goal,
        f"{rec.batch_size_:,}",
        f"{rec.learning_rate_:g}",
        rec.rule_,
        num(e["epochs"]["mean"]),
        num(e["updates"]["mean"]),
        num(e["seconds"]["mean"]),
        pct(e["final_test_accuracy"]["mean"]),
        rec.regime_ or NA,
    ]


_HEADER = (
    "goal",
    "batch size",
    "learning rate",
    "rate",
    "epochs to target",
    "updates to target",
    "seconds to target (per model)",
    "final test accuracy",
    "regime",
)


def recommendation_html(recommenders: Iterable[Recommender]) -> Markup:
    """A table of the choices (one row per goal) and, per goal, the headline and reasons."""
    recs = list(recommenders)
    if not recs:
        raise BatchlabError("recommendation_html: no fitted Recommender given")
    head = Markup("").join(Markup("<th>{}</th>").format(h) for h in _HEADER)
    rows = Markup("").join(
        Markup("<tr>{}</tr>").format(
            Markup("").join(
                Markup(
                    '<td class="num">{}</td>' if i in (1, 2, 4, 5, 6, 7) else "<td>{}</td>"
                ).format(cell)
                for i, cell in enumerate(_row(rec))
            )
        )
        for rec in recs
    )
    parts = [
        Markup('<p class="muted">{}</p>').format(
            f"The batch size and learning rate that this study supports for each goal, to "
            f"{pct(recs[0].target_)} test accuracy: means over seeds; seconds are measured on "
            "the machine that ran the study, per model (the cohort's time divided by the "
            "trials it trained together). The reasons below give the intervals and the rules."
        ),
        Markup(
            '<div class="scroll"><table><thead><tr>{}</tr></thead><tbody>{}</tbody></table></div>'
        ).format(head, rows),
        Markup('<div class="findings">'),
    ]
    for rec in recs:
        reasons = Markup("").join(Markup("<li>{}</li>").format(r) for r in rec.reasons_)
        title = rec.text().split("\n", 1)[0]
        parts.append(
            Markup(
                '<div class="finding"><h3>{}</h3><p><strong>{}</strong></p><ul>{}</ul></div>'
            ).format(title, rec.headline(), reasons)
        )
    parts.append(Markup("</div>"))
    return Markup("\n").join(parts)


def recommendation_section(
    history: pd.DataFrame,
    spec: Any = None,
    target: float | None = None,
    goals: Iterable[str] = GOALS,
) -> tuple[str, Markup | str]:
    """``(title, body)`` for ``render_report(extra_sections=[...])``.

    When no recommendation can be made at all (say every trial diverged, so there is no
    target), the body is a plain sentence saying why instead of an error: the rest of the
    report is still worth writing.
    """
    try:
        recs = [Recommender(goal=g, target=target).fit(history, spec) for g in goals]
    except BatchlabError as error:
        return TITLE, f"No recommendation: {error}"
    if recs and recs[0].target_ is None:  # every trial diverged: one sentence says it all
        reason = recs[0].reasons_[0]
        return TITLE, f"No recommendation: {reason[0].lower()}{reason[1:]}"
    return TITLE, recommendation_html(recs)


__all__ = ["TITLE", "recommendation_html", "recommendation_section"]
