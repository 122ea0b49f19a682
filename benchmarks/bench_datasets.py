"""Loading the Keras datasets at full size, and moving them to the device once per study.

Writes generated MNIST-sized (60000 / 10000) and CIFAR-10-sized (50000 / 10000) files in Keras's
formats into a temporary Keras folder, then times, in this process:

- Keras's loader alone (``keras_arrays``: ``keras.datasets.<name>.load_data`` with the offline
  ``get_file``), the uint8 arrays as Keras returns them;
- ``bl.data.load_dataset(name)``: the same plus channels-last, scaling to [0, 1] in float32 and
  the read-only copies of a :class:`Dataset`;
- the move to the device (``Shared.device_data``) for the first cohort and for the next ones of
  the study (which get the same arrays).

    python benchmarks/bench_datasets.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="bench-keras-")
    os.environ["KERAS_HOME"] = home
    try:
        run(home, args.repeat)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run(home: str, repeat: int) -> None:
    import jax
    import numpy as np

    import batchlab as bl
    from batchlab.data._keras_files import keras_arrays
    from batchlab.engine import Shared

    sizes = {"mnist": (60000, 10000), "cifar10": (50000, 10000)}
    print(f"jax {jax.__version__} on {jax.devices()[0].platform}; Keras folder {home}")
    for name, (n_train, n_test) in sizes.items():
        tic = time.perf_counter()
        bl.data.write_keras_files(name, n_train=n_train, n_test=n_test)
        print(f"{name}: wrote {n_train} / {n_test} in {time.perf_counter() - tic:.1f} s")
        bl.data.load_dataset(name)  # extracts the CIFAR archive once, as Keras does
        raw, full, first, later = [], [], [], []
        for _ in range(repeat):
            tic = time.perf_counter()
            keras_arrays(name)
            raw.append(time.perf_counter() - tic)
            tic = time.perf_counter()
            ds = bl.data.load_dataset(name)
            full.append(time.perf_counter() - tic)
            shared = Shared()
            tic = time.perf_counter()
            jax.block_until_ready(shared.device_data(ds, "float32"))
            first.append(time.perf_counter() - tic)
            tic = time.perf_counter()
            jax.block_until_ready(shared.device_data(ds, "float32"))
            later.append(time.perf_counter() - tic)
        mb = (ds.x_train.nbytes + ds.x_test.nbytes) / 2**20
        print(
            f"  Keras loader {np.median(raw):.2f} s, load_dataset {np.median(full):.2f} s "
            f"({np.median(full) / np.median(raw):.1f}x); to the device {np.median(first):.3f} s "
            f"for {mb:.0f} MiB, later cohorts {np.median(later) * 1e6:.1f} us (medians of "
            f"{repeat})"
        )


if __name__ == "__main__":
    main()
