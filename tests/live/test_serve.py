"""``batchlab serve``: the page's JSON endpoints and files, over HTTP from another process.

The page itself, in a browser while a study runs, is tested in test_browser.py.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from helpers.runner import Server, filler

from batchlab.live import read_view
from batchlab.store import Store


def get(url: str, host: str | None = None):
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    path = tmp_path_factory.mktemp("serve") / "s.db"
    thread = filler(path, pause=0)
    thread.start()
    thread.join()
    server = Server(path)
    yield server, path
    server.stop()


def test_the_page_holds_no_data_and_forbids_everything_else(served):
    server, _ = served
    assert server.url.startswith("http://127.0.0.1:")
    status, headers, body = get(server.url)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    page = body.decode()
    assert 'data-refresh-ms="250"' in page and "bs2-sgd" not in page


def test_studies_and_one_study_as_json(served):
    server, path = served
    status, headers, body = get(server.url + "api/studies")
    assert status == 200 and headers["Content-Type"] == "application/json"
    listing = json.loads(body)
    assert listing["exists"] and [s["name"] for s in listing["studies"]] == ["w"]
    assert listing["studies"][0]["status"] == "done"
    status, _, body = get(server.url + "api/study?name=w")
    assert status == 200
    with Store(path) as st:
        expected = read_view(st, "w").to_dict()
    assert json.loads(body) == json.loads(json.dumps(expected))
    status, _, body = get(server.url + "api/study?name=nope")
    assert status == 404 and "no study 'nope'" in json.loads(body)["error"]


@pytest.mark.parametrize(
    "path, status",
    [
        ("static/uPlot.iife.min.js", 200),
        ("static/live.js", 200),
        ("static/uPlot.LICENSE", 200),
        ("static/page.html", 404),
        ("static/..%2f_serve.py", 404),
        ("static/%2e%2e%2f%2e%2e%2fstore%2f_store.py", 404),
        ("static/../live/_serve.py", 404),
        ("etc/passwd", 404),
    ],
)
def test_files_come_from_a_fixed_list_by_name(served, path, status):
    server, _ = served
    assert get(server.url + path)[0] == status


def test_requests_for_another_host_are_refused(served):
    server, _ = served
    assert get(server.url + "api/studies", host="attacker.example")[0] == 400


def test_a_store_not_there_yet(tmp_path):
    server = Server(tmp_path / "later.db")
    try:
        listing = json.loads(get(server.url + "api/studies")[2])
        assert listing == {"store": str(tmp_path / "later.db"), "exists": False, "studies": []}
        assert not (tmp_path / "later.db").exists()
    finally:
        err = server.stop()
    # a mistyped path must not look like an empty store: it is said at start
    assert f"no store at '{tmp_path / 'later.db'}' yet" in " ".join(err.split())


def test_without_the_live_extra_serve_says_how_to_install(monkeypatch, tmp_path):
    import contextlib
    import io
    import sys

    from batchlab.cli import main

    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if not installed
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main(["serve", "--store", str(tmp_path / "s.db"), "--port", "0"])
    assert rc == 2 and "pip install 'batchlab[live]'" in " ".join(err.getvalue().split())
