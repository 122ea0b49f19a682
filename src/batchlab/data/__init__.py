"""Datasets: builtins (generated locally, never downloaded), MNIST, Fashion-MNIST, CIFAR-10
and CIFAR-100 from the Keras cache (through Keras's loaders), CSV and NPZ files, and arrays
(:func:`from_arrays`: ``bl.train(dataset=(x, y))``).

Example:
    >>> from batchlab.data import load_dataset, check_batch_size
    >>> ds = load_dataset("blobs")
    >>> ds.task, ds.n_train, check_batch_size(ds, "full")
    ('classification', 500, 500)
"""

from batchlab.data._batch import check_batch_size
from batchlab.data._builtin import builtin_datasets
from batchlab.data._dataset import Dataset
from batchlab.data._fake import write_keras_files
from batchlab.data._keras_files import keras_home
from batchlab.data._load import load_dataset
from batchlab.data._npz import from_arrays

__all__ = [
    "Dataset",
    "builtin_datasets",
    "check_batch_size",
    "from_arrays",
    "keras_home",
    "load_dataset",
    "write_keras_files",
]
