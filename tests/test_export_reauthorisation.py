"""An export re-authorises when it is built, not when the page was served: a person removed
from the policy, a sign-in past its age or ended by a sign-out in another tab gets no file,
and the refusal is audited. And what Streamlit stores for a download is served only briefly."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from streamlit.runtime.media_file_storage import MediaFileKind, MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from dashboard import audit, media, revocation
from dashboard.access_policy import current_policy, scope_for
from dashboard.report.buttons import ExportRefused, file_builder
from dashboard.revocation import SignIn
from dashboard.viewer import Viewer
from metrics import Filter

EMAIL = "d.commander@force.police.uk"
POLICY = f"""
[[user]]
email = "{EMAIL}"
role = "district_commander"
force = "Thames Valley"
districts = ["Oxford"]
"""


@pytest.fixture
def deployment(tmp_path, monkeypatch):
    """A policy file, an audit log, and build_files replaced by a stand-in (the real build is
    tested elsewhere); yields a function making the commander's export callable."""
    policy = tmp_path / "access_policy.toml"
    policy.write_text(POLICY)
    audit.configure(tmp_path / "audit.log")
    built = []
    monkeypatch.setattr("dashboard.report.build_files",
                        lambda path, scope, flt, by, kinds: built.append(kinds) or {kinds[0]: b"file bytes"})

    def export(kind: str = "xlsx", iat: float | None = None, max_age_hours: float = 12):
        grant = current_policy(policy).grant_for(EMAIL)
        sign_in = SignIn(grant, iat if iat is not None else time.time(), max_age_hours, policy,
                         revocation.record_path(tmp_path / "audit.log"))
        viewer = Viewer(scope=grant.scope, email=EMAIL, sign_in=sign_in)
        ctx = SimpleNamespace(viewer=viewer, warehouse=SimpleNamespace(path=tmp_path / "w.duckdb"),
                              filter=Filter())
        return file_builder(ctx, kind)

    yield SimpleNamespace(export=export, policy=policy, built=built, tmp_path=tmp_path,
                          rows=lambda: audit.read_rows(tmp_path / "audit.log"))
    audit.configure(None)


def refused(build) -> str:
    with pytest.raises(ExportRefused) as caught:
        build()
    return str(caught.value)


def test_an_export_by_a_person_still_granted_is_built_and_audited(deployment):
    assert deployment.export()() == b"file bytes"
    [row] = deployment.rows()
    assert (row["event"], row["email"], row["role"]) == ("export", EMAIL, "district_commander")


@pytest.mark.parametrize("kind", ["pdf", "xlsx"])
def test_a_person_removed_from_the_policy_after_the_page_was_served_gets_no_file(deployment, kind):
    build = deployment.export(kind)
    deployment.policy.write_text(POLICY.replace(EMAIL, "someone.else@force.police.uk"))
    assert "not_in_access_policy" in refused(build)
    assert deployment.built == []  # refused before any work
    [row] = deployment.rows()
    assert (row["event"], row["email"], row["role"], row["kind"], row["reason"]) == (
        "export_refused", EMAIL, "district_commander", kind, "not_in_access_policy")


@pytest.mark.parametrize("change", [
    ('role = "district_commander"\nforce = "Thames Valley"\ndistricts = ["Oxford"]',
     'role = "viewer"\nforce = "Thames Valley"'),
    ('districts = ["Oxford"]', 'districts = ["Reading"]'),
])
def test_a_grant_changed_since_the_page_was_served_gets_no_file(deployment, change):
    build = deployment.export()
    deployment.policy.write_text(POLICY.replace(*change))
    assert "access_changed" in refused(build)
    assert deployment.rows()[-1]["reason"] == "access_changed"


def test_a_broken_policy_gives_no_file(deployment):
    build = deployment.export()
    deployment.policy.write_text("[[user]]\nrole = 'analist'\n")
    assert "access_policy_problem" in refused(build)


def test_a_sign_in_that_expired_while_the_page_was_open_gets_no_file(deployment):
    build = deployment.export(iat=time.time() - 12 * 3600 - 1)
    assert "sign_in_expired" in refused(build)
    assert deployment.rows()[-1]["reason"] == "sign_in_expired"


