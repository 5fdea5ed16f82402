"""The long lists: sorted by any column on the server (header links with ``aria-sort``, no
JavaScript), filtered, paged with the GOV.UK pagination that keeps filters and sort, and
refusing an unknown column, order or page with the GOV.UK error page, never a 500.

The shared helper is proved on its own first (``planner.core.listing`` on real SQL and on
rows), then each list page through the app on the small seeded council.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from webseed import sign_in

from planner.core.db import get_engine, unit_of_work
from planner.core.listing import ListParams, Reversed, page_query, page_rows
from planner.models import Provision, User

pytestmark = pytest.mark.reads_only


def _signed_in(client: TestClient, web_db, role: str) -> TestClient:
    username = web_db.council.by_role[role]
    return sign_in(client, username, web_db.council.passwords[username])


def _sorted_column(html: str) -> list[tuple[str, str]]:
    """(aria-sort, header text) of every sortable header."""
    return re.findall(
        r'aria-sort="(\w+)"><a class="govuk-link app-sort-link" href="[^"]*">([^<]+)<', html
    )


def test_page_query_sorts_both_ways_with_nulls_last_and_pages(web_db):
    with unit_of_work(get_engine(web_db.url)) as session:
        columns = {"name": [User.username], "newest": [Reversed(User.id)]}
        every = [u.username for u in session.exec(select(User).order_by(User.username))]
        first = page_query(session, select(User), ListParams("name", per_page=2), columns)
        assert [u.username for u in first.rows] == every[:2]
        assert (first.total, first.page, first.pages) == (len(every), 1, -(-len(every) // 2))
        down = page_query(session, select(User), ListParams("name", True, per_page=50), columns)
        assert [u.username for u in down.rows] == every[::-1]
        late = page_query(session, select(User), ListParams("name", page=99, per_page=2), columns)
        assert late.page == late.pages and late.rows  # past the end: the last page
        newest = page_query(session, select(User), ListParams("newest"), columns)
        assert [u.id for u in newest.rows] == sorted((u.id for u in newest.rows), reverse=True)
        ages = {"ages": [Provision.min_age]}
        assert page_query(session, select(Provision), ListParams("ages"), ages).total == 2


def test_page_rows_puts_missing_keys_last_either_way():
    rows = [{"n": 2}, {"n": None}, {"n": 1}, {"n": 3}]
    keys = {"n": lambda r: r["n"]}
    up = page_rows(rows, ListParams("n"), keys)
    assert [r["n"] for r in up.rows] == [1, 2, 3, None]
    down = page_rows(rows, ListParams("n", True, per_page=2, page=2), keys)
    assert [r["n"] for r in down.rows] == [1, None] and down.pages == 2


@pytest.mark.parametrize(
    ("role", "path", "column", "first", "last"),
    [
        ("manager", "/young-people", "reference", "YP0001", "YP0003"),
        ("housing_officer", "/provisions", "name", "Harbour View", "Supported lodgings"),
        ("housing_officer", "/vacancies", "free_from", "Flat 2", "Room 1"),
        ("administrator", "/users", "username", "demo-administrator", "pa02"),
    ],
)
def test_each_list_sorts_by_a_header_link_both_ways(
    role, path, column, first, last, client: TestClient, web_db
):
    _signed_in(client, web_db, role)
    up = client.get(path)
    assert up.status_code == 200
    headers = dict((text, sort) for sort, text in _sorted_column(up.text))
    assert len(headers) >= 3, headers  # every column of the list is a sort link
    assert "ascending" in headers.values()  # the sorted column says so
    rows = up.text.split("<tbody")[1]
    assert rows.index(first) < rows.index(last)
    link = re.search(
        rf'href="({re.escape(path)}\?[^"]*sort={column}&amp;order=descending)"', up.text
    )
    assert link, "the sorted column's header links to the other order"
    down = client.get(link.group(1).replace("&amp;", "&"))
    assert down.status_code == 200
    rows = down.text.split("<tbody")[1]
    assert rows.index(last) < rows.index(first)
    assert "descending" in dict(_sorted_column(down.text))


def test_sort_and_filters_are_kept_by_each_other(client: TestClient, web_db):
    _signed_in(client, web_db, "manager")
    page = client.get("/young-people?area=Weymouth&sort=age&order=descending").text
    assert "YP0003" not in page.split("<table")[1]  # filtered to Weymouth
    # the sort links keep the filter; the filter form keeps the sort
    assert "area=Weymouth&amp;sort=reference&amp;order=ascending" in page
    assert '<input type="hidden" name="sort" value="age">' in page
    assert '<input type="hidden" name="order" value="descending">' in page
    people = client.get("/young-people?sort=age").text.split("<tbody")[1]
    ages = [int(a) for a in re.findall(r"cell--numeric\">(\d+)<", people)]
    assert ages == sorted(ages) and len(ages) == 3


def test_provisions_are_searched_by_name_and_filtered_by_area(client: TestClient, web_db):
    _signed_in(client, web_db, "commissioner")
    found = client.get("/provisions?name=harbour").text
    assert "Harbour View" in found and "Supported lodgings host 7" not in found
    assert "1 provision." in found
    by_area = client.get("/provisions?area=Dorchester").text
    assert "Supported lodgings host 7" in by_area and "Harbour View" not in by_area
    by_code = client.get("/provisions?name=PR-SL").text
    assert "Supported lodgings host 7" in by_code


def test_users_are_filtered_by_role_and_status(client: TestClient, web_db):
    _signed_in(client, web_db, "administrator")
    advisers = client.get("/users?role=personal_adviser").text
    assert "pa01" in advisers and "pa02" in advisers and "demo-manager" not in advisers
    assert "2 accounts." in advisers
    assert "0 accounts." in client.get("/users?status=disabled").text
    assert "pa02" in client.get("/users?username=PA0").text


def test_the_audit_trail_sorts_and_takes_dates_as_people_write_them(client: TestClient, web_db):
    _signed_in(client, web_db, "administrator")
    page = client.get("/audit?sort=who&since=1 1 2000&until=31 12 2099")
    assert page.status_code == 200 and "events." in page.text
    assert "Enter a real date" in client.get("/audit?since=31 2 2026").text
    words = client.get("/audit?action=Sign in").text
    assert "Sign in" in words.split("<tbody")[1]  # "Sign in" finds sign_in, shown in words


@pytest.mark.parametrize(
    "query",
    ["sort=password_hash", "order=sideways", "page=0", "page=x", "page=-1", "page=99999999"],
)
def test_an_unknown_sort_order_or_page_is_a_clear_error_not_a_500(
    query, client: TestClient, web_db
):
    _signed_in(client, web_db, "manager")
    for path in ("/young-people", "/provisions", "/vacancies", "/forecasts"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 422, (path, query, response.status_code)
        assert "There is a problem" in response.text or "Sorry" in response.text


def test_a_page_past_the_end_shows_the_last_page(client: TestClient, web_db):
    _signed_in(client, web_db, "manager")
    response = client.get("/young-people?page=40")
    assert response.status_code == 200 and "YP0001" in response.text


def test_every_table_of_a_list_scrolls_in_its_own_labelled_box(client: TestClient, web_db):
    _signed_in(client, web_db, "manager")
    for path in ("/young-people", "/provisions", "/vacancies", "/forecasts", "/jobs"):
        html = client.get(path).text
        tables = html.count("<table")
        boxes = len(
            re.findall(
                r'class="app-table-scroll" role="region" aria-label="[^"]+" tabindex="0"', html
            )
        )
        assert tables and boxes == tables, path


def test_pagination_shows_first_last_and_neighbours_and_keeps_filters_and_sort():
    from api.listing import Listing
    from planner.core.listing import Paged

    params = ListParams("area", descending=True, page=5)
    listing = Listing("/young-people", params, Paged([], 654, 5, 14), {"area": "Weymouth"})
    options = listing.pagination()
    assert options is not None
    numbers = [i.get("number", "...") for i in options["items"]]
    assert numbers == [1, "...", 4, 5, 6, "...", 14]
    assert [i["number"] for i in options["items"] if i.get("current")] == [5]
    assert (
        options["previous"]["href"]
        == "/young-people?area=Weymouth&sort=area&order=descending&page=4"
    )
    assert options["items"][0]["href"] == "/young-people?area=Weymouth&sort=area&order=descending"
    assert listing.aria_sort("area") == "descending" and listing.aria_sort("age") == "none"
    assert listing.sort_href("area").endswith("sort=area&order=ascending")  # flips
    assert listing.sort_href("age").endswith("sort=age&order=ascending")  # a new one: up
    one = Listing("/users", ListParams("username"), Paged([], 3, 1, 1))
    assert one.pagination() is None


def test_the_escalation_queue_sorts_by_its_headers_and_filters_by_adviser_and_level(
    client: TestClient, web_db
):
    _signed_in(client, web_db, "manager")
    page = client.get("/escalations").text
    headers = dict((text, sort) for sort, text in _sorted_column(page))
    assert headers["Level and why"] == "descending"  # most urgent first, as before
    assert len(headers) == 9 and "Best place now" not in headers
    assert "most urgent first</caption>" in page and "open escalation" in page
    assert 'name="adviser"' in page and 'name="level"' in page
    first = re.search(r'href="/escalations/(\d+)"', page)
    assert first and int(first.group(1)) == web_db.council.escalation_id
    level = re.search(r"Level (\d): ", page.split("<tbody")[1])
    assert level
    by_days = client.get(f"/escalations?sort=days&order=ascending&level={level[1]}").text
    assert f'href="/escalations/{first[1]}"' in by_days  # the filter keeps its level's rows
    assert f"level={level[1]}&amp;sort=reference&amp;order=ascending" in by_days  # kept by links
    assert '<input type="hidden" name="sort" value="days">' in by_days
    assert f'<option value="{level[1]}" selected>' in by_days
    other = 1 if level[1] != "1" else 2
    assert f'href="/escalations/{first[1]}"' not in client.get(f"/escalations?level={other}").text
    none = client.get("/escalations?adviser=nobody-at-all").text
    assert "0 open escalations." in none and "<table" not in none
    for query in ("sort=password_hash", "order=sideways", "page=0", "level=9"):
        assert client.get(f"/escalations?{query}").status_code == 422, query


def test_a_personal_adviser_filters_their_own_queue_by_level_only(client: TestClient, web_db):
    _signed_in(client, web_db, "personal_adviser")
    page = client.get("/escalations").text
    assert 'name="level"' in page and 'name="adviser"' not in page
