"""Where the warehouse's files live, and who may read them.

The warehouse holds pseudonymised records of people, so its file, its temporary build
files and the dashboard's per-version reader links are readable by their owner only
(0600), in folders the ingest creates for its owner only (0700). An existing folder is the
operator's: it is never chmod-ed, only reported when others can read it.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


def private_folder(folder: Path) -> str | None:
    """Create the folder (and any missing parent) as 0700; a warning when the folder already
    existed and others can reach it (it is left as it is)."""
    missing = []
    parent = folder
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=PRIVATE_FOLDER)
        except FileExistsError:  # made meanwhile by another process
            continue
    if missing:
        return None
    mode = stat.S_IMODE(folder.stat().st_mode)
    if mode & 0o077:
        return (f"{folder} can be read by other users (mode {mode:o}); the warehouse itself is {PRIVATE_FILE:o}, "
                f"but consider chmod {PRIVATE_FOLDER:o} {folder}")
    return None


def build_folder(warehouse: Path) -> Path:
    """A new, private folder for one ingest's temporary files (the next warehouse and its WAL)."""
    folder = warehouse.with_name(f".{warehouse.name}.building-{os.getpid()}")
    remove(folder)
    folder.mkdir(mode=PRIVATE_FOLDER)
    return folder


def stale_build_files(warehouse: Path) -> list[Path]:
    """Temporary files of ingests killed part-way."""
    return list(warehouse.parent.glob(f".{warehouse.name}.building-*"))


def readers_folder(warehouse: Path) -> Path:
    """The dashboard's per-version hard links to the warehouse (dashboard.warehouse.open_read_only)."""
    return warehouse.parent / f".{warehouse.name}.readers"


def remove_stale_readers(warehouse: Path, keep: Path | None = None) -> None:
    """Remove reader links other than `keep`: each is a full copy of an older warehouse for as
    long as it exists. A connection that has one open keeps reading it (Linux frees an
    unlinked file once its last descriptor closes)."""
    folder = readers_folder(warehouse)
    try:
        entries = list(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        if entry != keep:
            try:
                entry.unlink(missing_ok=True)
            except OSError:  # not ours to remove (another user's dashboard): left
                pass


def make_private(path: Path) -> None:
    os.chmod(path, PRIVATE_FILE)


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
