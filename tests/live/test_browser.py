"""The live page in headless Chromium while another process runs a study.

One study is run for the module (``batchlab run`` in one process, ``batchlab serve`` in
another); Chromium is driven over the DevTools protocol (tests/helpers/cdp.py). The page must
show the epochs grow without a reload, log no error, keep a spec's text as text, draw the
curves with uPlot, and end with the store's numbers. Chromium is installed by
tests/helpers/browser.py when missing; when it cannot be had the test fails, never skips.
"""

from __future__ import annotations

import time

import matplotlib.image as mpimg
import pytest
from helpers.cdp import Browser
from helpers.runner import Runner, Server

from batchlab._format import pct
from batchlab.live import read_view
from batchlab.store import Store

EVIL = "<img src=x onerror=\"document.title='pwned'\"> & <b>bold</b>"
SECTION = "document.querySelector('section.study')"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    run = Runner(
        folder, "live-page", epochs=300, batch_sizes=[1, 16, 128], description=EVIL, start=False
    )
    server = Server(run.store)
    browser = None
    try:
        # the page is open before the run starts, so it sees the study from its first epochs
        browser = Browser(width=1200, height=900)
        browser.goto(server.url)
        run.start()
        deadline = time.monotonic() + 120  # each test may read the page: wait for its section
        while not browser.js(f"{SECTION} !== null"):
            assert time.monotonic() < deadline, f"no study section\n{run.output()}"
            time.sleep(0.2)
        yield run, server, browser
    finally:
        if browser is not None:
            browser.close()
        server.stop()
        run.stop()


def shown(browser: Browser) -> int | None:
    value = browser.js(f"{SECTION} && {SECTION}.dataset.trialEpochs")
    return None if value in (None, False) else int(value)


def test_the_page_follows_the_running_study(live):
    run, server, browser = live
    seen: list[int] = []
    deadline = time.monotonic() + 300
    while run.proc.poll() is None or not seen or seen[-1] < run.trial_epochs():
        assert time.monotonic() < deadline, f"timed out; saw {seen}\n{run.output()}"
        value = shown(browser)
        if value is not None and (not seen or value != seen[-1]):
            seen.append(value)
        time.sleep(0.2)
    run.finish()
    assert seen == sorted(seen) and len(seen) >= 3, seen  # it grew, without a reload
    assert seen[-1] == 3 * 300
    assert not browser.problems, browser.problems

    with Store(run.store) as st:
        final = read_view(st, "live-page")
    time.sleep(0.6)  # one more poll after "done"
    assert browser.js(f"{SECTION}.querySelector('.status').textContent") == "done"
    assert browser.js(f"{SECTION}.querySelector('.epochs').textContent") == "300/300"
    cells = browser.js(
        f"[...{SECTION}.querySelectorAll('table.curves tr')].slice(1)"
        ".map(r => [...r.cells].map(c => c.textContent))"
    )
    assert cells == [
        [
            str(c.batch_size),
            f"{c.learning_rate:g}",
            "1",
            "300",
            pct(c.last)[:-1],
            pct(c.best)[:-1],
            str(c.best_epoch),
            str(c.diverged),
        ]
        for c in final.curves
    ]
    # uPlot drew one series per batch size, from the data the page fetched
    assert browser.js(f"{SECTION}.querySelectorAll('.uplot canvas').length") == 1
    legend = browser.js(
        f"[...{SECTION}.querySelectorAll('.u-legend .u-label')].map(e => e.textContent)"
    )
    assert legend == ["epoch", "batch 1 (lr 0.01)", "batch 16 (lr 0.01)", "batch 128 (lr 0.01)"]


def test_a_spec_text_is_text(live):
    run, server, browser = live
    assert browser.js(f"{SECTION}.querySelector('.description').textContent").startswith(EVIL)
    assert browser.js(f"{SECTION}.querySelector('.description').childElementCount") == 0
    assert browser.js("document.querySelectorAll('img').length") == 0
    assert browser.js("document.title") == "batchlab live"
    assert not browser.problems, browser.problems


def test_screenshot_of_the_live_page(live, tmp_path_factory):
    run, server, browser = live
    run.finish()
    time.sleep(0.6)
    shot = browser.screenshot(tmp_path_factory.getbasetemp() / "live-page.png")
    pixels = mpimg.imread(shot)
    assert pixels.shape[1] == 1200 and pixels.shape[0] >= 600
    assert pixels.var() > 1e-3  # not a blank page
    # the chart's canvas has drawn lines: many distinct colours, not one flat fill
    colours = {tuple(p) for p in (pixels[:, :, :3] * 255).astype(int).reshape(-1, 3)[::7]}
    assert len(colours) > 50
    assert not browser.problems, browser.problems
