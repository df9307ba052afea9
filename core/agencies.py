"""The issuing unit as its documents show it: printed name, where the party submits statements and
pays, who reviews a decision and which court hears a challenge.

Derived from the jurisdiction tree where the law fixes the answer (rules/data/document_terms.yaml,
`agency_names`): a district's 城市管理局 is reviewed by the district government (复议法(2023) Art. 24
para 1 (1)) and sued in the district's basic court (行政诉讼法 Arts. 14, 18); a 街道 exercising
delegated powers (处罚法 Art. 24) by the government that set it up. What cannot be derived — the
address, the contact, the bank account — comes from ``Settings.document_agencies`` (per jurisdiction
code; any field given there wins over the derivation) and, in the embedded demo (``seed_demo``), from
the made-up particulars below. A field that stays empty is simply absent: a document that needs it is
not issued, and the case asks an officer for the value.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from core.models import Jurisdiction, JurisdictionLevel
from core.numbering import UnknownAgency
from core.settings import AgencyParticulars, Settings
from rules.document_terms import load_document_terms

# Made up like core/seed.py (示范市, code 99…): the demo districts' particulars, used only with seed_demo.
DEMO_PARTICULARS: dict[str, AgencyParticulars] = {
    "990100": AgencyParticulars(
        address="示范市中山路1号示范市城市管理局法制处",
        contact_person="周杰",
        contact_phone="0573-81000001",
        court="示范市清河区人民法院",
        payment_bank="示范市农村商业银行各营业网点",
        payment_account_name="示范市财政局非税收入汇缴结算户",
        payment_account="201000100000001",
        payment_electronic="示范市政务服务网“非税支付”栏目",
    ),
    "990102": AgencyParticulars(
        address="示范市清河区望江路88号清河区城市管理局法制科",
        contact_person="刘洋",
        contact_phone="0573-82000001",
        payment_bank="示范市农村商业银行各营业网点",
        payment_account_name="示范市清河区财政局非税收入汇缴结算户",
        payment_account="201000123456789",
        payment_electronic="示范市政务服务网“非税支付”栏目",
    ),
    "990103": AgencyParticulars(
        address="示范市明湖区湖滨路16号明湖区城市管理局法制科",
        contact_person="王强",
        contact_phone="0573-83000001",
        payment_bank="示范市农村商业银行各营业网点",
        payment_account_name="示范市明湖区财政局非税收入汇缴结算户",
        payment_account="201000198765432",
        payment_electronic="示范市政务服务网“非税支付”栏目",
    ),
}


@dataclass(frozen=True)
class AgencyProfile:
    code: str
    name: str
    address: str | None = None
    contact_person: str | None = None
    contact_phone: str | None = None
    review_body: str | None = None
    court: str | None = None
    payment_bank: str | None = None
    payment_account_name: str | None = None
    payment_account: str | None = None
    payment_electronic: str | None = None


def _chain(session: Session, code: str) -> list[Jurisdiction]:
    """The node and its ancestors, root first."""
    place = session.get(Jurisdiction, code)
    if place is None:
        raise UnknownAgency(code)
    chain = [place]
    while chain[0].parent_code is not None:
        parent = session.get(Jurisdiction, chain[0].parent_code)
        if parent is None:  # pragma: no cover - a foreign key keeps the tree whole
            break
        chain.insert(0, parent)
    return chain


def derived(chain: list[Jurisdiction]) -> AgencyParticulars:
    """Name, review body and court from the unit's place in the tree (see the module doc)."""
    names = load_document_terms().agency_names
    node = chain[-1]
    full = "".join(p.name for p in chain)
    if node.level is JurisdictionLevel.STREET:
        upper = "".join(p.name for p in chain[:-1])  # the district that set the 街道 up
        return AgencyParticulars(
            name=names.street.format(place=full),
            review_body=names.review_body.format(place=upper),
            court=names.court.format(place=upper),
        )
    # A city-level department is sued in a basic court the city designates: configure it.
    court = names.court.format(place=full) if node.level is JurisdictionLevel.DISTRICT else None
    return AgencyParticulars(
        name=names.department.format(place=full), review_body=names.review_body.format(place=full), court=court
    )


def agency_profile(session: Session, code: str, settings: Settings) -> AgencyProfile:
    """The issuing unit ``code`` as its documents show it; UnknownAgency if there is no such node."""
    chain = _chain(session, code)
    values = derived(chain).model_dump(exclude_none=True)
    demo = DEMO_PARTICULARS.get(code) if settings.seed_demo else None
    for given in (demo, settings.document_agencies.get(code)):
        if given is not None:
            values |= {k: v for k, v in given.model_dump(exclude_none=True).items() if str(v).strip()}
    return AgencyProfile(code=chain[-1].code, **values)
