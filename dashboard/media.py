"""Export files are served once, briefly: not left at /media/<id> for anyone holding the address.

How Streamlit 1.67 serves a download (runtime/media_file_manager.py, memory_media_file_storage.py,
web/server/starlette/starlette_routes.py): a click on a download button whose data is a
callable asks the server, over the session's websocket, to run the callable
(`MediaFileManager.execute_deferred`); the bytes go into the process-wide
`MemoryMediaFileStorage` under an id that is a hash of the content, and the browser is
handed `/media/<id>.<ext>`. That route asks the storage for the file by id and checks no
cookie and no session, and the file stays until Streamlit's orphan clean-up, which for a
download waits for a later run of some session after the one that made it: minutes, or
for as long as the server runs if nothing else happens.

Streamlit offers no setting for this, so `serve_exports_once()` wraps that one storage
object (the route holds a reference to it, so it must be wrapped in place, not replaced):

- every downloadable file, when stored, gets a budget of FETCHES_PER_BUILD fetches and a
  deadline of UNFETCHED_SECONDS;
- each fetch through the route spends one; the last one deletes the file (the response
  being sent already holds the bytes), and the first one shortens the deadline to
  GRACE_SECONDS, after which the file is deleted whatever is left of the budget.

The budget is two, not one, because the download button's front end fetches the address
twice for each click: a `fetch()` that checks the address answers (checkSourceUrlResponse)
and the download itself, issued together. Media that is not a download (images, audio)
is left alone. Storing the same bytes again (the same id) adds a fresh budget.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from streamlit.runtime.media_file_storage import MediaFileKind, MediaFileStorageError

LOG = logging.getLogger(__name__)

FETCHES_PER_BUILD = 2
GRACE_SECONDS = 5.0
UNFETCHED_SECONDS = 60.0
_MARK = "_outcomes_serves_exports_once"


def serve_exports_once() -> None:
    """Wrap the running server's media storage (idempotent; a no-op without a server)."""
    from streamlit import runtime

    if runtime.exists():
        wrap_storage(runtime.get_instance().media_file_mgr._storage)  # noqa: SLF001 (no public handle)


def wrap_storage(storage, fetches: int = FETCHES_PER_BUILD, grace: float = GRACE_SECONDS,
                 unfetched: float = UNFETCHED_SECONDS, clock=time.monotonic) -> None:
    """Make `storage` (a MemoryMediaFileStorage) serve each stored download a few times, briefly."""
    if getattr(storage, _MARK, False):
        return
    lock = threading.Lock()
    budgets: dict[str, list] = {}  # file id -> [fetches left, deadline]
    internal = threading.local()  # set while Streamlit itself looks a file up (not a fetch)
    load_and_get_id, get_file, get_url, delete_file = (storage.load_and_get_id, storage.get_file,
                                                       storage.get_url, storage.delete_file)

    def forget(file_id: str) -> None:
        # callers hold `lock`
        budgets.pop(file_id, None)
        delete_file(file_id)

    def expire(file_id: str) -> None:
        with lock:
            budget = budgets.get(file_id)
            if budget is not None and clock() >= budget[1]:
                forget(file_id)
                LOG.debug("export file %s expired unfetched", file_id)

    def wrapped_load_and_get_id(path_or_data, mimetype, kind, filename=None):
        file_id = load_and_get_id(path_or_data, mimetype, kind, filename)
        if kind == MediaFileKind.DOWNLOADABLE:
            with lock:
                left = budgets.get(file_id, [0, 0.0])[0]
                budgets[file_id] = [left + fetches, clock() + unfetched]
            timer = threading.Timer(unfetched + 0.1, expire, (file_id,))
            timer.daemon = True
            timer.start()
        return file_id

    def wrapped_get_file(filename: str):
        media_file = get_file(filename)  # raises MediaFileStorageError when there is none
        if getattr(internal, "active", False) or media_file.kind != MediaFileKind.DOWNLOADABLE:
            return media_file
        file_id = os.path.splitext(filename)[0]
        with lock:
            budget = budgets.get(file_id)
            if budget is None or clock() >= budget[1]:
                forget(file_id)
                raise MediaFileStorageError(f"export file {file_id} is no longer served")
            budget[0] -= 1
            if budget[0] <= 0:
                forget(file_id)
            else:
                budget[1] = min(budget[1], clock() + grace)
        return media_file

    def wrapped_get_url(file_id: str) -> str:
        # get_url looks the file up to find its extension; that is not a fetch.
        internal.active = True
        try:
            return get_url(file_id)
        finally:
            internal.active = False

    storage.load_and_get_id = wrapped_load_and_get_id
    storage.get_file = wrapped_get_file
    storage.get_url = wrapped_get_url
    setattr(storage, _MARK, True)
