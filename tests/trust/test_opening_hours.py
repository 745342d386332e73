"""Opening hours per weekday: written like a shop door, normalised, checked everywhere a
branch is written (the branch form, the CSV import, the API)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from audit.accounts.api_tokens import create_token
from audit.csv_files import ImportFailed
from audit.extensions import db
from audit.models import Branch, Role
from audit.org.csv_import import import_branches
from audit.org.hours import HoursError, is_open, normalise, parse_hours
from tests.builders import make_branch, make_region, make_user


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Mon-Fri 09:00-17:30; Sat 10:00-16:00", "Mon-Fri 09:00-17:30; Sat 10:00-16:00"),
        ("mon, tue,wed-fri 9:00-17:30 ;sat 10:00-16:00;", "Mon-Fri 09:00-17:30; Sat 10:00-16:00"),
        ("Monday 08:00-12:00, 13:00-18:00", "Mon 08:00-12:00, 13:00-18:00"),
        ("Sun 10:00-14:00; Mon 10:00-14:00", "Mon 10:00-14:00; Sun 10:00-14:00"),
        ("Mon-Sun 00:00-24:00", "Mon-Sun 00:00-24:00"),
        ("  ", ""),
    ],
)
def test_hours_are_stored_in_one_spelling(typed, stored):
    assert normalise(typed) == stored
    assert normalise(stored) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Mon-Fri", "'Mon-Fri' needs days then times, like 'Mon-Fri 09:00-17:30'"),
        ("09:00-17:00", "needs days then times"),
        ("Mo 09:00-17:00", "'Mo' in 'Mo 09:00-17:00' is not a day (write Mon, Tue … Sun)"),
        ("Fri-Mon 09:00-17:00", "'Fri-Mon' in 'Fri-Mon 09:00-17:00' runs backwards"),
        ("Mon 9-17", "'9' in 'Mon 9-17' is not a time like 09:00"),
        ("Mon 17:00-09:00", "'17:00-09:00' in 'Mon 17:00-09:00' closes before it opens"),
        ("Mon 09:00-25:00", "'25:00' in 'Mon 09:00-25:00' is not a time of day"),
        ("Mon 09:00-13:00, 12:00-17:00", "the times in 'Mon 09:00-13:00, 12:00-17:00' overlap"),
        ("Mon-Fri 09:00-17:00; Fri 18:00-20:00", "Fri is given twice"),
        ("Mon 09:00", "'09:00' in 'Mon 09:00' needs an opening and a closing time"),
        (";", "no opening hours given"),
    ],
)
def test_hours_that_cannot_be_read_say_why(typed, message):
    with pytest.raises(HoursError) as error:
        parse_hours(typed)
    assert message in str(error.value)


def test_open_is_half_open_and_days_not_named_are_closed():
    hours = parse_hours("Mon-Fri 09:00-12:00, 13:00-17:30")
    monday = datetime(2026, 5, 11, tzinfo=UTC)
    assert is_open(hours, monday.replace(hour=9))
    assert not is_open(hours, monday.replace(hour=8, minute=59))
    assert not is_open(hours, monday.replace(hour=12, minute=30))  # lunch
    assert not is_open(hours, monday.replace(hour=17, minute=30))  # closed at 17:30
    assert not is_open(hours, monday.replace(day=16, hour=10))  # Saturday


# --- the CSV import ---------------------------------------------------------------------


def test_the_branch_import_reads_opening_hours_and_names_the_bad_line(ctx):
    good = (
        "code,name,region,address,opening_hours\n"
        'LDS01,Leeds,North,1 Briggate,"mon-fri 9:00-17:30; sat 10:00-16:00"\n'
        "YRK01,York,North,2 Coney Street,\n"
    )
    import_branches(good.encode(), "b.csv")
    db.session.commit()
    hours = dict(db.session.execute(select(Branch.code, Branch.opening_hours)).all())
    assert hours == {"LDS01": "Mon-Fri 09:00-17:30; Sat 10:00-16:00", "YRK01": ""}

    bad = (
        "code,name,region,address,opening_hours\n"
        "LDS01,Leeds,North,1 Briggate,Mon-Fri 08:00-18:00\n"
        "YRK01,York,North,2 Coney Street,Mon-Fri 18:00-08:00\n"
    )
    with pytest.raises(ImportFailed) as failure:
        import_branches(bad.encode(), "b.csv")
    db.session.rollback()
    assert [str(e) for e in failure.value.errors] == [
        "b.csv:3: opening_hours: '18:00-08:00' in 'Mon-Fri 18:00-08:00' closes before it opens"
    ]
    leeds = db.session.scalar(select(Branch).where(Branch.code == "LDS01"))
    assert leeds.opening_hours == "Mon-Fri 09:00-17:30; Sat 10:00-16:00"  # nothing written

    # A file without the column leaves the hours as they are.
    import_branches(b"code,name,region,address\nLDS01,Leeds,North,1 Briggate\n", "b.csv")
    db.session.commit()
    assert leeds.opening_hours == "Mon-Fri 09:00-17:30; Sat 10:00-16:00"


# --- the branch form --------------------------------------------------------------------


def test_the_branch_form_saves_hours_and_keeps_what_was_typed_when_wrong(app, client, auth):
    with app.app_context():
        north = make_region("North")
        branch = make_branch(north, code="LDS01", name="Leeds")
        manager = make_user(Role.MANAGER)
        db.session.commit()
        ids, email = (branch.id, north.id), manager.email
    auth.login(email)
    form = {
        "code": "LDS01",
        "name": "Leeds",
        "region": str(ids[1]),
        "address": "",
        "lat": "",
        "lng": "",
    }
    wrong = client.post(f"/org/branches/{ids[0]}", data={**form, "opening_hours": "Mon-Fry 9-5"})
    page = wrong.get_data(as_text=True)
    assert wrong.status_code == 200  # the form again, with its error
    assert "is not a day (write Mon, Tue … Sun)" in page and 'value="Mon-Fry 9-5"' in page
    right = client.post(
        f"/org/branches/{ids[0]}", data={**form, "opening_hours": "mon-fri 9:00-17:30"}
    )
    assert right.status_code == 302
    with app.app_context():
        assert db.session.get(Branch, ids[0]).opening_hours == "Mon-Fri 09:00-17:30"
    assert 'value="Mon-Fri 09:00-17:30"' in client.get(f"/org/branches/{ids[0]}").get_data(
        as_text=True
    )


# --- the API ----------------------------------------------------------------------------


def test_the_api_reads_and_writes_opening_hours(app, client):
    with app.app_context():
        north = make_region("North")
        token = create_token(make_user(Role.ADMIN), "admin token").secret
        db.session.commit()
        north_id = north.id
    headers = {"Authorization": f"Bearer {token}"}
    made = client.post(
        "/api/v1/branches",
        headers=headers,
        json={
            "code": "HUL01",
            "name": "Hull",
            "region_id": north_id,
            "opening_hours": "Mon-Sat 09:00-17:00",
        },
    )
    assert made.status_code == 201, made.get_json()
    branch = made.get_json()
    assert branch["opening_hours"] == "Mon-Sat 09:00-17:00"
    url = f"/api/v1/branches/{branch['id']}"
    renamed = client.patch(url, headers=headers, json={"name": "Hull Whitefriargate"})
    assert renamed.get_json()["opening_hours"] == "Mon-Sat 09:00-17:00"  # not sent: kept
    wrong = client.patch(url, headers=headers, json={"opening_hours": "Mon 17:00-09:00"})
    assert wrong.status_code == 422
    assert "closes before it opens" in wrong.get_data(as_text=True)
    cleared = client.patch(url, headers=headers, json={"opening_hours": ""})
    assert cleared.get_json()["opening_hours"] == ""
