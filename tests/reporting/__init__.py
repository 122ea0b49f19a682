"""Tests of batchlab.reporting."""
