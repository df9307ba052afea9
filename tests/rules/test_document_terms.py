"""The wording of rules/data/document_terms.yaml covers every code the task forms can give a document: each
outcome of the steps whose documents state their outcome, each proposal of a report, each review item."""

from __future__ import annotations

from activities.document_contexts.investigation import CHECK_FIELDS
from rules.data_files import load_yaml
from rules.document_kinds import load_document_kinds
from rules.document_terms import load_document_terms
from rules.task_catalogue import load_task_catalogue


def test_every_outcome_and_code_a_document_states_has_its_wording() -> None:
    terms, tasks = load_document_terms(), load_task_catalogue()
    assert set(terms.legal_review_conclusions) == set(tasks.get("legal_review").allowed_outcomes)
    assert set(terms.statement_reviews) == set(tasks.get("review_statement").allowed_outcomes)
    proposals = tasks.get("investigate").outcome("report").form["properties"]["proposal"]["enum"]
    assert set(terms.report_proposals) == set(proposals)
    assert list(terms.legal_review_checks) == load_yaml("tasks.yaml")["definitions"]["review_item_key"]["enum"]


def test_the_review_items_map_onto_the_opinions_eight_fields() -> None:
    opinion = load_document_kinds().get("legal_review_opinion")
    fields = {f.key.removeprefix("review.checks.") for f in opinion.required if f.key.startswith("review.checks.")}
    assert set(CHECK_FIELDS) == set(load_document_terms().legal_review_checks)
    assert set(CHECK_FIELDS.values()) == fields
