"""What a cutover records: the pool's complete configuration and the originals' configuration,
under a directory only the admin can read (0700; files 0600), one per app id."""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

from .pool import valid_app_id


def default_root() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "amplify-studio-login" / "migrations"


class Records:
    def __init__(self, root: str | Path, app_id: str):
        self.directory = Path(root) / valid_app_id(app_id)

    @property
    def record(self) -> Path:
        return self.directory / "record.json"

    def exists(self) -> bool:
        return self.record.exists()

    def _ensure(self):
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)

    def write(self, name: str, data: bytes | str):
        """Atomically, 0600 from the first byte."""
        self._ensure()
        partial = self.directory / f"{name}.partial"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data.encode() if isinstance(data, str) else data)
        partial.replace(self.directory / name)

    def save(self, record: dict):
        self.write("record.json", json.dumps(record, indent=2, default=str, sort_keys=True))

    def load(self) -> dict:
        return json.loads(self.record.read_text())

    def retire(self, why: str) -> Path:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        kept = self.directory / f"record.{why}-{stamp}.json"
        self.record.replace(kept)
        return kept
