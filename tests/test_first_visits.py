"""``first_visits``: each person's first visit day at a centre, kept in the same transaction
as every visit written. Whatever happens (registrations at the desk, visits written with an
earlier day, visitors leaving, the retention purge, the synthetic bulk load) it agrees with a
recomputation from the visits, and the reports' first-time figure with its definition."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from test_retention import backdate

from centers.models import AgencyKind
from core.clock import local_today
from core.extensions import db
from core.roles import Role
from factories import make_agency, make_centre, make_client, make_staff, make_visit
from intake.models import FirstVisit, Visit, VisitStatus
from reports import figures
from reports.periods import Month, Span


def kept() -> set[tuple]:
    return set(db.session.execute(
        sa.select(FirstVisit.centre_id, FirstVisit.client_id, FirstVisit.first_date)).all())


def recomputed() -> set[tuple]:
    return set(db.session.execute(
        sa.select(Visit.centre_id, Visit.client_id, sa.func.min(Visit.visit_date))
        .where(Visit.client_id.is_not(None))
        .group_by(Visit.centre_id, Visit.client_id)).all())


def first_time_by_definition(centre_id: int, span: Span) -> int:
    """People with a visit in the span and none at the centre before it (the figure's
    definition, counted from the visits themselves)."""
    earlier = sa.orm.aliased(Visit)
    return db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Visit.client_id)))
        .where(Visit.centre_id == centre_id, Visit.visit_date >= span.first,
               Visit.visit_date < span.end, Visit.client_id.is_not(None),
               ~sa.exists().where(earlier.client_id == Visit.client_id,
                                  earlier.centre_id == Visit.centre_id,
                                  earlier.visit_date < span.first)))


def written_visit(centre, person, day) -> Visit:
    """A visit written straight into the table with its own day (as the report tests do)."""
    desk = make_staff(Role.FRONT_DESK, centre=centre)
    visit = Visit(centre_id=centre.id, client_id=person.id, visit_date=day,
                  ticket_number=f"T-{day:%m%d}", status=VisitStatus.DONE,
                  registered_by_id=desk.id)
    db.session.add(visit)
    db.session.commit()
    return visit


def test_kept_with_registrations_earlier_days_and_visitors_leaving(client, login_as):
    centre = make_centre(code="namyangju")
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT)
    other = make_centre(code="guri")
    other_jobs = make_agency(other, AgencyKind.EMPLOYMENT)
    kim, lee = make_client(centre, name="김처음"), make_client(centre, name="이다시")
    park = make_client(other, name="박구리")
    login_as(Role.FRONT_DESK, centre=centre)
    form = {"purposes": [jobs.kind.domain.value], "desk_1": jobs.id, "desk_2": 0, "desk_3": 0,
            "desk_4": 0, "party_size": 1, "note": ""}
    for person in (kim, lee, kim):
        assert client.post(f"/intake/people/{person.id}/visits/new", data=form).status_code == 302
    make_visit(centre, [jobs])  # anonymous: nobody's first visit
    make_visit(other, [other_jobs], client=park)
    today = local_today()
    assert kept() == recomputed() == {(centre.id, kim.id, today), (centre.id, lee.id, today),
                                      (other.id, park.id, today)}
    # A visit written with an earlier day moves the first day back; a later one does not.
    written_visit(centre, lee, today - timedelta(days=40))
    written_visit(centre, kim, today + timedelta(days=1))
    assert (centre.id, lee.id, today - timedelta(days=40)) in kept()
    assert kept() == recomputed()
    # A visitor who leaves before being called still came.
    visit = db.session.scalar(sa.select(Visit).where(Visit.client_id == kim.id,
                                                     Visit.visit_date == today))
    client.post(f"/intake/visits/{visit.id}/leave", data={"version": visit.version})
    assert kept() == recomputed()
    # The figure and the list behind it read the table: the same as the definition.
    for span in (Span.day(today), Month.of(today).span,
                 Month.of(today - timedelta(days=40)).span):
        assert figures.first_time_people([centre.id], span).get(centre.id, 0) \
            == first_time_by_definition(centre.id, span)
    listed = set(db.session.scalars(figures.first_visit_ids([centre.id], Span.day(today))))
    assert listed == {kim.id}


def test_the_retention_purge_keeps_it_in_step(app, runner):
    centre = make_centre(code="namyangju")
    jobs = make_agency(centre, AgencyKind.EMPLOYMENT)
    old, recent = make_client(centre, name="오래된"), make_client(centre, name="최근")
    make_visit(centre, [jobs], client=old)
    make_visit(centre, [jobs], client=recent)
    backdate(old, 6)
    before = kept()
    result = runner.invoke(args=["purge-expired", "--apply"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert kept() == recomputed() == before


def test_the_synthetic_load_writes_it(runner, client):
    result = runner.invoke(args=["seed-synthetic", "--people", "80", "--visits", "500",
                                 "--years", "1", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert kept() == recomputed() and len(kept()) > 0
    centre_id = db.session.scalar(sa.select(Visit.centre_id).limit(1))
    today = local_today()
    for month in (Month.of(today), Month.of(today).previous(), Month.of(today - timedelta(days=200))):
        assert figures.first_time_people([centre_id], month.span).get(centre_id, 0) \
            == first_time_by_definition(centre_id, month.span)
