"""Nobody sees what is not theirs: the signed-in scope holds on every way into the numbers.

The whole app runs under AppTest as a signed-in person (st.user set as after a real
sign-in; the OIDC round trip itself is in test_auth_browser.py), on the bundled demo
sample. A district commander of Oxford (Thames Valley Police) must never see another
district's rows or counts, whatever page, URL parameter or cached result; a viewer gets no
row-level page; suppression follows the role.
"""

from __future__ import annotations

import argparse
import time

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

import metrics
from dashboard import audit, data
from dashboard.access_policy import ALLOW_LOCAL_ENV, AUDIT_LOG_ENV, POLICY_ENV, load_policy
from dashboard.presentation import show
from dashboard.pages_catalogue import pages_for
from dashboard.warehouse import WAREHOUSE_ENV, WarehouseFile
from metrics import ANALYST, Filter
from tests.dashboard_fixtures import ROOT, build_demo_warehouse, cursor
from tests.oidc_deployment import DISTRICT, FORCE, PEOPLE, POLICY



@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return build_demo_warehouse(tmp_path_factory.mktemp("scope"))


@pytest.fixture(scope="module")
def places(warehouse) -> dict[str, set[str]]:
    """Every force, district and scheme in the sample, and which are the commander's."""
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute("select r.force, r.district, s.scheme_id, s.scheme_name, count(*) from referrals r "
                       "join schemes s using (scheme_id) group by all").fetchall()
    con.close()
    return {
        "other_districts": {d for f, d, *_ in rows if d != DISTRICT},
        "other_force_districts": {d for f, d, *_ in rows if f != FORCE},
        "other_forces": {f for f, *_ in rows if f != FORCE},
        "other_schemes": {name for f, _, _, name, _ in rows if f != FORCE},
        "oxford_referrals": sum(n for _, d, *_, n in rows if d == DISTRICT),
    }


@pytest.fixture(scope="module")
def policy_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("policy") / "access_policy.toml"
    path.write_text(POLICY)
    return path


@pytest.fixture(autouse=True)
def no_local_overrides(monkeypatch):
    for name in (WAREHOUSE_ENV, POLICY_ENV, AUDIT_LOG_ENV, ALLOW_LOCAL_ENV, "OUTCOMES_PSEUDONYM_KEY"):
        monkeypatch.delenv(name, raising=False)
    yield
    audit.configure(None)


