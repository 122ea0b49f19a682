"""The README's "Use it" section is a path a newcomer can follow top to bottom: its commands
run here in order, in an empty folder with the default store (./batchlab.db), each exiting 0
with no traceback, and each finding what the ones before it made.

Sizes only are shrunk: every `run` gets `--epochs`/`--seeds` (1 epoch and 1 seed under
CI=true, 4 epochs and 2 seeds otherwise; one seed more where the README grows a study) and
`scratch logic` fewer epochs. The Ray line runs with the local executor instead (starting Ray
takes longer than this whole test); the Ray executor has its own tests in
tests/run/test_ray.py."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

from helpers.cli import cli

from batchlab.store import load

README = Path(__file__).resolve().parents[1] / "README.md"
CI = os.environ.get("CI") == "true"
EPOCHS, SEEDS = (1, 1) if CI else (4, 2)


def use_it_commands() -> list[str]:
    """The command lines of the first ```bash block under '## Use it', comments dropped."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Use it", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, flags=re.DOTALL).group(1)
    lines = []
    for line in block.splitlines():
        code = re.split(r"\s#", " " + line, maxsplit=1)[0].strip()
        if code:
            lines.append(code)
    return lines


def shrunk(argv: list[str], ran: set[str]) -> list[str]:
    """The same command, smaller (sizes only), and local instead of Ray. A study run again
    with more seeds (the Ray line) still grows: by one seed."""
    if argv[:1] == ["run"]:
        argv = [a if a != "ray" else "local" for a in argv]
        study = argv[argv.index("--name") + 1] if "--name" in argv else argv[1]
        seeds = SEEDS + 1 if study in ran and "--seeds" in argv else SEEDS
        ran.add(study)
        return [*argv, "--epochs", str(EPOCHS), "--seeds", str(seeds)]
    if argv[:2] == ["scratch", "logic"]:
        return [*argv, "--epochs", "60" if CI else "200"]
    return argv


def test_the_use_it_section_runs_top_to_bottom(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BATCHLAB_STORE", raising=False)
    commands = use_it_commands()
    assert len(commands) >= 10, commands
    outputs, ran = {}, set()
    for line in commands:
        words = shlex.split(line)
        assert words[0] == "batchlab", line
        redirect = None
        if ">" in words:
            at = words.index(">")
            words, redirect = words[:at], words[at + 1]
        result = cli(*shrunk(words[1:], ran))
        where = f"README command `{line}`"
        assert result.rc == 0, f"{where}: exit {result.rc}\n{result.out}\n{result.err}"
        assert "Traceback" not in result.err + result.out, f"{where}:\n{result.err}"
        if redirect:
            Path(redirect).write_text(result.out, encoding="utf-8")
        outputs[line] = result

    # What the section says it makes is there.
    for made in ("my-grid.toml", "curves.png", "report.html", "history.parquet", "logic.png"):
        assert (tmp_path / made).is_file() and (tmp_path / made).stat().st_size > 0, made
    assert (tmp_path / "reports" / "seed003-flavors.html").is_file()  # run's own report
    listed = next(r for line, r in outputs.items() if line == "batchlab ls").out
    for study in ("seed003-flavors", "my-grid"):
        assert study in listed
    grid = load("my-grid", store=tmp_path / "batchlab.db")
    assert sorted(grid.history.batch_size.unique()) == [4, 8, 16, 32, 64, 128, 256, 450]
    assert grid.history.epoch.max() == EPOCHS and grid.history.seed.nunique() == SEEDS
    flavors = load("seed003-flavors", store=tmp_path / "batchlab.db")
    assert flavors.history.seed.nunique() == SEEDS + 1  # grown by the Ray line's --seeds


def test_the_readme_lists_the_exit_codes():
    text = " ".join(README.read_text(encoding="utf-8").split())
    for code in ("0 ok", "1 an internal error", "2 bad input", "130 interrupted by Ctrl-C"):
        assert code in text, code
    assert "143 stopped by SIGTERM" in text
