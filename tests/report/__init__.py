"""Tests of batchlab.report."""
