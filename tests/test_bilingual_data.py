"""Bilingual data: names organisers type in Indonesian and, optionally, English (groups,
criteria, scale labels), shown in the reader's (or the export's, document's, mail's)
language with the Indonesian one as the fallback; and the migration that adds them."""

import csv
import io
import re
import zipfile
from types import SimpleNamespace

import pytest
from conftest import run_sql, table_columns
from docx import Document as WordDocument
from flask import session
from flask_babel import force_locale
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from consult.auth.models import Role, StakeholderGroup
from consult.auth.services import DEFAULT_GROUP_NAMES_EN, DEFAULT_GROUPS, ensure_default_groups
from consult.bilingual import language, localized, localized_lines, pick
from consult.documents.docx_writer import render_docx
from consult.documents.rekapitulasi import RekapOptions, build_rekapitulasi
from consult.extensions import db
from consult.feedback.models import Comment, Rating
from consult.labels import audit_details
from consult.plans import services as plans_services
from consult.plans.models import Criterion, Phase
from consult.reports.exports import ExportFilters, run_export
from tests.conftest import first_strategy

# --- the one rule --------------------------------------------------------------------------


def test_english_is_shown_in_english_and_indonesian_is_the_fallback(app):
    named = SimpleNamespace(name="Akademisi", name_en="Academia")
    unnamed = SimpleNamespace(name="Asosiasi", name_en="  ")
    assert localized(named, "name", "en") == "Academia"
    assert localized(named, "name", "id") == "Akademisi"
    assert localized(unnamed, "name", "en") == "Asosiasi"  # blank English: the Indonesian
    assert pick("Relevansi", None, "en") == "Relevansi"
    assert pick("Relevansi", "Relevance", "en_GB") == "Relevance"
    with force_locale("en"):
        assert localized(named, "name") == "Academia"  # the current language by default
        assert language() == "en"
    with force_locale("id"):
        assert localized(named, "name") == "Akademisi"


def test_english_scale_labels_count_only_when_they_match_the_scale(app):
    full = SimpleNamespace(
        scale_labels="Rendah\nSedang\nTinggi", scale_labels_en="Low\n\nMid\nHigh"
    )
    short = SimpleNamespace(scale_labels="Rendah\nSedang\nTinggi", scale_labels_en="Low\nHigh")
    assert localized_lines(full, "scale_labels", "en") == ["Low", "Mid", "High"]
    assert localized_lines(full, "scale_labels", "id") == ["Rendah", "Sedang", "Tinggi"]
    # A half-translated scale would put labels on the wrong points: the Indonesian one shows.
    assert localized_lines(short, "scale_labels", "en") == ["Rendah", "Sedang", "Tinggi"]


def test_models_show_their_names_in_the_current_language(app):
    group = StakeholderGroup(name="Pelaku industri", name_en="Industry")
    criterion = Criterion(
        label="Kelayakan",
        label_en="Feasibility",
        description="Seberapa layak?",
        description_en="",
        scale_labels="Rendah\nTinggi",
        scale_labels_en="Low\nHigh",
    )
    with force_locale("en"):
        assert (group.display_name, criterion.display_label) == ("Industry", "Feasibility")
        assert criterion.display_description == "Seberapa layak?"
        assert criterion.labels == ["Low", "High"]
    with force_locale("id"):
        assert (group.display_name, criterion.display_label) == ("Pelaku industri", "Kelayakan")
        assert criterion.labels == ["Rendah", "Tinggi"]


def test_defaults_come_with_english_names(app, make_user):
    groups = ensure_default_groups()
    assert {g.name: g.name_en for g in groups} == DEFAULT_GROUP_NAMES_EN
    assert list(DEFAULT_GROUP_NAMES_EN) == DEFAULT_GROUPS
    consultation = plans_services.create_consultation(
        make_user(role=Role.ORGANISER), {"title": "RPIK"}
    )
    criteria = plans_services.criteria_of(consultation)
    assert [c.label_en for c in criteria] == ["Relevance", "Priority", "Feasibility"]
    with force_locale("en"):
        assert criteria[0].labels == ["Very low", "Low", "Medium", "High", "Very high"]


# --- organisers give both ------------------------------------------------------------------


