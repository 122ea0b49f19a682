"""docs/studies.md documents the study file format exactly: every key the loader accepts
(taken from the loader's own dataclasses and tables, so a key added later without a line in
the document fails here), no key it does not accept, the loader's defaults, the valid values,
and examples that load. Also `batchlab studies show NAME`, the file to start from."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path

import pytest
from helpers.cli import cli, ok

from batchlab.data import load_dataset
from batchlab.data._load import _DEFAULTS as DATASET_OPTIONS
from batchlab.models._resolve import BUILTIN_MODELS
from batchlab.study import builtin_studies, load_study, parse_toml
from batchlab.study._fields import BATCH_FLAVORS
from batchlab.study._optimizer import OPTIMIZERS
from batchlab.study._study import (
    _SECTIONS,
    BUILTIN_DATASETS,
    LOSSES,
    MODEL_KEYS,
    MODEL_KINDS,
    Study,
)
from batchlab.study._sweep import Point
from batchlab.study._toml import _value as toml_value

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "studies.md").read_text(encoding="utf-8")
ROW = re.compile(r"^\| `([^`]+)` \| ([^|]*) \| ([^|]*) \|", re.MULTILINE)


def sections(text: str, level: str) -> dict[str, str]:
    """``{heading: body}`` for the headings of one level (``"##"`` or ``"###"``)."""
    parts = re.split(rf"^{level} (.+)$", text, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


H2 = sections(DOC, "##")


def section(heading: str) -> str:
    assert heading in H2, f"docs/studies.md has no section '## {heading}' (has {list(H2)})"
    return H2[heading]


def key_table(body: str) -> dict[str, tuple[str, str]]:
    tables = [t for t in re.split(r"\n(?=\| key \|)", body) if t.startswith("| key |")]
    assert len(tables) == 1, f"expected one '| key | type | default | meaning |' table:\n{body}"
    table = tables[0].split("\n\n", 1)[0]
    return {m.group(1): (m.group(2).strip(), m.group(3).strip()) for m in ROW.finditer(table)}


def fields(cls) -> dict[str, dataclasses.Field]:
    return {f.name: f for f in dataclasses.fields(cls)}


# heading -> (the keys the loader accepts there, their defaults where the loader has one)
def accepted() -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}

    def defaults(cls) -> dict[str, object]:
        return {name: f.default for name, f in fields(cls).items()}

    out["Top-level keys"] = defaults(Study)
    out["`dataset_options`"] = dict(DATASET_OPTIONS)
    for name, cls in _SECTIONS.items():
        out[f"`[{name}]`"] = defaults(cls)
    out["`[[sweep.points]]`"] = defaults(Point)
    return out


SECTIONS = accepted()


@pytest.mark.parametrize("heading", list(SECTIONS))
def test_every_accepted_key_is_documented_and_every_documented_key_accepted(heading):
    documented = key_table(section(heading))
    expected = SECTIONS[heading]
    assert set(expected) - set(documented) == set(), f"undocumented keys in {heading}"
    assert set(documented) - set(expected) == set(), f"keys {heading} does not accept"


@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_every_model_kind_and_its_keys_are_documented(kind):
    model = sections(section("`[model]`"), "###")
    heading = f'`kind = "{kind}"`'
    assert heading in model, f"no '### {heading}' under [model] (has {list(model)})"
    documented = key_table(model[heading])
    assert set(documented) == set(MODEL_KEYS[kind])
    if kind in BUILTIN_MODELS:  # the builder's defaults
        for name, f in fields(BUILTIN_MODELS[kind]).items():
            check_default(f"model.{name} ({kind})", f.default, documented[name][1])


def check_default(where: str, default: object, cell: str) -> None:
    """A default the loader has must be written as its TOML value, in backticks."""
    if default in (dataclasses.MISSING, None, ()):
        return  # required, unset, or an empty axis: said in words
    assert cell == f"`{toml_value(default)}`", f"{where}: the loader's default is {default!r}"


@pytest.mark.parametrize("heading", list(SECTIONS))
def test_documented_defaults_are_the_loaders(heading):
    documented = key_table(section(heading))
    for key, default in SECTIONS[heading].items():
        check_default(f"{heading} {key}", default, documented[key][1])


def test_the_default_check_can_fail():
    with pytest.raises(AssertionError):
        check_default("x", 0.9, "`0.95`")
    with pytest.raises(AssertionError):
        check_default("x", (50,), "`50`")


def test_valid_values_are_named():
    from batchlab._columns import METRIC_KINDS, X_AXES
    from batchlab._laws import LR_RULES
    from batchlab.quantities import QUANTITIES

    values = {
        "dataset": BUILTIN_DATASETS,
        "model.kind": MODEL_KINDS,
        "loss": LOSSES,
        "optimizer.name": OPTIMIZERS,
        "sweep.batch_size": tuple(BATCH_FLAVORS),
        "lr_rule.rule": LR_RULES,
        "analysis.metrics": METRIC_KINDS,
        "analysis.x_axes": tuple(X_AXES),
        "diagnostics.quantities": tuple(QUANTITIES),
    }
    for field, names in values.items():
        for name in names:
            assert f"`{name}`" in DOC or f'`"{name}"`' in DOC, f"{field}: {name!r} not documented"


BASE = {"name": "doc", "dataset": "blobs", "epochs": 30, "sweep": {"batch_size": [8]}}
BASE["sweep"]["learning_rate"] = [0.1]


def toml_examples() -> list[str]:
    return re.findall(r"```toml\n(.*?)```", DOC, flags=re.DOTALL)


@pytest.mark.parametrize("index", range(len(toml_examples())))
def test_every_toml_example_loads(index):
    text = toml_examples()[index]
    data = tomllib.loads(text)
    if "name" in data:  # a whole study
        study = parse_toml(text, f"docs/studies.md example {index}")
        assert study.n_trials >= 1
    else:  # a section: on top of a minimal study
        Study.from_dict({**BASE, **data})


def test_the_first_example_is_the_grid_it_describes():
    study = parse_toml(toml_examples()[0])
    assert study.n_trials == 40 and "4 batch sizes x 2 learning rates" in study.grid_shape
    assert "40 trials" in DOC


def test_the_csv_example_loads(tmp_path):
    text = re.search(r"```csv\n(.*?)```", DOC, flags=re.DOTALL).group(1)
    path = tmp_path / "example.csv"
    path.write_text(text, encoding="utf-8")
    ds = load_dataset(path)
    assert ds.n_train + ds.n_test == 4 and ds.n_classes == 2
    assert ds.class_names == ("blue", "red")  # text labels, sorted


def test_the_npz_example_loads(tmp_path):
    import numpy as np

    code = re.search(r"```python\n(.*?)```", section("Dataset files"), flags=re.DOTALL).group(1)
    rng = np.random.default_rng(0)
    features, labels = rng.normal(size=(20, 3)), np.arange(20) % 2
    x_train, y_train, x_te, y_te = features[:15], labels[:15], features[15:], labels[15:]
    scope = dict(np=np, features=features, labels=labels, x_train=x_train, y_train=y_train)
    scope |= dict(x_te=x_te, y_te=y_te)
    first, second = [line for line in code.splitlines() if "savez" in line]
    for line, n_test in ((first, 4), (second, 5)):  # 0.2 of 20 rows; the given test set
        path = tmp_path / "my-data.npz"
        exec(line.replace('"my-data.npz"', repr(str(path))), scope)
        assert load_dataset(path).n_test == n_test


@pytest.mark.parametrize("name", list(builtin_studies()))
def test_studies_show_prints_a_builtin_that_loads_back(name):
    shown = ok(cli("studies", "show", name)).out
    assert parse_toml(shown) == load_study(name)


def test_studies_show_an_unknown_name_says_which_exist():
    result = cli("studies", "show", "seed003-gird")
    assert result.rc == 2 and "seed003-grid" in result.err and "Traceback" not in result.err


def test_readme_points_to_the_document():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/studies.md" in readme
