"""The report opens in headless Chromium: it draws something, and names stay text.

Chromium is installed by tests/helpers/browser.py when missing (root + apt); when it cannot
be found or installed the test FAILS with a clear message — it is never skipped.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg  # noqa: E402
import pytest  # noqa: E402
from helpers.browser import chromium_path, file_url, run_chromium  # noqa: E402
from helpers.synthetic import SyntheticStudy  # noqa: E402

from batchlab.reporting import render_report  # noqa: E402

EVIL = "<img src=x onerror=alert(1)></script>"


@pytest.fixture(scope="session")
def chromium() -> str:
    try:
        return chromium_path()
    except RuntimeError as err:
        pytest.fail(str(err))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    st = SyntheticStudy(batch_sizes=(4, 32, 500), epochs=8, noise=0.01, study=EVIL)
    folder = tmp_path_factory.mktemp("browser")
    path = render_report({"name": EVIL}, st.trials(), st.history(), path=folder / "report.html")
    return path


def test_screenshot_is_not_blank_and_no_console_errors(chromium, report, tmp_path):
    shot = tmp_path / "shot.png"
    done = run_chromium(
        file_url(report),
        f"--screenshot={shot}",
        "--window-size=1200,2000",
        "--enable-logging=stderr",
        "--v=0",
        executable=chromium,
    )
    assert shot.exists(), f"no screenshot; chromium said:\n{done.stderr[-2000:]}"
    pixels = mpimg.imread(shot)
    assert pixels.shape[:2] == (2000, 1200)
    assert pixels.var() > 1e-3  # not a blank page
    page = [line for line in done.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not page, "the page logged:\n" + "\n".join(page)


def test_injected_name_is_text_in_the_dom(chromium, report):
    done = run_chromium(file_url(report), "--dump-dom", executable=chromium)
    dom = done.stdout
    assert "<h1>" in dom, done.stderr[-2000:]
    assert "batchlab report: &lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;</h1>" in dom
    assert 'src="x"' not in dom and "onerror=" not in dom.replace("onerror=alert(1)&gt;", "")


def test_console_check_sees_page_errors(chromium, tmp_path):
    # the check above is only worth something if a page's errors do reach stderr
    page = tmp_path / "noisy.html"
    page.write_text("<html><body><script>console.error('seen')</script></body></html>")
    done = run_chromium(
        file_url(page), "--dump-dom", "--enable-logging=stderr", "--v=0", executable=chromium
    )
    assert any("CONSOLE" in line and "seen" in line for line in done.stderr.splitlines())


def test_missing_browser_fails_with_a_clear_message(monkeypatch):
    from helpers import browser

    monkeypatch.setattr(browser, "_which", lambda: None)
    monkeypatch.setattr(browser, "_install", lambda: "apt-get is not available")
    with pytest.raises(RuntimeError, match="apt-get install -y chromium"):
        browser.chromium_path()