def test_admin_gives_a_group_an_english_name_and_can_change_it(client, login, make_user):
    login(make_user(role=Role.ADMIN))
    response = client.post("/admin/groups", data={"name": "Media massa", "name_en": "Press"})
    assert response.status_code == 302
    group = db.session.scalar(select(StakeholderGroup).where(StakeholderGroup.name_en == "Press"))
    page = client.get("/admin/groups").get_data(as_text=True)
    assert f'name="g{group.id}-name_en"' in page and 'value="Press"' in page
    client.post(
        f"/admin/groups/{group.id}", data={f"g{group.id}-name": "Media", f"g{group.id}-name_en": ""}
    )
    db.session.refresh(group)
    assert (group.name, group.name_en) == ("Media", "")


def test_organiser_gives_a_criterion_english_name_description_and_labels(
    client, login, make_user, make_consultation
):
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser)
    login(organiser)
    cid = consultation.id
    form = client.get(f"/c/{cid}/criteria").get_data(as_text=True)
    assert 'name="label_en"' in form and 'name="scale_labels_en"' in form
    data = {
        "label": "Dampak lingkungan",
        "description": "Dampak terhadap lingkungan hidup",
        "scale_labels": "Buruk\nNetral\nBaik",
        "label_en": "Environmental impact",
        "description_en": "Impact on the environment",
        "scale_labels_en": "Bad\nNeutral\nGood",
    }
    assert client.post(f"/c/{cid}/criteria", data=data).status_code == 302
    added = db.session.scalar(select(Criterion).where(Criterion.label == "Dampak lingkungan"))
    assert (added.label_en, added.description_en, added.scale_labels_en) == (
        "Environmental impact",
        "Impact on the environment",
        "Bad\nNeutral\nGood",
    )
    edit = client.get(f"/c/{cid}/criteria/{added.id}/edit").get_data(as_text=True)
    assert "Environmental impact" in edit and "Bad\nNeutral\nGood" in edit


def test_english_labels_of_another_length_are_refused_keeping_what_was_typed(
    client, login, make_user, make_consultation
):
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser)
    login(organiser)
    data = {
        "label": "Dampak",
        "scale_labels": "Buruk\nNetral\nBaik",
        "label_en": "Impact",
        "scale_labels_en": "Bad\nGood",
    }
    response = client.post(f"/c/{consultation.id}/criteria", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 422)
    assert 'id="scale_labels_en-error"' in page and "Bad\nGood" in page and 'value="Impact"' in page
    assert db.session.scalar(select(Criterion).where(Criterion.label == "Dampak")) is None


# --- shown in the reader's language --------------------------------------------------------


@pytest.fixture
def rated(make_user, make_group, make_consultation):
    academia = make_group("Akademisi")
    academia.name_en = "Academia"
    organiser = make_user(role=Role.ORGANISER, locale="en")
    people = [make_user(group=academia, name=f"Dosen {n}", locale="en") for n in range(3)]
    consultation = make_consultation(organiser=organiser, participants=people)
    for criterion in plans_services.criteria_of(consultation):
        criterion.label_en = {"Relevansi": "Relevance", "Prioritas": "Priority"}.get(
            criterion.label, ""
        )
        criterion.scale_labels_en = "Very low\nLow\nMedium\nHigh\nVery high"
    strategy = first_strategy(consultation)
    priority = next(c for c in plans_services.criteria_of(consultation) if c.key == "priority")
    for person, value in zip(people, (4, 5, 3), strict=True):
        db.session.add(
            Rating(
                consultation_id=consultation.id,
                strategy_id=strategy.id,
                criterion_id=priority.id,
                user_id=person.id,
                group_id=academia.id,
                phase=Phase.PRE,
                value=value,
            )
        )
    db.session.add(
        Comment(
            consultation_id=consultation.id,
            strategy_id=strategy.id,
            author_id=people[0].id,
            group_id=academia.id,
            phase=Phase.PRE,
            body="Perlu laboratorium uji.",
        )
    )
    db.session.commit()
    return consultation, strategy, organiser, people


def test_participant_pages_show_english_names_in_english(client, login, rated):
    consultation, strategy, _organiser, people = rated
    login(people[1])
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/c/{consultation.id}/strategies/{strategy.id}").get_data(as_text=True)
    assert "Priority" in page and "Relevance" in page and "Very high" in page
    assert "Academia" in page
    assert "Prioritas" not in page and "Sangat tinggi" not in page and "Akademisi" not in page
    assert "Kelayakan" in page  # no English name given: the Indonesian one
    client.post("/language", data={"lang": "id"})
    page = client.get(f"/c/{consultation.id}/strategies/{strategy.id}").get_data(as_text=True)
    assert "Prioritas" in page and "Akademisi" in page and "Priority" not in page


