"""Turn whatever names a model into a builder ``(input_shape, n_outputs) -> keras.Model``.

Accepted: a builtin builder (:class:`MLP`, :class:`CNN1D`, :class:`CNN2D`, :class:`ResNet`)
or its name (``"mlp"``, ``"cnn1d"``, ``"cnn2d"``, ``"resnet"``); any callable taking
``(input_shape, n_outputs)``; any callable taking no arguments (wrapped, the arguments
ignored); an import path ``"package.module:function"`` or ``"path/to/file.py:function"`` to
either kind of callable; a saved model ``"path/to/model.keras"`` (its architecture, weights
drawn anew per seed); a description from :func:`describe_model`.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import inspect
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from batchlab._backend import keras
from batchlab._suggest import did_you_mean
from batchlab.errors import BatchlabError, ModelError
from batchlab.models import _checks
from batchlab.models._cnn import CNN1D, cnn1d
from batchlab.models._cnn2d import CNN2D, cnn2d
from batchlab.models._mlp import MLP, mlp
from batchlab.models._resnet import ResNet, resnet
from batchlab.models._saved import SUFFIX, SavedModel

if TYPE_CHECKING:
    import keras as keras_module

Builder = Callable[[tuple[int, ...], int], "keras_module.Model"]

BUILTIN_MODELS: dict[str, type] = {"mlp": MLP, "cnn1d": CNN1D, "cnn2d": CNN2D, "resnet": ResNet}
_BUILTIN_TYPES = tuple(BUILTIN_MODELS.values())
_FACTORIES = (mlp, cnn1d, cnn2d, resnet)

_IDENT = r"[A-Za-z_]\w*"
_DOTTED = rf"{_IDENT}(?:\.{_IDENT})*"
_IMPORT_PATH = re.compile(rf"^(?P<module>{_DOTTED}|[^:]+\.py):(?P<attr>{_DOTTED})$")
_FORMS = (
    f"a builtin name ({', '.join(BUILTIN_MODELS)}), 'package.module:function', "
    "'path/to/file.py:function', 'path/to/model.keras', or a callable taking "
    "(input_shape, n_outputs) or no arguments"
)


@dataclass(frozen=True)
class _Imported:
    """A builder loaded from an import path; pickles as its path (re-imported on load)."""

    path: str
    builder: Builder = dataclasses.field(compare=False, repr=False)

    def __call__(self, input_shape: tuple[int, ...], n_outputs: int) -> keras_module.Model:
        return self.builder(input_shape, n_outputs)

    def __reduce__(self):
        return (resolve_model, (self.path,))


@dataclass(frozen=True)
class _NoArgs:
    """Wraps a zero-argument model function as a builder; the arguments are ignored (the
    shapes are checked by :func:`build_model`)."""

    fn: Callable[[], keras_module.Model]

    def __call__(self, input_shape: tuple[int, ...], n_outputs: int) -> keras_module.Model:
        return self.fn()


def resolve_model(model: Any) -> Builder:
    """Return a builder ``(input_shape, n_outputs) -> keras.Model`` for ``model``.

    Whether a callable is a builder or a zero-argument function is decided from its
    signature: one that needs no arguments (all have defaults, no ``*args``) is called with
    none; one that needs one or two positional arguments, or takes ``*args``, is called with
    ``(input_shape, n_outputs)``. The builtin classes (:class:`MLP`...) and factories
    (:func:`mlp`..., e.g. ``"batchlab.models:mlp"``) give their defaults. A path ending in
    ``.keras`` is a saved model (:class:`SavedModel`); the file is read when first built.

    Raises:
        ModelError: an unknown name, a malformed import path, a module or attribute that
            cannot be found, something that is not callable, or a callable with other
            required arguments.

    Example:
        >>> resolve_model("mlp")
        MLP(hidden=(50,), activation='relu', init='he_uniform', output='softmax')
    """
    if isinstance(model, (*_BUILTIN_TYPES, _Imported, _NoArgs, SavedModel)):
        return model
    if isinstance(model, Mapping):
        return _from_description(model)
    if isinstance(model, str):
        if model in BUILTIN_MODELS:
            return BUILTIN_MODELS[model]()
        if model.endswith(SUFFIX):
            return SavedModel(model)
        if ":" not in model:
            hint = _suggest(model)
            raise ModelError(f"model: {model!r} is not a builtin model{hint}. Use {_FORMS}.")
        return _Imported(model, _callable(_import(model), repr(model)))
    k = sys.modules.get("keras")
    if k is not None and isinstance(model, k.Model):
        raise ModelError(
            f"model: got a built {type(model).__name__} instance; pass the function that builds "
            "it instead, since batchlab builds a fresh model for every seed"
        )
    return _callable(model, _name(model))


def build_model(builder: Any, input_shape: tuple[int, ...], n_outputs: int) -> keras_module.Model:
    """Build a model with :func:`resolve_model` and check it: a ``keras.Model`` with its
    weights created, one output of ``n_outputs`` values per example of ``input_shape``.

    Draws its initial weights from Keras's global seed, as a direct call would.

    Example:
        >>> model = build_model("mlp", (2,), 3)
        >>> tuple(model.output_shape)
        (None, 3)
    """
    input_shape, n_outputs = _checks.io(input_shape, n_outputs)
    b = resolve_model(builder)
    name = _name(b)
    k = keras()
    try:
        model = b(input_shape, n_outputs)
    except BatchlabError:
        raise
    except Exception as e:
        raise ModelError(
            f"model {name}: building it for input_shape={input_shape}, n_outputs={n_outputs} "
            f"raised {type(e).__name__}: {e}"
        ) from e
    if not isinstance(model, k.Model):
        raise ModelError(
            f"model {name} returned {type(model).__name__} ({_short(model)}), not a keras.Model;"
            " a model builder must return an uncompiled keras.Model"
        )
    try:
        # A symbolic call (shapes only, nothing computed) creates any missing weights.
        out = model(k.KerasTensor((1, *input_shape)), training=False)
    except Exception as e:
        raise ModelError(
            f"model {name} cannot take inputs of shape (batch, {', '.join(map(str, input_shape))})"
            f": {type(e).__name__}: {e}"
        ) from e
    if isinstance(out, list | tuple | dict):
        raise ModelError(
            f"model {name} has {len(out)} outputs; batchlab trains models with one output tensor"
        )
    got = tuple(int(d) for d in out.shape[1:])
    if got != (n_outputs,):
        raise ModelError(
            f"model {name} outputs shape {got} per example, but the dataset needs "
            f"{n_outputs} outputs; make its last layer Dense(n_outputs)"
        )
    return model


def describe_model(model: Any) -> dict:
    """A JSON-able description of a model for study specs and the store.

    Builtins give their kind and fields (``{"kind": "mlp", "hidden": [50], ...}``); an import
    path gives ``{"kind": "import", "path": ...}``; so does a module-level function; a saved
    model ``{"kind": "keras_file", "path": ...}``. These
    round-trip through :func:`resolve_model`. Other callables (lambdas, functions defined in
    ``__main__`` or inside functions) give ``{"kind": "callable", "name": ...}``, which says
    what was run but cannot be loaded again.

    Example:
        >>> describe_model("mlp")
        {'kind': 'mlp', 'hidden': [50], 'activation': 'relu', 'init': 'he_uniform', 'output': 'softmax'}
    """  # noqa: E501
    b = resolve_model(model)
    if isinstance(b, _BUILTIN_TYPES):
        kind = next(n for n, cls in BUILTIN_MODELS.items() if isinstance(b, cls))
        fields = {
            f.name: list(v) if isinstance(v := getattr(b, f.name), tuple) else v
            for f in dataclasses.fields(b)
        }
        return {"kind": kind, **fields}
    if isinstance(b, _Imported):
        return {"kind": "import", "path": b.path}
    if isinstance(b, SavedModel):
        return {"kind": "keras_file", "path": b.path}
    fn = b.fn if isinstance(b, _NoArgs) else b
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    if module and qualname and module != "__main__" and "<" not in qualname:
        return {"kind": "import", "path": f"{module}:{qualname}"}
    return {"kind": "callable", "name": _name(fn)}


def _from_description(d: Mapping) -> Builder:
    kind = d.get("kind")
    fields = {k: v for k, v in d.items() if k != "kind"}
    if kind in BUILTIN_MODELS:
        cls = BUILTIN_MODELS[kind]
        known = {f.name for f in dataclasses.fields(cls)}
        if unknown := sorted(set(fields) - known):
            raise ModelError(
                f"model: {kind} has no field {', '.join(map(repr, unknown))} "
                f"(fields: {', '.join(sorted(known))})"
            )
        fields = {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}
        try:
            return cls(**fields)
        except ModelError as e:  # named as the study's [model] table names it
            raise ModelError(str(e).replace(f"{kind}.", "model.", 1)) from None
    if kind == "import" and isinstance(d.get("path"), str):
        return resolve_model(d["path"])
    if kind == "keras_file" and isinstance(d.get("path"), str):
        return SavedModel(d["path"])
    raise ModelError(
        f"model: cannot rebuild a model from {dict(d)!r}; a description has kind "
        f"{', '.join(BUILTIN_MODELS)} (with its fields), 'import' or 'keras_file' (with a path)"
    )


def _import(path: str) -> object:
    match = _IMPORT_PATH.match(path)
    if not match:
        raise ModelError(
            f"model: {path!r} is not a valid import path; write 'package.module:function' "
            "(e.g. 'mymodels:build') or 'path/to/file.py:function'"
        )
    module_name, attr = match["module"], match["attr"]
    if module_name.endswith(".py"):
        module = _import_file(Path(module_name), path)
    else:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name and (module_name == e.name or module_name.startswith(e.name + ".")):
                raise ModelError(
                    f"model {path!r}: no module named {e.name!r}. Is it installed, or on "
                    "sys.path? (The current directory is not on sys.path when batchlab runs "
                    "as a command: set PYTHONPATH=. or write 'file.py:function'.)"
                ) from e
            raise ModelError(f"model {path!r}: importing {module_name!r} failed: {e}") from e
        except Exception as e:
            raise ModelError(
                f"model {path!r}: importing {module_name!r} raised {type(e).__name__}: {e}"
            ) from e
    obj: object = module
    for i, part in enumerate(attr.split(".")):
        if not hasattr(obj, part):
            owner = ".".join([module_name, *attr.split(".")[:i]])
            public = [n for n in dir(obj) if not n.startswith("_")]
            hint = did_you_mean(part, public)
            raise ModelError(f"model {path!r}: {owner!r} has no attribute {part!r}{hint}")
        obj = getattr(obj, part)
    return obj


def _import_file(file: Path, path: str):
    if not file.is_file():
        raise ModelError(f"model {path!r}: no such file {str(file)!r}")
    name = "batchlab_user_models." + re.sub(r"\W", "_", str(file.resolve()))
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    except Exception as e:
        del sys.modules[name]
        raise ModelError(
            f"model {path!r}: running {str(file)!r} raised {type(e).__name__}: {e}"
        ) from e
    return module


def _callable(obj: object, name: str) -> Builder:
    if isinstance(obj, _BUILTIN_TYPES):
        return obj  # type: ignore[return-value]
    if obj in _BUILTIN_TYPES or obj in _FACTORIES:
        return obj()  # type: ignore[operator]  # the builtin with its defaults, as "mlp" gives
    if not callable(obj):
        raise ModelError(
            f"model {name} is {_short(obj)} ({type(obj).__name__}), not callable; use {_FORMS}"
        )
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return obj  # no signature to read (some builtins): assume a builder
    params = list(sig.parameters.values())
    kinds = inspect.Parameter
    positional = [
        p for p in params if p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)
    ]
    required = [p for p in positional if p.default is p.empty]
    required += [p for p in params if p.kind == kinds.KEYWORD_ONLY and p.default is p.empty]
    var_positional = any(p.kind == kinds.VAR_POSITIONAL for p in params)
    if not required and not var_positional:
        return _NoArgs(obj)  # type: ignore[arg-type]  # e.g. def build(units=64): ...
    if (len(positional) >= 2 or var_positional) and all(p in positional[:2] for p in required):
        return obj  # type: ignore[return-value]  # e.g. def build(input_shape, n_outputs): ...
    raise ModelError(
        f"model {name} requires the arguments ({', '.join(p.name for p in required)}); a model "
        "function takes either no arguments or (input_shape, n_outputs)"
    )


def _name(obj: object) -> str:
    if isinstance(obj, _Imported):
        return repr(obj.path)
    if isinstance(obj, _NoArgs):
        return _name(obj.fn)
    if isinstance(obj, _BUILTIN_TYPES):
        return repr(obj)
    if isinstance(obj, SavedModel):
        return repr(obj.path)
    qualname = getattr(obj, "__qualname__", None)
    if qualname:
        module = getattr(obj, "__module__", None)
        return repr(f"{module}:{qualname}" if module else qualname)
    return _short(obj)


def _short(obj: object) -> str:
    text = repr(obj)
    return text if len(text) <= 60 else text[:57] + "..."


def _suggest(word: str) -> str:
    return did_you_mean(word, BUILTIN_MODELS) or f" (builtin models: {', '.join(BUILTIN_MODELS)})"
