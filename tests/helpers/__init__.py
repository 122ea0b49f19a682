"""Shared test helpers: synthetic tables (``synthetic``) and a headless browser (``browser``)."""
