"""render_report: one self-contained, escaped HTML file with every figure inlined."""

import re

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from helpers.synthetic import SyntheticStudy  # noqa: E402
from markupsafe import Markup  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from batchlab.errors import BatchlabError  # noqa: E402
from batchlab.reporting import render_report  # noqa: E402

EVIL = "<img src=x onerror=alert(1)>"
CLOSE = "</script><script>alert(2)</script>"


@pytest.fixture(scope="module")
def tables():
    st = SyntheticStudy(
        batch_sizes=(4, 32, 500),
        epochs=10,
        noise=0.01,
        study=EVIL,
        reach={4: 2, 32: 5, 500: 8},
        diverge={(500, 0.01, 2): 9},
    )
    return st.trials(), st.history()


@pytest.fixture(scope="module")
def report(tables, tmp_path_factory):
    trials, history = tables
    diagnostics = pd.DataFrame(
        {
            "study": EVIL,
            "trial": [0, 0],
            "epoch": [0, 1],
            "quantity": ["grad_norm_sq", CLOSE],
            "batch_size": [4, 4],
            "stat": ["mean", "value"],
            "value": [1.0, 2.0],
        }
    )
    spec = {
        "name": EVIL,
        "dataset": CLOSE,
        "model": "mlp",
        "analysis": {"target_accuracy": 0.8, "x_axes": ["epochs", "updates", "seconds"]},
    }
    fig = Figure()
    fig.add_subplot().plot([1, 2], [3, 4])
    extra = [
        ("Recommendation " + EVIL, "use <b>32</b> " + CLOSE),
        ("Marked", Markup("<p class='made'>trusted <em>fragment</em></p>")),
        ("A table", pd.DataFrame({"name": [EVIL], "value": [1.5]})),
        ("A figure", fig),
    ]
    folder = tmp_path_factory.mktemp("report")
    path = render_report(spec, trials, history, diagnostics, extra, folder / "report.html")
    return path, path.read_text(encoding="utf-8")


def test_one_file(report):
    path, html = report
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]  # no temp files left
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")


def test_nothing_fetched(report):
    _, html = report
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html, re.I)
    assert "@import" not in html and "<link" not in html
    assert "<script" not in html  # no scripts at all (names are escaped text)
    assert not re.search(r"\son[a-z]+\s*=", html.replace("onerror=alert(1)&gt;", ""))
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


def test_names_are_escaped(report):
    _, html = report
    assert EVIL not in html and CLOSE not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "<title>batchlab report: &lt;img src=x onerror=alert(1)&gt;</title>" in html
    assert "use &lt;b&gt;32&lt;/b&gt;" in html  # a str section is text


def test_markup_fragment_is_kept(report):
    _, html = report
    assert "<p class='made'>trusted <em>fragment</em></p>" in html


def test_figures_inline(report):
    _, html = report
    images = re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+"', html)
    # curves, three overlays (epochs, updates, seconds), heatmap, speed, stability, extra figure
    assert len(images) == 1 + 3 + 1 + 1 + 1 + 1
    assert len(re.findall(r"<img ", html)) == len(images)


def test_contents(report):
    _, html = report
    assert "Findings" in html and "Fastest to target per epoch" in html
    assert "Target test accuracy 80.0%" in html  # the spec's analysis.target_accuracy
    assert "grad_norm_sq" in html  # diagnostics summarised
    assert "&#34;model&#34;: &#34;mlp&#34;" in html  # spec as (escaped) JSON
    assert html.count("<tr>") > 3 * 2  # summary rows, trials ...
    assert "Diverged trials" in html


def test_default_path_and_failure_leaves_old_file(tables, tmp_path, monkeypatch):
    trials, history = tables
    monkeypatch.chdir(tmp_path)
    path = render_report({"name": "a/b c"}, trials, history, x_axes=["epochs"])
    assert path == tmp_path / "reports" / "a_b_c.html"
    before = path.read_bytes()
    with pytest.raises(BatchlabError, match="test_accuracy"):
        render_report({"name": "a/b c"}, trials, history.drop(columns="test_accuracy"))
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["a_b_c.html"]


def test_loss_curves_when_the_spec_asks(tables, tmp_path):
    trials, history = tables
    spec = {"name": "s", "analysis": {"metrics": ["accuracy", "loss"], "x_axes": ["updates"]}}
    html = render_report(spec, trials, history, path=tmp_path / "r.html").read_text()
    assert "Train loss (as Keras fit reports it)" in html
    # two learning-curve figures, one overlay, heatmap, speed, stability
    assert html.count("data:image/png;base64,") == 2 + 1 + 3


