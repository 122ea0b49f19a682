"""The study report: one self-contained HTML file (see :func:`render_report`)."""

from batchlab.reporting.render import png_data_uri, render_report
from batchlab.reporting.study import study_report

__all__ = ["png_data_uri", "render_report", "study_report"]
