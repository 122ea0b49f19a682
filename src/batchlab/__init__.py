"""batchlab: a laboratory for the batch size of gradient descent."""

__version__ = "0.1.0"
