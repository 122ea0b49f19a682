"""Keras layers that ``fit`` runs eagerly, made traceable for the cohort's compiled program.

Keras marks some random preprocessing layers ``supports_jit = False`` and ``fit`` then runs
the model without ``jit``. Most compute under ``jit`` all the same (RandomFlip,
RandomTranslation). ``RandomCrop`` does not: in training it slices the images at a random
offset with Python slicing, which needs concrete numbers. :func:`install` gives it the same
crop through ``jax.lax.dynamic_slice`` when the offset is traced; concrete offsets (eager
calls, inference) still go through Keras's own code, so nothing else changes. The random
draws are Keras's: same seed generator, same calls, same offsets.
"""

from __future__ import annotations

import jax

_INSTALLED = False


def install() -> None:
    """Make ``keras.layers.RandomCrop`` traceable in training (idempotent)."""
    global _INSTALLED
    if _INSTALLED:
        return
    from keras.src.layers.preprocessing.image_preprocessing.random_crop import RandomCrop

    original = RandomCrop.transform_images

    def transform_images(self, images, transformation, training=True):
        traced = any(isinstance(t, jax.core.Tracer) for t in transformation)
        if not (training and traced):
            return original(self, images, transformation, training=training)
        images = self.backend.cast(images, self.compute_dtype)
        h, w = transformation  # traced int32 offsets, drawn by Keras's own code
        zero = jax.numpy.zeros((), h.dtype)
        if self.data_format == "channels_last":  # (..., height, width, channels)
            *lead, _, _, channels = images.shape
            starts = (*(zero for _ in lead), h, w, zero)
            sizes = (*lead, self.height, self.width, channels)
        else:  # (..., channels, height, width)
            *lead, _, _ = images.shape
            starts = (*(zero for _ in lead), h, w)
            sizes = (*lead, self.height, self.width)
        return jax.lax.dynamic_slice(images, starts, sizes)

    RandomCrop.transform_images = transform_images
    _INSTALLED = True
