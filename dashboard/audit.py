"""The audit log: who signed in, who was refused, who exported what.

One JSON object per line, appended (O_APPEND) under an exclusive lock and fsync'd before
the call returns, so a row is on disk before the page or the file it records is served.
Nothing here ever rewrites or truncates the file. Rows name staff (their sign-in email),
never the people in the data: details that look like person identifiers are refused.

    {"ts": "2025-06-01T09:30:12.345+00:00", "event": "sign_in", "email": "...", "role": "...", ...}

The path comes from the secrets (`audit_log_path`), OUTCOMES_AUDIT_LOG, or data/audit.log;
the app sets it once per run with `configure`, a CLI or a test may call `configure` too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fcntl
import hashlib
import json
import os
from pathlib import Path

from dashboard.access_policy import AUDIT_LOG_ENV, DEFAULT_AUDIT_LOG

EVENTS = ("sign_in", "refused", "sign_out", "export", "export_refused", "local_mode")
# Keys a caller must never log: the raw identifiers of people in the data. (Pseudonyms
# are keyed hashes and may appear, e.g. a cohort review export's row count, not its rows.)
PERSON_IDENTIFIER_KEYS = frozenset({
    "person_id", "referral_id", "name", "first_name", "surname", "last_name", "date_of_birth", "dob",
    "pnc_id", "pnc", "nhs_number", "address", "postcode", "phone",
})

_configured: Path | None = None


class AuditError(Exception):
    """The row could not be written; the caller must not serve what it was recording."""


def configure(path: str | os.PathLike | None) -> None:
    global _configured
    _configured = Path(path) if path else None


def log_path() -> Path:
    if _configured is not None:
        return _configured
    from_env = os.environ.get(AUDIT_LOG_ENV)
    return Path(from_env) if from_env else DEFAULT_AUDIT_LOG


def check_writable() -> None:
    """Raise AuditError unless a row could be appended now (checked on every page run, so a
    log that becomes unwritable stops sessions already running, not only new ones)."""
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600))
    except OSError as exc:
        raise AuditError(f"cannot write the audit log {path}: {exc}") from exc


def record(event: str, email: str | None, role: str | None, **details) -> dict:
    """Append one row and return it. Raises AuditError when it cannot be made durable."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}; one of {EVENTS}")
    _refuse_person_identifiers(details)
    row = {"ts": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"), "event": event,
           "email": email, "role": role, **details}
    line = (json.dumps(row, default=_plain, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # one whole line per writer, across processes
            written = os.write(fd, line)
            if written != len(line):
                raise OSError(f"short write to the audit log ({written} of {len(line)} bytes)")
            os.fsync(fd)
        finally:
            os.close(fd)  # closing releases the lock
    except OSError as exc:
        raise AuditError(f"cannot write the audit log {path}: {exc}") from exc
    return row


def record_export(viewer, filter, kind: str, file_bytes: bytes) -> str:
    """Record an export before it is handed over; returns the file's sha256 (hex)."""
    digest = hashlib.sha256(file_bytes).hexdigest()
    scope = viewer.scope
    record("export", viewer.email, scope.role, kind=kind, sha256=digest, bytes=len(file_bytes),
           filters=filter_summary(filter), scope=scope_summary(scope), local_mode=viewer.local_mode)
    return digest


def record_export_refused(viewer, filter, kind: str, reason: str) -> None:
    """Record an export that was refused at the moment of building (nothing was served)."""
    scope = viewer.scope
    record("export_refused", viewer.email, scope.role, kind=kind, reason=reason,
           filters=filter_summary(filter), scope=scope_summary(scope), local_mode=viewer.local_mode)


def filter_summary(filter) -> dict:
    """The filter as plain JSON values (schemes, districts, dates, pathways, ...)."""
    if filter is None:
        return {}
    if hasattr(filter, "to_json"):
        return filter.to_json()
    if dataclasses.is_dataclass(filter):
        values = dataclasses.asdict(filter)
    else:
        values = dict(vars(filter))
    return {key: _plain(value) if not isinstance(value, (str, int, float, bool, type(None))) else value
            for key, value in values.items()}


def scope_summary(scope) -> dict:
    return {"forces": sorted(scope.forces) if scope.forces is not None else "all",
            "districts": sorted(scope.districts) if scope.districts is not None else "all"}


def read_rows(path: str | os.PathLike | None = None) -> list[dict]:
    """Every row of the log (for tests and for an administrator's review)."""
    path = Path(path) if path else log_path()
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as log:
        return [json.loads(line) for line in log if line.strip()]


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple, list)):
        items = [_plain(v) if not isinstance(v, (str, int, float, bool, type(None))) else v for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) if not isinstance(v, (str, int, float, bool, type(None))) else v
                for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    raise TypeError(f"cannot write {type(value).__name__} to the audit log")


def _refuse_person_identifiers(details: dict, where: str = "") -> None:
    for key, value in details.items():
        if key.lower() in PERSON_IDENTIFIER_KEYS:
            raise ValueError(f"audit rows never carry person identifiers: {where}{key}")
        if isinstance(value, dict):
            _refuse_person_identifiers(value, f"{where}{key}.")
