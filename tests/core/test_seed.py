"""The demo seed: idempotent, complete, geometrically sound, secrets hashed — on SQLite and PostgreSQL."""

import itertools

import pytest
import sqlalchemy as sa
from shapely.geometry import Point, shape
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.jurisdiction import ancestors, in_subtree, is_within, path_range, subtree, subtree_codes
from core.models import ApiKey, Jurisdiction, JurisdictionLevel, Role, User, ViolationType
from core.security import verify_api_key, verify_password
from core.seed import DEMO_INTEGRATOR_KEY, DEMO_PASSWORD, seed_demo
from rules.catalogue import load_catalogue
from tests.core.conftest import SeededDb, fake_catalogue, table_rows

CITY, A, B = "990100", "990102", "990103"
A1, A2, B1, B2 = "990102001", "990102002", "990103001", "990103002"
PARENT = {CITY: None, A: CITY, B: CITY, A1: A, A2: A, B1: B, B2: B}
LEVEL = {CITY: "city", A: "district", B: "district", A1: "street", A2: "street", B1: "street", B2: "street"}
EXPECTED_USERS: dict[str, tuple[set[Role], str]] = {
    "officer1": ({Role.OFFICER}, A),
    "officer2": ({Role.OFFICER}, A),
    "officer3": ({Role.OFFICER}, B),
    "leader1": ({Role.SQUAD_LEADER}, A),
    "reviewer1": ({Role.LEGAL_REVIEWER}, A),
    "head1": ({Role.AGENCY_HEAD}, A),
    "auditor1": ({Role.AUDITOR}, CITY),
    "admin1": ({Role.ADMIN}, CITY),
    "cityhead1": ({Role.AGENCY_HEAD}, CITY),
}


def _ancestors_expected(code: str) -> list[str]:
    chain: list[str] = []
    node: str | None = code
    while node is not None:
        chain.append(node)
        node = PARENT[node]
    return chain


def _jurisdictions(engine: Engine) -> dict[str, Jurisdiction]:
    with Session(engine) as session:
        return {j.code: j for j in session.exec(select(Jurisdiction)).all()}


# --- idempotence ---------------------------------------------------------------------------------


def test_seed_creates_everything_once_then_nothing(engine: Engine) -> None:
    first = seed_demo(engine, fake_catalogue())
    assert first.created == {
        "jurisdiction": [CITY, A, B, A1, A2, B1, B2],
        "user": list(EXPECTED_USERS),
        "api_key": ["demo-int"],
        "violation_type": ["SR-001", "HB-002"],
    }
    assert first.found == {}
    snapshot = table_rows(engine)

    second = seed_demo(engine, fake_catalogue())
    assert second.created_count == 0
    assert second.updated_count == 0
    assert not second.changed
    assert second.found == first.created
    assert table_rows(engine) == snapshot  # not a byte changed, password hashes included
    assert second.credentials == first.credentials


def test_seed_leaves_an_existing_row_as_it_is(engine: Engine) -> None:
    seed_demo(engine, fake_catalogue())
    with Session(engine) as session:
        officer = session.exec(select(User).where(User.username == "officer1")).one()
        officer.display_name = "已改名"
        officer.active = False
        session.add(officer)
        session.commit()
    report = seed_demo(engine, fake_catalogue())
    assert report.created_count == 0
    with Session(engine) as session:
        officer = session.exec(select(User).where(User.username == "officer1")).one()
        assert (officer.display_name, officer.active) == ("已改名", False)


def test_new_catalogue_version_updates_violation_types(engine: Engine) -> None:
    seed_demo(engine, fake_catalogue("2026.1"))
    report = seed_demo(engine, fake_catalogue("2026.2", renamed=True))
    assert report.catalogue_version == "2026.2"
    assert report.created_count == 0
    assert report.updated == {"violation_type": ["SR-001", "HB-002"]}
    with Session(engine) as session:
        rows = {v.code: v for v in session.exec(select(ViolationType)).all()}
    assert {v.catalogue_version for v in rows.values()} == {"2026.2"}
    assert rows["SR-001"].name == "占道经营（更名）"
    assert rows["SR-001"].definition == fake_catalogue("2026.2", renamed=True).violations[0].model_dump(mode="json")
    assert rows["SR-001"].updated_at.tzinfo is not None
    assert seed_demo(engine, fake_catalogue("2026.2", renamed=True)).updated_count == 0


