"""The test environment: ``CI=true`` shrinks sizes (never skips checks)."""

import os

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
