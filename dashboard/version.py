"""The code's version, for report footers and the like.

The version lives in one place, pyproject.toml. The app usually runs from the checkout
without being pip-installed, so the checkout's pyproject.toml is read first (it is the
truth there, even after a version bump without a reinstall); an installed copy without
a checkout beside it falls back to the installed distribution's metadata.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "diversion-outcomes"
UNKNOWN = "unknown"
_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def _from_pyproject(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            project = tomllib.load(handle).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return None
    if project.get("name") != DISTRIBUTION:
        return None
    version = project.get("version")
    return version if isinstance(version, str) and version else None


def _from_metadata() -> str | None:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


@lru_cache(maxsize=1)
def version() -> str:
    """The version string, e.g. "0.4.0"; "unknown" if neither source has one."""
    return _from_pyproject(_PYPROJECT) or _from_metadata() or UNKNOWN


__version__ = version()