def test_seed_with_the_shipped_catalogue(engine: Engine) -> None:
    catalogue = load_catalogue()
    report = seed_demo(engine)  # default: rules.catalogue.load_catalogue()
    assert report.catalogue_version == catalogue.version
    assert report.created["violation_type"] == [v.code for v in catalogue.violations]
    with Session(engine) as session:
        rows = {v.code: v for v in session.exec(select(ViolationType)).all()}
    for violation in catalogue.violations:
        assert rows[violation.code].name == violation.name
        assert rows[violation.code].definition == violation.model_dump(mode="json")
    assert seed_demo(engine).changed is False


# --- people and keys -----------------------------------------------------------------------------


def test_every_demo_person_has_the_right_roles_and_jurisdiction(seeded: SeededDb) -> None:
    with Session(seeded.engine) as session:
        users = {u.username: u for u in session.exec(select(User)).all()}
    assert set(users) == set(EXPECTED_USERS)
    for username, (roles, jurisdiction) in EXPECTED_USERS.items():
        user = users[username]
        assert set(user.roles) == roles, username
        assert user.jurisdiction_code == jurisdiction, username
        assert user.active
        assert user.created_at.tzinfo is not None
    officers = [u for u in users.values() if Role.OFFICER in u.roles]
    certificates = [u.certificate_no for u in officers]
    assert all(certificates) and len(set(certificates)) == len(officers)
    roles_present = {r for u in users.values() for r in u.roles}
    assert roles_present == set(Role) - {Role.INTEGRATOR}  # the integrator is a key, not a person


def test_demo_passwords_verify_with_demo_only(seeded: SeededDb) -> None:
    with Session(seeded.engine) as session:
        users = session.exec(select(User)).all()
    hashes = {u.password_hash for u in users}
    assert len(hashes) == len(users)  # each salted separately
    for user in users:
        assert user.password_hash.startswith("$argon2id$")
        assert verify_password(DEMO_PASSWORD, user.password_hash), user.username
    sample = users[0].password_hash
    for wrong in ("Demo", "demo ", "", "demo1", users[0].username):
        assert not verify_password(wrong, sample)


def test_integrator_key_is_hashed_and_the_plaintext_is_nowhere(seeded: SeededDb) -> None:
    with Session(seeded.engine) as session:
        keys = session.exec(select(ApiKey)).all()
    assert len(keys) == 1
    key = keys[0]
    assert verify_api_key(DEMO_INTEGRATOR_KEY, key.key_hash)
    assert not verify_api_key("demo-integrator-key2", key.key_hash)
    assert key.roles == [Role.INTEGRATOR]
    assert key.jurisdiction_code == CITY
    assert key.allowed_types == [] and key.allows_type("SR-001")
    assert key.prefix == DEMO_INTEGRATOR_KEY[:8]
    dump = repr(table_rows(seeded.engine))
    assert DEMO_INTEGRATOR_KEY not in dump
    assert "integrator-key" not in dump


def test_report_lists_the_demo_sign_ins(seeded: SeededDb) -> None:
    report = seeded.report
    assert [c.username for c in report.credentials] == list(EXPECTED_USERS)
    assert {c.password for c in report.credentials} == {DEMO_PASSWORD}
    head = next(c for c in report.credentials if c.username == "head1")
    assert (head.jurisdiction_code, head.jurisdiction_name) == (A, "清河区")
    assert [(k.key, k.roles, k.jurisdiction_code) for k in report.api_keys] == [
        (DEMO_INTEGRATOR_KEY, [Role.INTEGRATOR], CITY)
    ]


# --- the jurisdiction tree -----------------------------------------------------------------------


