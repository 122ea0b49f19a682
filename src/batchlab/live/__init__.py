"""Live views of a study while it runs, reading the store only.

- :func:`live_view` / :class:`LiveView`: what a live view shows, a pure function of the
  store's tables; :func:`read_view` reads them;
- :func:`watch`: the terminal view (``batchlab watch``), a rich Live refreshed about once a
  second until the study ends;
- :func:`make_app` / :func:`serve`: the local web page (``batchlab serve``), which polls a
  small JSON endpoint and draws the curves with uPlot (vendored in ``live/static``).
"""

from batchlab.live._model import (
    BatchCurve,
    CohortProgress,
    Divergence,
    LiveView,
    live_view,
    read_view,
    sparkline,
)
from batchlab.live._serve import make_app, serve
from batchlab.live._watch import render, watch

__all__ = [
    "BatchCurve",
    "CohortProgress",
    "Divergence",
    "LiveView",
    "live_view",
    "make_app",
    "read_view",
    "render",
    "serve",
    "sparkline",
    "watch",
]
