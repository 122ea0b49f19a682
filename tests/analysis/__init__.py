"""Tests of batchlab.analysis."""
