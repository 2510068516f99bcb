"""Where the browser tests find Debian's chromium (Playwright cannot download its own here)."""

import os
import shutil

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = os.path.exists(CHROMIUM)
SKIP_REASON = "chromium not installed: browser tests skipped (apt-get install chromium to run them)"