def test_exports_use_the_exports_language(app, rated):
    consultation, _strategy, organiser, _people = rated
    with force_locale("en"):
        result = run_export("csv", consultation, ExportFilters(), organiser)
    with zipfile.ZipFile(result.path) as archive:
        tables = {
            name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
            for name in archive.namelist()
        }
    result.path.unlink()
    cells = {cell for rows in tables.values() for row in rows for cell in row}
    assert {"Priority", "Academia"} <= cells
    assert not {"Prioritas", "Akademisi"} & cells
    with force_locale("id"):
        result = run_export("csv", consultation, ExportFilters(), organiser)
    with zipfile.ZipFile(result.path) as archive:
        text_id = " ".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    result.path.unlink()
    assert "Prioritas" in text_id and "Akademisi" in text_id and "Academia" not in text_id


def test_documents_use_the_documents_language_not_the_requests(app, rated):
    consultation, _strategy, _organiser, _people = rated

    def words(lang):
        document = build_rekapitulasi(consultation, RekapOptions(lang=lang))
        word = WordDocument(io.BytesIO(render_docx(document)))
        cells = [cell.text for table in word.tables for row in table.rows for cell in row.cells]
        return " ".join([p.text for p in word.paragraphs] + cells)

    with app.test_request_context():
        session["lang"] = "id"  # the reader's language does not decide the document's
        english = words("en")
    assert "Priority" in english and "Academia" in english
    assert "Prioritas" not in english and "Akademisi" not in english
    indonesian = words("id")
    assert "Prioritas" in indonesian and "Akademisi" in indonesian


def test_audit_trail_names_rated_criteria_in_the_readers_language(app, rated):
    consultation, _strategy, _organiser, _people = rated
    priority = next(c for c in plans_services.criteria_of(consultation) if c.key == "priority")
    from consult.moderation.services import criterion_names_for

    event = SimpleNamespace(data={"values": {str(priority.id): 4}})
    with force_locale("en"):
        rows = audit_details("rating.set", event.data, criterion_names_for([event]))
        assert any("Priority: 4" in text for _label, text in rows)
    with force_locale("id"):
        assert criterion_names_for([event]) == {priority.id: "Prioritas"}


# --- the migration -------------------------------------------------------------------------


def test_migration_adds_english_names_to_the_defaults_and_goes_back(scratch_app):
    upgrade(revision="0014_jobs")
    run_sql(
        scratch_app,
        "INSERT INTO stakeholder_group (id, name, position, active) VALUES "
        "(1, 'Akademisi', 1, 1), (2, 'Perguruan Tinggi', 2, 1)",
    )
    upgrade(revision="0015_bilingual")
    assert run_sql(scratch_app, "SELECT name, name_en FROM stakeholder_group ORDER BY id") == [
        ("Akademisi", "Academia"),
        ("Perguruan Tinggi", ""),
    ]
    english = {"label_en", "description_en", "scale_labels_en"}
    assert english <= table_columns(scratch_app, "criterion")
    downgrade(revision="0014_jobs")
    assert "name_en" not in table_columns(scratch_app, "stakeholder_group")
    assert "label_en" not in table_columns(scratch_app, "criterion")
    assert run_sql(scratch_app, "SELECT name FROM stakeholder_group ORDER BY id") == [
        ("Akademisi",),
        ("Perguruan Tinggi",),
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/c/{c}/participants",
        "/moderation?consultation={c}",
        "/c/{c}/export",
    ],
)
def test_group_choices_in_organisers_filters_and_forms_are_in_english(
    client, login, rated, path
):
    consultation, strategy, organiser, _people = rated
    login(organiser)
    client.post("/language", data={"lang": "en"})
    page = client.get(path.format(c=consultation.id, s=strategy.id)).get_data(as_text=True)
    options = re.findall(r"<option[^>]*>([^<]*)</option>", page)
    assert any("Academia" in option for option in options), options
    assert not any("Akademisi" in option for option in options), options