def test_a_sign_out_in_another_tab_ends_exports_of_that_sign_in(deployment):
    iat = time.time() - 60
    build = deployment.export(iat=iat)
    revocation.record_sign_out(revocation.record_path(deployment.tmp_path / "audit.log"), EMAIL, iat)
    assert "signed_out" in refused(build)
    assert deployment.export(iat=iat + 5)() == b"file bytes"  # a later sign-in is another sign-in


def test_a_refusal_that_cannot_be_audited_still_serves_nothing(deployment):
    build = deployment.export()
    deployment.policy.write_text(POLICY.replace(EMAIL, "someone.else@force.police.uk"))
    audit.configure(deployment.tmp_path / "audit.log" / "not-a-directory")
    (deployment.tmp_path / "audit.log").write_text("")
    with pytest.raises(audit.AuditError):
        build()


def test_local_mode_exports_have_no_sign_in_to_recheck(deployment, tmp_path):
    viewer = Viewer(scope=scope_for("viewer", "Thames Valley"), local_mode=True)
    ctx = SimpleNamespace(viewer=viewer, warehouse=SimpleNamespace(path=tmp_path / "w.duckdb"), filter=Filter())
    assert file_builder(ctx, "xlsx")() == b"file bytes"
    assert deployment.rows()[-1]["role"] == "viewer"


# --- the record of sign-outs -------------------------------------------------------------

def test_the_sign_out_record_is_private_durable_and_survives_a_torn_line(tmp_path):
    path = revocation.record_path(tmp_path / "logs" / "audit.log")
    iat = float(int(time.time()))
    revocation.record_sign_out(path, "a@b.uk", iat)
    with path.open("a") as record:
        record.write('{"email": "c@d.uk", "ia')  # a crash mid-write
    assert path.stat().st_mode & 0o777 == 0o600
    assert revocation.is_signed_out(path, "a@b.uk", iat)
    assert not revocation.is_signed_out(path, "a@b.uk", iat + 1) and not revocation.is_signed_out(path, "c@d.uk", iat)
    revocation.record_sign_out(path, "c@d.uk", iat)  # appended after the torn line: still read
    assert revocation.is_signed_out(path, "c@d.uk", iat)
    assert not revocation.is_signed_out(tmp_path / "none.jsonl", "a@b.uk", 1.0)


# --- served once, briefly -------------------------------------------------------------------

class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def stored(storage, data: bytes = b"xlsx bytes", kind=MediaFileKind.DOWNLOADABLE) -> str:
    file_id = storage.load_and_get_id(data, "application/octet-stream", kind, "report.xlsx")
    return Path(storage.get_url(file_id)).name  # as the route sees it: <id>.<ext>


def test_an_export_file_is_served_for_the_check_and_the_download_then_never_again():
    storage, clock = MemoryMediaFileStorage("/media"), Clock()
    media.wrap_storage(storage, clock=clock)
    name = stored(storage)  # get_url looked the file up: that was not a fetch
    assert storage.get_file(name).content == b"xlsx bytes"  # the front end's check
    assert storage.get_file(name).content == b"xlsx bytes"  # the download
    with pytest.raises(MediaFileStorageError):
        storage.get_file(name)


def test_after_its_first_fetch_an_export_file_lasts_seconds_and_unfetched_a_minute():
    storage, clock = MemoryMediaFileStorage("/media"), Clock()
    media.wrap_storage(storage, clock=clock)
    name = stored(storage)
    storage.get_file(name)
    clock.now += media.GRACE_SECONDS
    with pytest.raises(MediaFileStorageError):
        storage.get_file(name)
    other = stored(storage, b"other bytes")
    clock.now += media.UNFETCHED_SECONDS
    with pytest.raises(MediaFileStorageError):
        storage.get_file(other)


def test_media_that_is_not_a_download_is_left_alone_and_wrapping_twice_changes_nothing():
    storage, clock = MemoryMediaFileStorage("/media"), Clock()
    media.wrap_storage(storage, clock=clock)
    media.wrap_storage(storage, fetches=1, clock=clock)
    image = stored(storage, b"png", MediaFileKind.MEDIA)
    for _ in range(5):
        assert storage.get_file(image).content == b"png"
    name = stored(storage)
    storage.get_file(name)
    assert storage.get_file(name).content == b"xlsx bytes"  # still the first wrapping's budget of two