def test_bad_arguments(tables, tmp_path):
    trials, history = tables
    with pytest.raises(BatchlabError, match="x_axes"):
        render_report({}, trials, history, path=tmp_path / "r.html", x_axes=["steps"])
    with pytest.raises(BatchlabError, match="extra_sections"):
        render_report({}, trials, history, None, ["oops"], tmp_path / "r.html")
    with pytest.raises(BatchlabError, match="spec"):
        render_report("name", trials, history, path=tmp_path / "r.html")


# ------------------------------------------------------------------ issue 12
def _text(html: str) -> str:
    """The report's words: no figures, no tags, whitespace collapsed, entities decoded."""
    import html as entities

    html = re.sub(r'src="data:[^"]*"', "", html)
    return " ".join(entities.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_every_trial_diverged_is_reported(tmp_path):
    from helpers.synthetic import hand_history

    nan = float("nan")
    history = hand_history(
        {(b, 1e6, s): [nan, nan] if b == 16 else [0.3, nan] for b in (16, 64) for s in (0, 1)}
    )
    path = render_report({"name": "gone"}, None, history, path=tmp_path / "r.html")
    text = _text(path.read_text())
    assert "No target test accuracy: every trial diverged" in text
    assert "Every trial diverged" in text and "All 4 trials diverged" in text
    assert "batch size 16: both seeds, at epoch 1" in text
    assert "batch size 64: both seeds, at epoch 2" in text
    assert "100% epoch 2" in text  # the summary's diverged column, with the epoch


def test_the_rules_are_said_once(report):
    _, html = report
    text = _text(html)
    assert text.count("stays at or above the target to the end of its run") == 1
    assert text.count("Every interval is cut at what is possible") == 1
    assert "from 5 seeds on" in text


def test_few_seeds_show_their_range_not_a_t_interval(tables, tmp_path):
    trials, history = tables  # 3 seeds
    path = render_report({"name": "s"}, trials, history, path=tmp_path / "r.html")
    text = _text(path.read_text())
    row = re.search(r"Summary .*? 32 0\.01 3 (\S+) (\S+) (\S+)", text)
    assert row is not None and row.group(2) == "range", text[:3000]
    findings = text.split(" Findings ")[2].split(" Summary One row")[0]
    assert "CI" not in findings and "over 3 seeds)" in findings  # the seeds' range too
    one = SyntheticStudy(batch_sizes=(4, 32), seeds=(0,), epochs=6, reach={4: 2, 32: 4})
    path = render_report({"name": "s"}, one.trials(), one.history(), path=tmp_path / "1.html")
    text = _text(path.read_text())
    summary = text.split(" Summary One row")[1].split(" Figures ")[0]
    assert "1 seed" in summary and "range" not in summary.split("Points are percentage")[1]


def test_findings_agree_with_the_recommendation(tmp_path):
    from batchlab.reporting import study_report
    from batchlab.store import Tables

    # batch size 256 is fewest in updates on average but one seed of 3 never gets there
    st = SyntheticStudy(
        batch_sizes=(8, 64, 256),
        epochs=20,
        n_train=512,
        reach={8: 4, 64: 6, (256, 0.01, 0): 10, (256, 0.01, 1): 10, (256, 0.01, 2): None},
        seed_spread=0.0,
    )
    spec = {"name": "lucky", "analysis": {"target_accuracy": 0.8}}
    tabs = Tables(spec, st.trials(), st.history(), pd.DataFrame())
    text = _text(study_report(tabs, tmp_path / "r.html").read_text())
    fastest = re.search(r"Fastest to target per update (.*?) reaches", text).group(1)
    chosen = re.search(r"Fewest updates to 80\.0% test accuracy (Use batch size \d+)", text)
    assert fastest == "Batch size 64" and chosen.group(1) == "Use batch size 64"
    assert "Batch size 256 did not reach it in every seed without diverging." in text


def test_the_report_says_what_ran(tmp_path):
    # a study run with --epochs 2: its description still speaks of 200
    st = SyntheticStudy(batch_sizes=(4, 32), seeds=(0, 1), epochs=2, reach={4: 1, 32: 2})
    spec = {"name": "g", "epochs": 2, "description": "a loop at lr 0.01, 200 epochs, 10 seeds"}
    path = render_report(spec, st.trials(), st.history(), path=tmp_path / "r.html")
    text = _text(path.read_text())
    assert "What ran: 4 trials (2 batch sizes × 1 learning rate × 2 seeds), 2 epochs each." in text
    assert "The description speaks of 200 epochs; the trials ran 2" in text
    assert "epochs 2 " in text  # the study's facts
