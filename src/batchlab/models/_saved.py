"""A model saved as a ``.keras`` file: its architecture, with fresh weights for every seed."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from batchlab._backend import keras
from batchlab.errors import ModelError

if TYPE_CHECKING:
    import keras as keras_module

SUFFIX = ".keras"


@dataclass(frozen=True)
class SavedModel:
    """Builds the architecture of a ``.keras`` file (``model.save("net.keras")``) anew.

    The saved weights are not used: every call deserializes the file's configuration into a
    new model, whose initializers draw from Keras's global seed as the code that first built
    it did, so ``keras.utils.set_random_seed(s)`` then a call gives the same initial weights
    as ``set_random_seed(s)`` then that code (when its initializers were not given seeds).
    Layers of your own must be registered (``@keras.saving.register_keras_serializable``) in
    a module imported before the run. The file must take the dataset's input shape and give
    one output per class: it is not rebuilt for other shapes.

    Example::

        model.save("net.keras")
        bl.train("digits", "net.keras", ...)   # or model = "net.keras" in a study file
    """

    path: str
    """The ``.keras`` file."""
    _config: dict = dataclasses.field(default=None, compare=False, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if not isinstance(self.path, str) or not self.path.endswith(SUFFIX):
            raise ModelError(f"model: {self.path!r} is not a path to a {SUFFIX} file")

    def config(self) -> dict[str, Any]:
        """The file's serialized model (read once). Reading it draws no random numbers that
        count: loading makes layers, whose unseeded initializers draw from Python's
        ``random``, so its state is put back (the first seed's weights must not depend on
        whether the file was read before)."""
        if self._config is None:
            file = Path(self.path)
            if not file.is_file():
                raise ModelError(
                    f"model {self.path!r}: no such file (looked for {str(file.resolve())!r}); "
                    f"save one with model.save({file.name!r})"
                )
            k = keras()
            state = random.getstate()
            try:
                model = k.saving.load_model(file, compile=False)
            except Exception as e:
                raise ModelError(
                    f"model {self.path!r}: Keras cannot load it: {type(e).__name__}: {e}. A model "
                    "with layers of your own needs them registered "
                    "(@keras.saving.register_keras_serializable) and imported first."
                ) from e
            finally:
                random.setstate(state)
            object.__setattr__(self, "_config", k.saving.serialize_keras_object(model))
        return self._config

    def __call__(self, input_shape: tuple[int, ...], n_outputs: int) -> keras_module.Model:
        """A new model of the file's architecture, weights drawn from the global seed.
        (``input_shape`` and ``n_outputs`` are checked by ``build_model``.)"""
        return keras().saving.deserialize_keras_object(self.config())

    def __reduce__(self):
        return (SavedModel, (self.path,))
