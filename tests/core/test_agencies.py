"""The issuing unit as documents show it: derived from the jurisdiction tree where the law fixes the
answer, configured where it cannot be derived, demo particulars only in the demo."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session

from core.agencies import DEMO_PARTICULARS, AgencyProfile, agency_profile
from core.numbering import UnknownAgency
from core.settings import AgencyParticulars, Settings
from tests.core.conftest import SeededDb


def profile(seeded: SeededDb, code: str, **settings: Any) -> AgencyProfile:
    with Session(seeded.engine) as session:
        return agency_profile(session, code, Settings(**settings))


def test_a_district_bureau_is_reviewed_by_its_government_and_sued_in_its_court(seeded: SeededDb) -> None:
    qinghe = profile(seeded, "990102", seed_demo=False)
    assert qinghe.name == "示范市清河区城市管理局"
    assert qinghe.review_body == "示范市清河区人民政府"
    assert qinghe.court == "示范市清河区人民法院"
    assert qinghe.payment_account is None  # not derivable: configure it


def test_a_street_team_answers_to_the_district_that_set_it_up(seeded: SeededDb) -> None:
    street = profile(seeded, "990102001", seed_demo=False)
    assert street.name == "示范市清河区文华街道综合行政执法队"
    assert street.review_body == "示范市清河区人民政府"


def test_a_city_bureau_has_no_derived_court(seeded: SeededDb) -> None:
    city = profile(seeded, "990100", seed_demo=False)
    assert (city.name, city.court) == ("示范市城市管理局", None)


def test_demo_particulars_only_in_the_demo_and_configuration_wins(seeded: SeededDb) -> None:
    demo = profile(seeded, "990102", seed_demo=True)
    assert demo.payment_account == DEMO_PARTICULARS["990102"].payment_account
    configured = AgencyParticulars(name="示范市清河区综合行政执法局", payment_account="1234")
    mine = profile(seeded, "990102", seed_demo=True, document_agencies={"990102": configured})
    assert (mine.name, mine.payment_account) == ("示范市清河区综合行政执法局", "1234")
    assert mine.contact_phone == DEMO_PARTICULARS["990102"].contact_phone


def test_an_unknown_code_is_refused(seeded: SeededDb) -> None:
    with pytest.raises(UnknownAgency):
        profile(seeded, "123456")
