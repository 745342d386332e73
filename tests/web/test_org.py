from __future__ import annotations

import io

from sqlalchemy import func, select

from audit.extensions import db
from audit.models import Branch, Region, Role, StaffMember
from tests.builders import make_branch, make_region, make_staff, make_user


def _scoped_setup(app):
    """Two regions, a branch and a staff member in each, and a North-only manager."""
    with app.app_context():
        north, south = make_region("North"), make_region("South")
        leeds = make_branch(north, code="LDS01", name="Leeds Briggate")
        bristol = make_branch(south, code="BRS01", name="Bristol Broadmead")
        make_staff(leeds, code="S1", name="Nina North")
        make_staff(bristol, code="S2", name="Sam South")
        manager = make_user(Role.MANAGER, regions=[north])
        db.session.commit()
        return {
            "north": north.id,
            "south": south.id,
            "leeds": leeds.id,
            "bristol": bristol.id,
            "manager": manager.email,
        }


def test_manager_creates_and_edits_a_branch(app, client, auth):
    with app.app_context():
        region_id = make_region("North").id
        email = make_user(Role.MANAGER).email
        db.session.commit()
    auth.login(email)
    response = client.post(
        "/org/branches/new",
        data={
            "code": "yrk01",
            "name": "York Coney Street",
            "region": region_id,
            "address": "8 Coney Street",
            "lat": "53.959",
            "lng": "-1.0845",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        branch = db.session.scalar(select(Branch).where(Branch.code == "YRK01"))
        assert branch.name == "York Coney Street" and branch.lat == 53.959
        branch_id = branch.id
    client.post(
        f"/org/branches/{branch_id}",
        data={"code": "YRK01", "name": "York Minster", "region": region_id},
    )
    with app.app_context():
        assert db.session.get(Branch, branch_id).name == "York Minster"


def test_branch_form_rejects_duplicate_code_and_half_a_position(app, client, auth):
    with app.app_context():
        region = make_region()
        make_branch(region, code="TAKEN")
        email = make_user(Role.MANAGER).email
        db.session.commit()
        region_id = region.id
    auth.login(email)
    response = client.post(
        "/org/branches/new",
        data={"code": "taken", "name": "Kept Name", "region": region_id, "lat": "51.5"},
    )
    page = response.get_data(as_text=True)
    assert "This code is already in use." in page
    assert "Give both latitude and longitude, or neither." in page
    assert 'value="Kept Name"' in page


def test_scoped_manager_sees_only_their_regions(app, client, auth):
    ids = _scoped_setup(app)
    auth.login(ids["manager"])
    page = client.get("/org/branches").get_data(as_text=True)
    assert "Leeds Briggate" in page and "Bristol Broadmead" not in page
    page = client.get("/org/staff").get_data(as_text=True)
    assert "Nina North" in page and "Sam South" not in page
    page = client.get("/org/regions").get_data(as_text=True)
    assert "North" in page and "South" not in page
    assert client.get(f"/org/branches/{ids['bristol']}").status_code == 403
    assert client.post(f"/org/branches/{ids['bristol']}/active").status_code == 403
    assert client.get(f"/org/regions/{ids['south']}").status_code == 403
    with app.app_context():
        south_staff = db.session.scalar(select(StaffMember.id).where(StaffMember.code == "S2"))
    assert client.get(f"/org/staff/{south_staff}").status_code == 403


def test_scoped_manager_cannot_create_in_other_regions(app, client, auth):
    ids = _scoped_setup(app)
    auth.login(ids["manager"])
    response = client.post(
        "/org/branches/new", data={"code": "X1", "name": "Sneaky", "region": ids["south"]}
    )
    assert response.status_code == 200
    assert b"Not a valid choice" in response.data
    assert client.post("/org/regions", data={"name": "Elsewhere"}).status_code == 403
    response = client.post(
        "/org/staff/new",
        data={"code": "Z9", "name": "Z", "branch": ids["bristol"], "job_title": "Adviser"},
    )
    assert b"Not a valid choice" in response.data
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Region)) == 2


def test_manager_adds_staff_and_links_a_sign_in(app, client, auth):
    with app.app_context():
        branch = make_branch()
        staff_user = make_user(Role.STAFF, name="Linked Person")
        email = make_user(Role.MANAGER).email
        db.session.commit()
        branch_id, staff_user_id = branch.id, staff_user.id
    auth.login(email)
    page = client.get("/org/staff/new").get_data(as_text=True)
    assert "Linked Person" in page
    response = client.post(
        "/org/staff/new",
        data={
            "code": "abc1",
            "name": "Linked Person",
            "branch": branch_id,
            "job_title": "Adviser",
            "email": "",
            "user": staff_user_id,
        },
    )
    assert response.status_code == 302
    with app.app_context():
        member = db.session.scalar(select(StaffMember).where(StaffMember.code == "ABC1"))
        assert member.user_id == staff_user_id
    # once linked, the account is not offered for another staff member
    page = client.get("/org/staff/new").get_data(as_text=True)
    assert "Linked Person &lt;" not in page


def test_deactivating_a_branch_hides_it_from_the_default_list(app, client, auth):
    with app.app_context():
        branch = make_branch(name="Closing Down")
        email = make_user(Role.MANAGER).email
        db.session.commit()
        branch_id = branch.id
    auth.login(email)
    response = client.post(f"/org/branches/{branch_id}/active", follow_redirects=True)
    assert b"is deactivated" in response.data
    assert b"Closing Down" not in client.get("/org/branches").data
    assert b"Closing Down" in client.get("/org/branches?status=inactive").data


def test_import_page_reports_every_bad_line_and_keeps_nothing(app, client, auth):
    with app.app_context():
        email = make_user(Role.MANAGER).email
        db.session.commit()
    auth.login(email)
    csv = (
        b"code,name,region,address\nA1,Alpha,North,1 St\nA1,Again,North,2 St\n,NoCode,North,3 St\n"
    )
    response = client.post(
        "/org/import",
        data={"kind": "branches", "file": (io.BytesIO(csv), "branches.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "branches.csv:3: duplicate code &#39;A1&#39; (first on line 2)" in page
    assert "branches.csv:4: code is empty" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Branch)) == 0


def test_import_page_imports_a_good_file(app, client, auth):
    with app.app_context():
        email = make_user(Role.MANAGER).email
        db.session.commit()
    auth.login(email)
    csv = b"code,name,region,address\nA1,Alpha,North,1 St\nB2,Beta,South,2 St\n"
    response = client.post(
        "/org/import",
        data={"kind": "branches", "file": (io.BytesIO(csv), "branches.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert b"2 branches created, 0 updated, 2 new regions" in response.data
