"""Tests of batchlab.plots."""
