"""Model-level rules that need no database: API shapes, boundary validation, tree paths."""

from typing import Any

import pytest
from pydantic import ValidationError

from core.models import (
    ApiKey,
    ApiKeyPublic,
    JurisdictionLevel,
    JurisdictionPublic,
    Role,
    UserCreate,
    UserPublic,
    check_polygon,
    jurisdiction_path,
)

RING = [[120.0, 30.0], [120.1, 30.0], [120.1, 30.1], [120.0, 30.0]]


def _jurisdiction(boundary: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": "990100",
        "name": "示范市",
        "level": "city",
        "boundary": boundary,
        "label_lon": 120.05,
        "label_lat": 30.03,
        "abbreviation": "示范城管",
        "path": "990100/",
    }


def test_public_models_never_expose_secrets() -> None:
    assert "password_hash" not in UserPublic.model_fields
    assert "password" not in UserPublic.model_fields
    assert "key_hash" not in ApiKeyPublic.model_fields
    assert "password" in UserCreate.model_fields


def test_roles_are_validated_on_input() -> None:
    fields = {"username": "u", "display_name": "x", "jurisdiction_code": "990100", "password": "p"}
    user = UserCreate.model_validate({**fields, "roles": ["officer"]})
    assert user.roles == [Role.OFFICER]
    with pytest.raises(ValidationError):
        UserCreate.model_validate({**fields, "roles": ["boss"]})


def test_valid_polygon_boundary_is_accepted() -> None:
    node = JurisdictionPublic.model_validate(_jurisdiction({"type": "Polygon", "coordinates": [RING]}))
    assert node.level is JurisdictionLevel.CITY


@pytest.mark.parametrize(
    ("boundary", "message"),
    [
        ({"type": "Point", "coordinates": [120.0, 30.0]}, "GeoJSON Polygon"),
        ({"type": "Polygon", "coordinates": []}, "at least one linear ring"),
        ({"type": "Polygon", "coordinates": [RING[:3]]}, "at least 4 positions"),
        ({"type": "Polygon", "coordinates": [[*RING[:3], [120.0, 30.05]]]}, "closed"),
        ({"type": "Polygon", "coordinates": [[[200.0, 30.0], *RING[1:3], [200.0, 30.0]]]}, "WGS84"),
        ({"type": "Polygon", "coordinates": [[[120.0], *RING[1:]]]}, "lon, lat"),
    ],
)
def test_malformed_boundaries_are_refused(boundary: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_polygon(boundary)
    with pytest.raises(ValidationError):
        JurisdictionPublic.model_validate(_jurisdiction(boundary))


def test_jurisdiction_path_builds_from_the_parent() -> None:
    city = JurisdictionPublic.model_validate(_jurisdiction({"type": "Polygon", "coordinates": [RING]}))
    assert jurisdiction_path("990100", None) == "990100/"
    assert city.path == "990100/"
    for bad in ("", "99/01"):
        with pytest.raises(ValueError):
            jurisdiction_path(bad, None)


def test_api_key_type_restriction() -> None:
    unrestricted = ApiKey(name="a", prefix="p", key_hash="h", jurisdiction_code="990100")
    restricted = ApiKey(name="b", prefix="p", key_hash="h2", jurisdiction_code="990100", allowed_types=["SR-001"])
    assert unrestricted.allows_type("anything")
    assert restricted.allows_type("SR-001")
    assert not restricted.allows_type("HB-002")
