"""Branch and staff CSV imports: all or nothing, every problem as FILE:LINE: message."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from audit.csv_files import ImportFailed
from audit.extensions import db
from audit.models import Branch, Region, Role, StaffMember
from audit.org.csv_import import import_branches, import_staff
from tests.builders import make_branch, make_region, make_user

GOOD_BRANCHES = (
    "code,name,region,address,lat,lng\n"
    'LDS01,Leeds Briggate,North,"112 Briggate, Leeds LS1 6BR",53.7983,-1.5425\n'
    'BRS01,Bristol Broadmead,South,"63 Broadmead, Bristol",,\n'
)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _errors(data: bytes, importer=import_branches, name="b.csv", **kwargs) -> list[str]:
    with pytest.raises(ImportFailed) as failure:
        importer(data, name, **kwargs)
    db.session.rollback()
    return [str(e) for e in failure.value.errors]


def test_branches_import_creates_regions_and_branches(ctx):
    result = import_branches(GOOD_BRANCHES.encode(), "b.csv")
    db.session.commit()
    assert (result.created, result.updated, result.regions_created) == (2, 0, 2)
    leeds = db.session.scalar(select(Branch).where(Branch.code == "LDS01"))
    assert leeds.address == "112 Briggate, Leeds LS1 6BR"
    assert leeds.region.name == "North" and leeds.lat == 53.7983
    assert db.session.scalar(select(Branch.lat).where(Branch.code == "BRS01")) is None


def test_existing_code_is_updated_not_duplicated(ctx):
    import_branches(GOOD_BRANCHES.encode(), "b.csv")
    db.session.commit()
    again = GOOD_BRANCHES.replace("Leeds Briggate", "Leeds Trinity").encode()
    result = import_branches(again, "b.csv")
    db.session.commit()
    assert (result.created, result.updated) == (0, 2)
    assert _count(Branch) == 2 and _count(Region) == 2
    assert db.session.scalar(select(Branch.name).where(Branch.code == "LDS01")) == "Leeds Trinity"


def test_region_names_match_case_insensitively(ctx):
    make_region("North")
    db.session.commit()
    import_branches(b"code,name,region,address\nX1,X,north,1 St\n", "b.csv")
    assert _count(Region) == 1


def test_missing_column_is_reported_on_line_1(ctx):
    errors = _errors(b"code,name,address\nA1,Alpha,1 St\n")
    assert errors == ["b.csv:1: missing column 'region'"]


def test_unknown_column_is_reported(ctx):
    errors = _errors(b"code,name,region,address,colour\nA1,Alpha,North,1 St,red\n")
    assert errors == [
        "b.csv:1: unknown column 'colour' "
        "(expected: code, name, region, address, lat, lng, opening_hours, timezone)"
    ]


def test_every_bad_line_is_reported_and_nothing_written(ctx):
    data = (
        b"code,name,region,address,lat,lng\n"
        b"A1,Alpha,North,1 St,,\n"
        b"A1,Again,North,2 St,,\n"  # duplicate
        b",Nameless code,North,3 St,,\n"  # empty code
        b"C3,,North,4 St,,\n"  # empty name
        b"D4,Delta,North,5 St,95,1\n"  # latitude out of range
        b"E5,Echo,North,6 St,abc,1\n"  # not a number
        b"F6,Foxtrot,North,7 St,51.5,\n"  # half a position
        b"G7,Golf,North\n"  # too few values
    )
    assert _errors(data) == [
        "b.csv:3: duplicate code 'A1' (first on line 2)",
        "b.csv:4: code is empty",
        "b.csv:5: name is empty",
        "b.csv:6: lat 95 is outside -90..90",
        "b.csv:7: lat 'abc' is not a number",
        "b.csv:8: give both lat and lng, or neither",
        "b.csv:9: expected 6 values, found 3",
    ]
    assert _count(Branch) == 0 and _count(Region) == 0


def test_time_zones_are_checked_by_line_and_kept_in_their_usual_spelling(ctx):
    data = (
        b"code,name,region,address,timezone\n"
        b"LAX,Los Angeles,West,1 St,america/los_angeles\n"
        b"MRS,Mars,West,2 St,Mars/Olympus\n"
        b"TYO,Tokyo,West,3 St,\n"
    )
    assert _errors(data) == [
        "b.csv:3: timezone: 'Mars/Olympus' is not a time zone (an IANA name such as Europe/Madrid)"
    ]
    assert _count(Branch) == 0
    import_branches(data.replace(b"Mars/Olympus", b"Asia/Tokyo"), "b.csv")
    zones = dict(db.session.execute(select(Branch.code, Branch.timezone)).all())
    assert zones == {"LAX": "America/Los_Angeles", "MRS": "Asia/Tokyo", "TYO": "UTC"}


def test_quoted_newlines_keep_line_numbers_right(ctx):
    data = b'code,name,region,address\nA1,Alpha,North,"1 St\nLeeds"\nA1,Dup,North,x\n'
    assert _errors(data) == ["b.csv:4: duplicate code 'A1' (first on line 2)"]


def test_wrong_encoding_names_the_line(ctx):
    data = "code,name,region,address\nA1,Alpha,North,1 St\nB2,Café,North,2 St\n".encode("latin-1")
    assert _errors(data) == [
        "b.csv:3: the file is not UTF-8 text; save it as 'CSV UTF-8' and try again"
    ]
    assert _count(Branch) == 0


def test_utf8_with_bom_is_fine(ctx):
    data = "\ufeffcode,name,region,address\nA1,Café Royal,North,1 St\n".encode()
    import_branches(data, "b.csv")
    assert db.session.scalar(select(Branch.name)) == "Café Royal"


def test_empty_file(ctx):
    assert _errors(b"") == ["b.csv:1: the file is empty"]


def test_scoped_user_may_not_import_outside_scope(ctx):
    north, south = make_region("North"), make_region("South")
    make_branch(south, code="S1")
    manager = make_user(Role.MANAGER, regions=[north])
    db.session.commit()
    data = (
        b"code,name,region,address\n"
        b"N1,Ok,North,x\nN2,No,South,x\nN3,New,Midlands,x\nS1,Moved,North,x\n"
    )
    assert _errors(data, actor=manager) == [
        "b.csv:3: region 'South' is outside your scope",
        "b.csv:4: region 'Midlands' does not exist and you may not create regions",
        "b.csv:5: branch 'S1' is outside your scope",
    ]


# --- staff ---------------------------------------------------------------------


def _branches() -> None:
    region = make_region("North")
    make_branch(region, code="LDS01")
    make_branch(region, code="YRK01")
    db.session.commit()


def test_staff_import_and_update(ctx):
    _branches()
    staff_user = make_user(Role.STAFF, email="amira@example.org")
    db.session.commit()
    data = (
        b"code,name,branch,job_title,email\n"
        b"S1,Amira Hassan,LDS01,Adviser,Amira@Example.org\n"
        b"S2,Ben Cole,yrk01,Branch Manager,\n"
    )
    result = import_staff(data, "s.csv")
    db.session.commit()
    assert (result.created, result.updated) == (2, 0)
    amira = db.session.scalar(select(StaffMember).where(StaffMember.code == "S1"))
    assert amira.email == "amira@example.org" and amira.user_id == staff_user.id
    result = import_staff(data.replace(b"Ben Cole", b"Ben Coles"), "s.csv")
    assert (result.created, result.updated) == (0, 2)
    assert _count(StaffMember) == 2


def test_staff_import_errors(ctx):
    _branches()
    data = (
        b"code,name,branch,job_title,email\n"
        b"S1,Amira Hassan,LDS01,Adviser,not-an-email\n"
        b"S2,Ben Cole,NOWHERE,Adviser,\n"
        b"S2,Ben Again,LDS01,Adviser,\n"
        b"S3,No Title,LDS01,,\n"
    )
    errors = _errors(data, importer=import_staff, name="s.csv")
    assert errors[0].startswith("s.csv:2: email 'not-an-email': ")
    assert errors[1:] == [
        "s.csv:3: unknown branch 'NOWHERE'",
        "s.csv:4: duplicate code 'S2' (first on line 3)",
        "s.csv:5: job_title is empty",
    ]
    assert _count(StaffMember) == 0


def test_cli_imports_report_file_and_line(app, runner, tmp_path):
    bad = tmp_path / "branches.csv"
    bad.write_text("code,name,region,address\nA1,Alpha,North,x\nA1,Beta,North,y\n")
    result = runner.invoke(args=["branches", "import", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:3: duplicate code 'A1' (first on line 2)" in result.output
    good = tmp_path / "ok.csv"
    good.write_text("code,name,region,address\nA1,Alpha,North,x\n")
    result = runner.invoke(args=["branches", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "1 branches created" in result.output
    staff = tmp_path / "staff.csv"
    staff.write_text("code,name,branch,job_title\nS1,Sam,A1,Adviser\nS2,Kim,ZZ9,Adviser\n")
    result = runner.invoke(args=["staff", "import", str(staff)])
    assert result.exit_code == 1
    assert f"{staff}:3: unknown branch 'ZZ9'" in result.output
    with app.app_context():
        assert _count(StaffMember) == 0
