"""Cookieless visitor ids: a salted hash that rotates every day (Plausible's scheme).

``visitor_id = sha256(salt_of_the_day ‖ workspace ‖ ip ‖ user_agent)``, first 16 bytes as hex.
The salt is 32 random bytes kept in ``<spool>/salt-YYYY-MM-DD`` (mode 0600) so a restart within
the day keeps ids stable; the previous days' salts are deleted, after which nobody (the
operator included) can link a visitor across days or recover an IP address. The IP address is
used only as hash input and never stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import threading
from pathlib import Path

__all__ = ["DailySalt"]


class DailySalt:
    """The salt of the current UTC day, created on first use and kept in ``directory``."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._day: dt.date | None = None
        self._salt = b""

    def salt(self, day: dt.date) -> bytes:
        with self._lock:
            if day != self._day:
                self._salt = self._load_or_create(day)
                self._day = day
            return self._salt

    def visitor_id(self, workspace_id: str, ip: str, user_agent: str, now: dt.datetime) -> str:
        """The visitor hash of (workspace, ip, user agent) on ``now``'s UTC day."""
        salt = self.salt(now.astimezone(dt.UTC).date())
        h = hashlib.sha256(salt)
        for part in (workspace_id, ip, user_agent):
            h.update(b"\x00" + part.encode("utf-8", "surrogatepass"))
        return h.hexdigest()[:32]

    def _load_or_create(self, day: dt.date) -> bytes:
        path = self.directory / f"salt-{day.isoformat()}"
        try:
            data = path.read_bytes()
            if len(data) == 32:
                return data
        except FileNotFoundError:
            pass
        data = secrets.token_bytes(32)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        for old in self.directory.glob("salt-*"):
            if old.name != path.name:
                old.unlink(missing_ok=True)
        return data