def signed_in(role: str, warehouse, policy_file, tmp_path, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.secrets["warehouse_path"] = str(warehouse)
    at.secrets["access_policy_path"] = str(policy_file)
    at.secrets["audit_log_path"] = str(tmp_path / "audit.log")
    at.secrets["allow_unauthenticated_local"] = True  # must make no difference once sign-in is on
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "k" * 48,
        "client_id": "outcomes", "client_secret": "not-a-real-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
    at.user = {"is_logged_in": True, "email": PEOPLE[role], "iat": int(time.time())}
    at.query_params.update(query or {})
    return at


def everything_shown(at: AppTest) -> str:
    """All the page's elements as text: markdown, tiles, widget options, table cells, chart specs."""
    parts = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    parts += [frame.value.to_csv() for frame in at.dataframe]
    return "\n".join(parts)


# Fixed wording that contains a place name as an ordinary word (Reading is a district too).
ORDINARY_PHRASES = ("Reading the figures",)


def leaks(text: str, places: dict, keys=("other_districts", "other_forces", "other_schemes")) -> set[str]:
    for phrase in ORDINARY_PHRASES:
        text = text.replace(phrase, "")
    return {name for key in keys for name in places[key] if name in text}


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def page_file(spec) -> str:
    return f"dashboard/pages/{spec.file}"


# --- pages ---------------------------------------------------------------------------

def test_a_district_commander_sees_no_other_district_on_any_page(warehouse, policy_file, places, tmp_path):
    at = signed_in("district_commander", warehouse, policy_file, tmp_path).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.multiselect(key="district").options == [DISTRICT]
    seen_pages = []
    for spec in pages_for("district_commander"):
        if spec.file != "overview.py":
            at.switch_page(page_file(spec)).run()
        assert not at.exception, (spec.title, [e.value for e in at.exception])
        assert spec.title in [t.value for t in at.title]
        assert not leaks(everything_shown(at), places), spec.title
        seen_pages.append(spec.title)
    assert "Cohort review" in seen_pages and "Data quality" not in seen_pages


def test_a_commissioner_sees_every_district_of_their_force_and_nothing_of_another(warehouse, policy_file,
                                                                                   places, tmp_path):
    at = signed_in("commissioner", warehouse, policy_file, tmp_path).run()
    con = cursor(warehouse)
    force_districts = [d for (d,) in con.execute("select distinct district from referrals where force = ? "
                                                 "order by 1", [FORCE]).fetchall()]
    assert sorted(at.multiselect(key="district").options) == force_districts
    for spec in pages_for("commissioner"):
        if spec.file != "overview.py":
            at.switch_page(page_file(spec)).run()
        assert not at.exception, (spec.title, [e.value for e in at.exception])
        assert not leaks(everything_shown(at), places, ("other_force_districts", "other_forces", "other_schemes")), \
            spec.title


def test_a_district_commander_counts_only_their_districts_referrals(warehouse, policy_file, places, tmp_path):
    at = signed_in("district_commander", warehouse, policy_file, tmp_path).run()
    assert tiles(at)["Referrals"] == f"{places['oxford_referrals']:,}"


def test_the_cohort_review_lists_only_the_commanders_district(warehouse, policy_file, tmp_path):
    at = signed_in("district_commander", warehouse, policy_file, tmp_path).run()
    at.switch_page("dashboard/pages/cohort_review.py").run()
    review = at.dataframe[0].value
    con = cursor(warehouse)
    oxford_open = con.execute("select count(*) from referrals r where district = ? and not exists "
                              "(select 1 from exits x where x.referral_id = r.referral_id)", [DISTRICT]).fetchone()[0]
    assert len(review) == oxford_open > 0
    assert set(review["District"]) == {DISTRICT}


@pytest.mark.parametrize("query", [
    {"district": "Reading"},
    {"district": ["Oxford", "Reading"]},
    {"district": "Bristol"},
    {"scheme": "Checkpoint"},
    {"role": "analyst", "force": "Durham Constabulary", "email": "a.analyst@force.police.uk",
     "_preview_role": "analyst", "scope": "all"},
])
def test_url_parameters_cannot_reach_another_district(warehouse, policy_file, places, tmp_path, query):
    at = signed_in("district_commander", warehouse, policy_file, tmp_path, query).run()
    text = everything_shown(at)
    assert not leaks(text, places) - set(_values(query))  # the URL itself may echo what was asked for
    shown_tiles = tiles(at)
    if shown_tiles:  # either the commander's own numbers or nothing at all
        assert shown_tiles["Referrals"] in (f"{places['oxford_referrals']:,}", "0")
    assert at.session_state["_viewer"].scope.districts == frozenset({DISTRICT})


def _values(query: dict) -> list[str]:
    return [v for value in query.values() for v in (value if isinstance(value, list) else [value])]


def test_a_viewer_gets_no_row_level_page(warehouse, policy_file, places, tmp_path):
    at = signed_in("viewer", warehouse, policy_file, tmp_path).run()
    assert not at.exception
    titles = {spec.title for spec in pages_for("viewer")}
    assert not {"Cohort review", "Data quality"} & titles
    for spec in pages_for("viewer"):
        if spec.file != "overview.py":
            at.switch_page(page_file(spec)).run()
        assert not at.exception, spec.title
        assert "pseudonym" not in everything_shown(at).lower() or spec.file == "definitions.py"
    for hidden in ("cohort_review.py", "data_quality.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):  # not in their navigation
            at.switch_page(f"dashboard/pages/{hidden}").run()


def test_the_row_level_views_refuse_scopes_without_row_level_access(warehouse, policy_file):
    policy = load_policy(policy_file)
    wh = WarehouseFile(warehouse, bundled_sample=False)
    for email in (PEOPLE["viewer"], PEOPLE["commissioner"]):
        with pytest.raises(PermissionError):
            data.cohort_review(wh, policy.grant_for(email).scope, Filter())
    for email in (PEOPLE["viewer"], PEOPLE["commissioner"], PEOPLE["district_commander"]):
        with pytest.raises(PermissionError):
            data.data_quality(wh, policy.grant_for(email).scope, Filter())


# --- suppression follows the role ----------------------------------------------------

def test_suppression_follows_the_role_not_the_page(warehouse, policy_file, tmp_path):
    raw = metrics.summary(cursor(warehouse), ANALYST, Filter(districts=(DISTRICT,)))
    small = [m for m, v in raw.items() if metrics.BY_ID[m].unit == "count" and v.value and 1 <= v.value <= 4]
    assert small, "the demo sample should have a small count in Oxford to suppress"
    commander = signed_in("district_commander", warehouse, policy_file, tmp_path).run()
    analyst = signed_in("analyst", warehouse, policy_file, tmp_path, {"district": DISTRICT}).run()
    commander_tiles, analyst_tiles = tiles(commander), tiles(analyst)
    for metric_id in small:
        title = metrics.BY_ID[metric_id].title
        if title in commander_tiles:
            assert commander_tiles[title] == "<5"
            assert analyst_tiles[title] == show(raw[metric_id]).text == str(int(raw[metric_id].value))


# --- the data layer and its cache ----------------------------------------------------

def test_cached_results_are_never_shared_between_scopes(warehouse, policy_file, places):
    policy = load_policy(policy_file)
    wh = WarehouseFile(warehouse, bundled_sample=False)
    everyone = data.summary(wh, ANALYST, Filter())["referrals"].value
    oxford = data.summary(wh, policy.grant_for(PEOPLE["district_commander"]).scope, Filter())["referrals"].value
    force = data.summary(wh, policy.grant_for(PEOPLE["commissioner"]).scope, Filter())["referrals"].value
    assert oxford == places["oxford_referrals"] < force < everyone
    # ... in either order, and through the filter options too
    assert data.filter_options(wh, policy.grant_for(PEOPLE["district_commander"]).scope)["districts"] == [DISTRICT]
    assert len(data.filter_options(wh, ANALYST)["districts"]) > 1


def test_a_filter_naming_another_district_selects_nothing_for_a_commander(warehouse, policy_file):
    scope = load_policy(policy_file).grant_for(PEOPLE["district_commander"]).scope
    wh = WarehouseFile(warehouse, bundled_sample=False)
    assert data.summary(wh, scope, Filter(districts=("Reading",)))["referrals"].value == 0
    assert data.summary(wh, scope, Filter(schemes=("DUR-CHECKPOINT",)))["referrals"].value == 0


# --- the command line ----------------------------------------------------------------

SCOPE_WORDS = ("role", "scope", "user", "email", "force", "policy", "as-", "unsuppress", "no-suppress", "raw")


def _flags(parser: argparse.ArgumentParser) -> dict[str, set[str]]:
    found = {parser.prog: {flag for action in parser._actions for flag in action.option_strings}}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found.update(_flags(sub))
    return found


def test_the_command_lines_take_no_identity_or_scope_so_none_can_be_widened():
    """`python -m metrics` and `python -m dashboard.report` are the analyst's tools on the
    warehouse file itself (who may run them is the file's permissions); neither offers a flag
    that would pick, change or unsuppress an access scope, and the report always suppresses."""
    from dashboard.report.__main__ import parser as report_parser
    from metrics.__main__ import parser as metrics_parser

    for prog, flags in {**_flags(metrics_parser()), **_flags(report_parser())}.items():
        assert not {f for f in flags if any(word in f for word in SCOPE_WORDS)}, prog


# --- exports -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def commander_exports(warehouse, policy_file) -> dict[str, bytes]:
    from dashboard.report import build_files

    scope = load_policy(policy_file).grant_for(PEOPLE["district_commander"]).scope
    return build_files(warehouse, scope, Filter(), PEOPLE["district_commander"], kinds=("pdf", "xlsx"))


def xlsx_text(content: bytes) -> str:
    import io

    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(str(cell) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
                     for cell in row if cell is not None)


def pdf_text(content: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def test_the_spreadsheet_export_holds_only_the_commanders_district(commander_exports, places):
    text = xlsx_text(commander_exports["xlsx"])
    assert DISTRICT in text and not leaks(text, places)


def test_the_pdf_export_holds_only_the_commanders_district(commander_exports, places):
    text = " ".join(pdf_text(commander_exports["pdf"]).split())  # the PDF wraps long names
    assert DISTRICT in text and not leaks(text, places)


def test_an_export_filtered_to_another_district_is_empty_for_a_commander(warehouse, policy_file, places):
    from dashboard.report import report_data

    scope = load_policy(policy_file).grant_for(PEOPLE["district_commander"]).scope
    report = report_data(warehouse, scope, Filter(districts=("Reading",)), PEOPLE["district_commander"])
    assert report.summary["referrals"].value == 0
    assert report.scope == scope
