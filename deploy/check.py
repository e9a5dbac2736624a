#!/usr/bin/env python3
"""`make check`: see studio_login_admin/check.py."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from studio_login_admin.check import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
