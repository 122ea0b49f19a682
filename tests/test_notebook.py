"""The notebook face: a study's results in Jupyter, and docs/notebooks/ executed so it cannot rot.

``Results`` shows itself as HTML (the summary table and a small PNG of the curves) and offers
``plot``, ``summary``, ``recommend`` and ``report``. ``docs/notebooks/seed003.ipynb`` is run
top to bottom with nbclient in a real kernel (short, ``BATCHLAB_QUICK=1``); every code cell must
run and show what it is for. The committed notebook holds no outputs.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pytest
from matplotlib.figure import Figure

import batchlab as bl
from batchlab._notebook import in_notebook, notebook_progress
from batchlab.errors import BatchlabError

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "notebooks" / "seed003.ipynb"


@pytest.fixture(scope="module")
def results():
    return bl.train(
        "blobs", batch_size=[32, "full"], learning_rate=0.05, seeds=2, epochs=3, name="nb-test"
    )


def test_results_in_jupyter(results):
    page = results._repr_html_()
    assert html.escape(repr(results)) in page  # Results('nb-test': ...), quotes escaped
    assert page.count("<tr") == 1 + 2  # header + one row per batch size
    assert "epochs to target" in page and "test %" in page
    assert re.search(r"<td>\d+\.\d \(\d+\.\d–\d+\.\d\)</td>", page)  # 2 seeds: their range
    assert "Intervals over seeds" in page  # the rule, said once
    image = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert image and len(image.group(1)) > 1000


def test_plot_summary_recommend_report(results, tmp_path):
    fig = results.plot("overlay", x="updates")
    assert isinstance(fig, Figure) and fig.axes
    with pytest.raises(BatchlabError, match="unknown figure kind"):
        results.plot("pie")
    table = results.summary(target=0.5)
    assert table.batch_size.tolist() == [32, 500] and (table.target == 0.5).all()
    rec = results.recommend(goal="best_accuracy")
    assert rec.batch_size_ in (32, 500) and rec.text()
    assert len(results.recommend()) == 4
    path = results.report(tmp_path / "r.html")
    assert path.exists() and "<html" in path.read_text(encoding="utf-8").lower()


def test_no_progress_bars_outside_a_notebook():
    assert not in_notebook() and notebook_progress() is None


def test_the_committed_notebook_has_no_outputs():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def test_the_seed003_notebook_runs(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # the kernel's inline one
    env |= {"BATCHLAB_QUICK": "1", "PYTHONPATH": os.pathsep.join(os.sys.path)}
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute(env=env)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        assert cell.execution_count is not None, cell.source[:60]
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.outputs

    def outputs(start: str, kind: str) -> list:
        cell = next(c for c in code if c.source.startswith(start))
        return [o for o in cell.outputs if kind in o.get("data", {}) or kind == o.output_type]

    assert "seed003-flavors" in outputs("flavors_spec", "stream")[0]["text"]
    shown = outputs("bl.run_study", "text/html")[0]["data"]["text/html"]
    assert "seed003-flavors" in shown and "data:image/png;base64," in shown
    assert outputs('flavors.plot("curves")', "image/png")
    grid = outputs("BATCH_SIZES", "execute_result")[0]["data"]["text/html"]
    assert "seed003-grid" in grid and grid.count("<tr") == 1 + 3
    # bl.train's progress bars: a widget whose last drawing has every cohort at 20/20 epochs
    view = outputs("BATCH_SIZES", "application/vnd.jupyter.widget-view+json")[0]
    model = view["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
    state = nb.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"][model]
    bars = state["state"]["outputs"][-1]["data"]["text/html"]
    for b in (8, 64, 450):
        assert re.search(rf"seed003-grid bs{b}-sgd.*?20/20</span> epochs", bars), bars
    assert outputs("summary = grid.summary()", "text/html")
    assert outputs('grid.plot("overlay"', "image/png")
    assert "batch size" in outputs("rec = grid.recommend", "stream")[0]["text"].lower()
    assert (tmp_path / "seed003-grid.html").exists() and (tmp_path / "seed003.db").exists()
