"""Retention: people are anonymised once their retention period has passed since their last
activity, and old access-log events are dropped (``flask --app app purge-expired``).

A person's last activity is the latest of their registration, an edit of their record, a
consent given or withdrawn, a case opened, closed or contacted, a case note, an assessment, and
what packages above this one plug in (a visit, a referral): :data:`person_activity`.
Anonymising removes what identifies the person (name, resident number, phone, street address,
birth day and month) and the free text written about them; the rows stay, so the counts of
past reports do not change.

Access-log events are dropped as a prefix of the hash chain (core.audit.drop_prefix), so the
chain stays verifiable, and never an account or rights event younger than the access-rights
retention (three years).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

import click
import sqlalchemy as sa
from flask import Flask, current_app

from cases.models import (
    Assessment,
    Case,
    CaseEvent,
    CaseNote,
    CaseNoteRevision,
    Client,
    ClientLink,
    Consent,
)
from core import audit
from core.extensions import db
from core.hooks import Hook
from core.types import utcnow

ERASED = "(보존기간 경과로 파기)"
RIGHTS_ACTIONS = ("account.", "auth.")  # access-rights history: kept at least three years
# Packages above this one add their part: selects of (client_id, at) rows of the activity
# they keep, and a function erasing the text they keep about given people.
person_activity: Hook[Callable[[], list[sa.Select]]] = Hook("cases.person_activity")
person_erasure: Hook[Callable[[list[int]], None]] = Hook("cases.person_erasure")


def years_before(moment: datetime, years: int) -> datetime:
    """The same instant ``years`` calendar years earlier (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def _own_activity() -> list[sa.Select]:
    return [
        sa.select(Client.id, Client.created_at),
        sa.select(Client.id, Client.updated_at),
        sa.select(Consent.client_id, Consent.recorded_at),
        sa.select(Consent.client_id, Consent.withdrawn_at),
        sa.select(Case.client_id, Case.opened_at),
        sa.select(Case.client_id, Case.closed_at),
        sa.select(Case.client_id, Case.last_contact_at),
        sa.select(Case.client_id, CaseNote.created_at).join(CaseNote, CaseNote.case_id == Case.id),
        sa.select(Case.client_id, Assessment.created_at)
        .join(Assessment, Assessment.case_id == Case.id),
    ]


def expired_people(cutoff: datetime) -> list[int]:
    """People not yet anonymised whose last activity was before ``cutoff``."""
    selects = _own_activity() + [
        select for activity in person_activity.functions() for select in activity()]
    activity = sa.union_all(*selects).subquery()
    client_id, at = activity.c[0], activity.c[1]
    last = (sa.select(client_id.label("client_id"), sa.func.max(at).label("last"))
            .group_by(client_id).subquery())
    return list(db.session.scalars(
        sa.select(Client.id).join(last, last.c.client_id == Client.id)
        .where(Client.anonymised_at.is_(None), last.c.last < cutoff).order_by(Client.id)))


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def anonymise(client_ids: list[int]) -> None:
    """Erase what identifies these people and the text written about them; one audit event
    each (the access log keeps that it happened, not what was erased)."""
    now = utcnow()
    for chunk in _chunks(client_ids):
        for client in db.session.scalars(sa.select(Client).where(Client.id.in_(chunk))):
            client.name, client.name_initials = ERASED[:50], ""
            client.search_grams = []  # the erased name is found by no search
            client.birth_date = date(client.birth_date.year, 1, 1)
            client.phone, client.address_detail = None, ""
            client.rrn_encrypted = client.rrn_hash = None
            client.anonymised_at = now
            client.version += 1
            audit.record("client.anonymised", subject=client, client_id=client.id,
                         centre_id=client.centre_id)
        cases = sa.select(Case.id).where(Case.client_id.in_(chunk)).scalar_subquery()
        db.session.execute(sa.update(Case).where(Case.client_id.in_(chunk))
                           .values(summary="", closure_note=""))
        db.session.execute(sa.update(CaseNote).where(CaseNote.case_id.in_(cases)).values(body=ERASED))
        db.session.execute(sa.update(CaseNoteRevision).where(
            CaseNoteRevision.note_id.in_(sa.select(CaseNote.id).where(CaseNote.case_id.in_(cases))))
            .values(body=ERASED))
        db.session.execute(sa.update(Assessment).where(Assessment.case_id.in_(cases)).values(notes=""))
        db.session.execute(sa.update(CaseEvent).where(CaseEvent.case_id.in_(cases)).values(note=""))
        db.session.execute(sa.update(Consent).where(Consent.client_id.in_(chunk))
                           .values(withdrawal_note="", signature_png=None))
        db.session.execute(sa.update(ClientLink).where(sa.or_(
            ClientLink.client_id.in_(chunk), ClientLink.other_client_id.in_(chunk))).values(reason=""))
        for erase in person_erasure.functions():
            erase(chunk)
    db.session.flush()


@dataclass
class Purge:
    people: list[int]
    person_cutoff: datetime
    log_rows: int
    log_cutoff: datetime
    applied: bool


def purge(*, apply: bool) -> Purge:
    """Find (and with ``apply`` anonymise and drop) what is past its retention; the run itself
    is an audit event either way. The caller commits."""
    settings = current_app.config
    log_years = settings["ACCESS_LOG_RETENTION_YEARS"]
    if log_years < 2:
        raise click.UsageError(
            "ACCESS_LOG_RETENTION_YEARS는 2년 이상이어야 합니다 (안전성 확보조치 기준 제8조).")
    now = utcnow()
    person_cutoff = years_before(now, settings["PERSON_RETENTION_YEARS"])
    log_cutoff = years_before(now, log_years)
    rights_cutoff = years_before(now, max(3, log_years))
    people = expired_people(person_cutoff)
    keep_from = audit.first_kept(log_cutoff, RIGHTS_ACTIONS, rights_cutoff)
    if apply:
        anonymise(people)
        dropped = audit.drop_prefix(keep_from, cutoff=log_cutoff)
    else:
        dropped = audit.prefix_size(keep_from)
    audit.record("retention.purged" if apply else "retention.checked", detail={
        "people": len(people), "access_log_rows": dropped,
        "person_cutoff": person_cutoff.isoformat(), "log_cutoff": log_cutoff.isoformat()})
    return Purge(people, person_cutoff, dropped, log_cutoff, apply)


@click.command("purge-expired")
@click.option("--apply", is_flag=True, help="Anonymise and drop; without it, only report.")
def purge_expired_command(apply: bool) -> None:
    """Anonymise people and drop access-log events past their retention (a dry run unless
    --apply)."""
    result = purge(apply=apply)
    db.session.commit()
    verb = "처리했습니다" if apply else "대상입니다 (--apply로 실행)"
    click.echo(f"보존기간이 지난 사람 {len(result.people)}명 "
               f"(마지막 활동 {result.person_cutoff:%Y-%m-%d} 이전), "
               f"접속기록 {result.log_rows}건 ({result.log_cutoff:%Y-%m-%d} 이전): {verb}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(purge_expired_command)
