#!/usr/bin/env python3
"""`make migrate` / `make rollback` / `make retire`: see studio_login_admin/cutover.py."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from studio_login_admin.cutover import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
