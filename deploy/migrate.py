#!/usr/bin/env python3
"""`make migrate` / `make rollback` / `make retire`: see studio_login_admin/cutover.py;
`make fleet` / `make migrate-all` / `make rollback-all`: studio_login_admin/fleet.py."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from studio_login_admin import cutover, fleet  # noqa: E402

if __name__ == "__main__":
    many = len(sys.argv) > 1 and sys.argv[1] in ("fleet", "migrate-all", "rollback-all")
    sys.exit((fleet if many else cutover).main())
