"""Sign-ins that have ended, and the re-check an export makes before it hands a file over.

Streamlit's sign-in is a signed cookie; a browser tab keeps the identity it had when its
page session started, and `st.logout` only clears the cookie of the browser it runs in.
So a sign-out is also written here, server side: one JSON line per ended sign-in,
`{"email": ..., "iat": ..., "ts": ...}`, in `signed_out.jsonl` next to the audit log
(same directory, mode 0600, appended and fsync'd like the audit log). A sign-in is the
pair (email, iat): the identity token's issue time tells one sign-in from the next, so a
sign-out in any tab ends every session of that sign-in, in every server process and after
a restart, and a fresh sign-in (a new iat) is not affected. Lines older than the longest
allowed sign-in (720 hours) no longer matter and are skipped when read.

`SignIn` is what a signed-in page captures for later: the export callables run in a
worker thread with no Streamlit session, so they carry it and call `refusal()` at the
moment of building. No streamlit import.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from dashboard.access_policy import Grant, PolicyError, current_policy

RECORD_NAME = "signed_out.jsonl"
LONGEST_SIGN_IN_SECONDS = 720 * 3600  # Settings allows sign_in_max_age_hours up to 720
CLOCK_SKEW_SECONDS = 300


class RevocationError(Exception):
    """The sign-out could not be recorded; like an audit failure, nothing is served."""


def record_path(audit_log: str | os.PathLike) -> Path:
    return Path(audit_log).parent / RECORD_NAME


def record_sign_out(path: str | os.PathLike, email: str, iat: float) -> None:
    """Append (email, iat) to the record of ended sign-ins, durably, before the sign-out returns."""
    path = Path(path)
    line = (json.dumps({"email": email, "iat": iat, "ts": time.time()}) + "\n").encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":  # after a torn line, start a new one
                line = b"\n" + line
            if os.write(fd, line) != len(line):
                raise OSError("short write")
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise RevocationError(f"cannot record the sign-out in {path}: {exc}") from exc


def is_signed_out(path: str | os.PathLike, email: str, iat: float) -> bool:
    """Has this sign-in (email, iat) been ended by a sign-out in any tab or process?"""
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return False
    except OSError as exc:  # cannot tell: fail closed
        raise RevocationError(f"cannot read the record of sign-outs {path}: {exc}") from exc
    return (email, float(iat)) in _ended(str(path), (stat.st_ino, stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=4)
def _ended(path: str, version: tuple[int, int, int]) -> frozenset[tuple[str, float]]:
    oldest = time.time() - LONGEST_SIGN_IN_SECONDS - CLOCK_SKEW_SECONDS
    ended = set()
    try:
        with open(path, encoding="utf-8") as record:
            for line in record:
                try:
                    row = json.loads(line)
                    email, iat = row["email"], float(row["iat"])
                except (ValueError, KeyError, TypeError):
                    continue  # a torn line (a crash mid-write) names no sign-in
                if iat >= oldest:
                    ended.add((email, iat))
    except OSError as exc:
        raise RevocationError(f"cannot read the record of sign-outs {path}: {exc}") from exc
    return frozenset(ended)


@dataclass(frozen=True)
class SignIn:
    """One person's sign-in as a page saw it, for re-checking later without a session."""

    grant: Grant  # the policy entry the page was served under
    iat: float  # the identity token's issue time
    max_age_hours: float
    policy_path: Path
    sign_outs: Path  # the record of ended sign-ins

    @property
    def email(self) -> str:
        return self.grant.email

    def refusal(self, now: float | None = None) -> str | None:
        """Why this sign-in may no longer take anything away (None: it still may)."""
        now = time.time() if now is None else now
        try:
            if is_signed_out(self.sign_outs, self.email, self.iat):
                return "signed_out"
        except RevocationError:
            return "sign_out_record_unreadable"
        if not -CLOCK_SKEW_SECONDS <= now - self.iat <= self.max_age_hours * 3600:
            return "sign_in_expired"
        try:
            grant = current_policy(self.policy_path).grant_for(self.email)
        except PolicyError:
            return "access_policy_problem"
        if grant is None:
            return "not_in_access_policy"
        if grant != self.grant:  # role, force or districts changed since the page was served
            return "access_changed"
        return None