def test_tree_shape_levels_and_paths(seeded: SeededDb) -> None:
    nodes = _jurisdictions(seeded.engine)
    assert set(nodes) == set(PARENT)
    for code, node in nodes.items():
        assert node.parent_code == PARENT[code]
        assert node.level == JurisdictionLevel(LEVEL[code])
        assert node.path == "/".join(reversed(_ancestors_expected(code))) + "/"
        assert node.abbreviation.endswith("城管")
    assert nodes[CITY].abbreviation == "示范城管"
    assert nodes[CITY].name == "示范市"


def test_boundaries_nest_and_labels_lie_inside(seeded: SeededDb) -> None:
    nodes = _jurisdictions(seeded.engine)
    polygons = {code: shape(node.boundary) for code, node in nodes.items()}
    for code, node in nodes.items():
        polygon = polygons[code]
        ring = node.boundary["coordinates"][0]
        assert node.boundary["type"] == "Polygon"
        assert ring[0] == ring[-1], "ring must be closed"
        assert polygon.is_valid and polygon.area > 0, code
        assert polygon.exterior.is_ccw, f"{code}: RFC 7946 exterior rings are counter-clockwise"
        minx, miny, maxx, maxy = polygon.bounds
        assert (minx, miny) >= (120.0, 30.15) and (maxx, maxy) <= (120.4, 30.4)
        assert polygon.contains(Point(node.label_lon, node.label_lat)), f"{code}: label outside"
        parent = PARENT[code]
        if parent is not None:
            assert polygons[parent].contains(polygon), f"{code} not inside {parent}"
    for left, right in itertools.combinations([A, B], 2):
        assert not polygons[left].overlaps(polygons[right])
    for left, right in ((A1, A2), (B1, B2)):
        assert polygons[left].intersection(polygons[right]).area == 0


def test_subtree_returns_exactly_the_descendants(seeded: SeededDb) -> None:
    with Session(seeded.engine) as session:
        assert subtree_codes(session, CITY) == [CITY, A, A1, A2, B, B1, B2]
        assert subtree_codes(session, A) == [A, A1, A2]
        assert subtree_codes(session, B) == [B, B1, B2]
        assert subtree_codes(session, A1) == [A1]
        assert subtree_codes(session, "000000") == []
        assert [j.level for j in subtree(session, B)] == [JurisdictionLevel.DISTRICT] + [JurisdictionLevel.STREET] * 2
        assert ancestors(session, B2) == [CITY, B, B2]
        assert ancestors(session, "nope") == []


def test_is_within_matches_the_parent_relation_for_every_pair(seeded: SeededDb) -> None:
    nodes = _jurisdictions(seeded.engine)
    with Session(seeded.engine) as session:
        for node, ancestor in itertools.product(PARENT, repeat=2):
            expected = ancestor in _ancestors_expected(node)
            assert is_within(session, node, ancestor) is expected, (node, ancestor)
            assert nodes[ancestor].contains(nodes[node]) is expected
        assert not is_within(session, "000000", CITY)
        assert not is_within(session, A, "000000")


def test_path_range_is_an_exact_prefix_range() -> None:
    lo, hi = path_range("990100/990102/")
    for path in ("990100/990102/", "990100/990102/990102001/"):
        assert lo <= path < hi
    for path in ("990100/", "990100/990103/", "990100/9901020/", "990100/990102"):
        assert not (lo <= path < hi)
    with pytest.raises(ValueError):
        path_range("")


def test_subtree_query_uses_the_path_index(seeded: SeededDb) -> None:
    condition = in_subtree(col(Jurisdiction.path), "990100/990102/")
    stmt = select(Jurisdiction.code).where(condition)
    with seeded.engine.connect() as conn:
        compiled = stmt.compile(conn, compile_kwargs={"literal_binds": True})
        if seeded.backend == "sqlite":
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"explain query plan {compiled}"))
            assert "USING INDEX ix_jurisdiction_path" in plan or "USING COVERING INDEX" in plan, plan
        else:
            conn.execute(sa.text("set local enable_seqscan = off"))
            plan = " ".join(str(r[0]) for r in conn.exec_driver_sql(f"explain {compiled}"))
            assert "ix_jurisdiction_path" in plan, plan
        codes = sorted(conn.execute(stmt).scalars())
    assert codes == [A, A1, A2]
