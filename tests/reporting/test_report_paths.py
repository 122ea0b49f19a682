"""The default report path names the store too: reports of two stores never overwrite each
other (issue 12); the default store keeps reports/STUDY.html, as the README says."""

from __future__ import annotations

from helpers.cli import cli, ok
from helpers.runner import filler

from batchlab._workflow import default_report_path


def test_the_default_path_by_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BATCHLAB_STORE", raising=False)
    reports = tmp_path / "reports"
    assert default_report_path("grid") == reports / "grid.html"
    assert default_report_path("grid", "batchlab.db") == reports / "grid.html"
    assert default_report_path("grid", tmp_path / "batchlab.db") == reports / "grid.html"
    assert default_report_path("grid", ":memory:") == reports / "grid.html"
    assert default_report_path("grid", "laptop.db") == reports / "laptop-grid.html"
    assert default_report_path("grid", "a/b.db") == reports / "b-grid.html"
    assert default_report_path("a/b c", "my store.db") == reports / "my_store-a_b_c.html"
    monkeypatch.setenv("BATCHLAB_STORE", str(tmp_path / "env.db"))
    assert default_report_path("grid") == reports / "env-grid.html"


def test_report_without_output_names_the_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BATCHLAB_STORE", raising=False)
    filler(tmp_path / "other.db", epochs=2, pause=0).run()
    result = ok(cli("report", "w", "--store", tmp_path / "other.db"))
    path = tmp_path / "reports" / "other-w.html"
    assert path.is_file() and str(path) in " ".join(result.out.split())
    assert not (tmp_path / "reports" / "w.html").exists()
