"""A synthetic history at a real centre's volume, written straight into the database.

``seed-synthetic`` makes centres (agencies, staff, consent texts) through the models, then
streams years of activity into the tables in bulk (:mod:`perf.bulk`): people with customer
types and consents, visits with their desk plan, waits and ticket numbers, cases with
assessments, goals and notes, referrals with their state history, notifications and the
audit events the services would have written.

How it stays fast and small: every choice about visits is drawn up front into numpy arrays
(a few bytes per visit); rows are then made in three streaming passes and written in chunks:

1. people (in registration order, so ids grow with time) with their consents;
2. visits in time order (ids, ticket numbers and table order follow arrival, as at a real
   desk), with their stops and purposes;
3. per person: the cases opened at their visits, their notes, assessments and goals, the
   referrals sent from them and the cases those open at the receiving agency.

How it stays consistent: times are built on the centre's calendar (Seoul working days from
:mod:`core.clock`, public holidays skipped) as a working day and seconds after 09:00; nothing
happens after now, and a step planned later than now has simply not happened yet (a
referral sent this morning is still "sent"). Today is always a full working day, squeezed
before now when the command runs early, so the daily pages have a real day to show. One
person has at most one open case per agency and one open referral per receiving agency;
ticket numbers run per centre, day and desk letter. Resident numbers are encrypted and hashed
with the app's own cipher. Per-desk calls (``visit.call/start/finish``) are not written to
the audit trail: they would triple it without telling the reports anything.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import sqlalchemy as sa

from cases import demo_texts as texts
from cases.consent_texts import DEFAULT_TEXTS, RECIPIENT_DEFAULT
from cases.demo_people import FOREIGN_BORN_NAMES, GIVEN_NAMES, PERSONAS, STREETS, SURNAMES
from cases.identity import initials, search_grams
from cases.models import (
    ClosureReason,
    ConsentDocument,
    ConsentDocumentRecipient,
    ConsentKind,
    Level,
    NeedDomain,
)
from catalogue.models import CustomerType
from centers.accounts import hash_password
from centers.models import Addon, Agency, AgencyKind, Centre, CentreAddon, Sex, Staff
from core import audit
from core.clock import local_day_bounds, local_today
from core.crypto import cipher
from core.extensions import db
from core.holidays import holiday_days
from core.roles import Role
from core.types import utcnow
from core.working_time import add_working_hours
from intake.models import FirstVisit, Visit
from perf.bulk import BulkWriter
from perf.scale import TINY, Scale  # noqa: F401 (TINY: part of this module's interface)
from referrals.demo import CANCEL_NOTES, COMPLETE_NOTES, DECLINE_NOTES, REASONS
from referrals.models import DeclineReason, Outcome, ReferralStatus

K = AgencyKind
DEMO_PASSWORD = "demo-pass-2026"

#: (kind, desk, caseworkers) of every synthetic centre; culture is its add-on.
AGENCIES = [
    (K.EMPLOYMENT, "고용센터", "1층 1~6번 창구", 6),
    (K.WELFARE, "복지지원팀", "1층 7~9번 창구", 5),
    (K.SELF_SUPPORT, "지역자활센터", "2층 상담실", 3),
    (K.WOMEN, "여성새로일하기센터", "2층 3번 창구", 2),
    (K.FINANCE, "서민금융 상담창구", "1층 10번 창구", 2),
    (K.CULTURE, "문화누리 안내창구", "1층 안내데스크 옆", 2),
]
DESK_STAFF = 29
PLACES = [("경기도", "화성시"), ("경기도", "평택시"), ("충청남도", "천안시"), ("경상남도", "김해시"),
          ("전라북도", "전주시"), ("경상북도", "구미시"), ("강원특별자치도", "원주시"),
          ("충청북도", "청주시"), ("전라남도", "순천시"), ("경기도", "파주시")]
TOWNS = ["중앙동", "신도심동", "동부동", "서부동", "남산동", "북문동", "새터동", "역전동", "읍내동",
         "산업단지동"]

WORK_SECONDS = 9 * 3600  # 09:00–18:00
OPENING = 9 * 3600
#: Arrivals per working hour from 09:00, relative: a morning peak, lunch, an afternoon peak.
HOUR_WEIGHTS = np.array([1.3, 1.7, 1.35, 0.6, 1.0, 1.45, 1.2, 0.9, 0.5])
#: Visits by weekday, Monday first: Mondays are the busiest.
WEEKDAY_WEIGHTS = np.array([1.06, 1.02, 1.0, 0.98, 0.96, 0.0, 0.0])
ANONYMOUS_SHARE = 0.02
SECOND_DESK_SHARE = 0.22
LEFT_SHARE = 0.03
RRN_SHARE = 0.2
#: Per-history rates at the default scale (1,000,000 visits): cases ≈ 0.159, referrals 0.1,
#: notes ≈ 0.96 per visit.
CASE_CHANCE = 0.24
REFERRALS_PER_CASE = 1.3  # mean tries per case; some find no agency to go to
NOTES_PER_CASE = 6.0
HEAVY_CASES_PER_10K = 1  # cases with hundreds of notes, at least two per centre
BLOCK = 20_000  # visits per written chunk


def seed_synthetic(scale: Scale, progress: Callable[[int], object] | None = None) -> dict[str, int]:
    """Add ``scale.centres`` centres with their history; return rows written per table."""
    if scale.centres < 1 or scale.people < 1 or scale.visits < 0 or scale.years < 1:
        raise ValueError("centres, people and years must be positive")
    calendar = Calendar.build(scale.years)
    password_hash = hash_password(DEMO_PASSWORD)
    setups = [_make_centre(number, calendar, password_hash) for number in _free_numbers(scale.centres)]
    if not db.session.scalar(sa.select(Staff.id).where(Staff.username == "synth-admin")):
        db.session.add(Staff(username="synth-admin", display_name="합성 관리자", role=Role.ADMIN,
                             password_hash=password_hash, must_change_password=False))
    db.session.commit()
    writer = BulkWriter()
    ids = {table: writer.next_id(table) for table in ID_TABLES}
    for index, setup in enumerate(setups):
        people = scale.people // scale.centres + (index < scale.people % scale.centres)
        visits = scale.visits // scale.centres + (index < scale.visits % scale.centres)
        history = CentreHistory(setup, calendar, writer, ids, people, visits,
                                np.random.default_rng([scale.seed, index]), progress)
        history.run()
    writer.finish(ID_TABLES)
    writer.counts["first_visits"] = _first_visits([setup.centre_id for setup in setups])
    return writer.counts


def _first_visits(centre_ids: list[int]) -> int:
    """Fill ``first_visits`` for the new centres from their visits, as migration 0025 does for
    visits already stored (the bulk load bypasses the ORM hook that keeps it)."""
    earliest = (sa.select(Visit.centre_id, Visit.client_id, sa.func.min(Visit.visit_date))
                .where(Visit.centre_id.in_(centre_ids), Visit.client_id.is_not(None))
                .group_by(Visit.centre_id, Visit.client_id))
    db.session.execute(sa.insert(FirstVisit).from_select(
        ["centre_id", "client_id", "first_date"], earliest))
    db.session.execute(sa.text("ANALYZE first_visits"))
    db.session.commit()
    # Counted, not the insert's rowcount: psycopg reports -1 for an INSERT … SELECT here.
    return db.session.scalar(sa.select(sa.func.count()).select_from(FirstVisit)
                             .where(FirstVisit.centre_id.in_(centre_ids)))


UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # the loader counts instants in seconds from it
ID_TABLES = ["clients", "consents", "visits", "visit_stops", "cases", "case_events", "assessments",
             "plan_goals", "case_notes", "case_note_revisions", "referrals", "referral_events",
             "notifications", "audit_events"]


# --- the calendar ------------------------------------------------------------------------

@dataclass
class Calendar:
    """Seoul working days of the history, today last (always treated as a working day)."""

    days: list[date]
    starts: np.ndarray  # UTC epoch of each day's local midnight
    weekdays: np.ndarray
    now: int
    holidays: set[date]

    @classmethod
    def build(cls, years: int) -> Calendar:
        today = local_today()
        holidays = holiday_days()
        day, days = today - timedelta(days=365 * years), []
        while day < today:
            if day.weekday() < 5 and day not in holidays:
                days.append(day)
            day += timedelta(days=1)
        days.append(today)
        starts = np.array([int(local_day_bounds(d)[0].timestamp()) for d in days], dtype=np.int64)
        weekdays = np.array([d.weekday() for d in days], dtype=np.int64)
        return cls(days, starts, weekdays, int(utcnow().timestamp()), holidays)

    @property
    def today(self) -> int:
        return len(self.days) - 1

    def epoch(self, day: int, second: int) -> int:
        """The instant ``second`` seconds of working time after 09:00 on working day ``day``;
        later seconds run on into the next working days. What would lie after now is
        ``now + 1``: it has not happened yet."""
        day, second = day + second // WORK_SECONDS, second % WORK_SECONDS
        if day > self.today:
            return self.now + 1
        moment = int(self.starts[day]) + OPENING + second
        return moment if moment < self.now else self.now + 1

    def local_date(self, epoch: int) -> date:
        """The Seoul calendar day of an instant of the history."""
        return self.days[int(np.searchsorted(self.starts, epoch, side="right")) - 1]


# --- the centre, its agencies and staff (through the models) -----------------------------

@dataclass
class CentreSetup:
    number: int
    centre_id: int
    sigungu: str
    agencies: list[tuple[int, AgencyKind, str]]  # (id, kind, name)
    caseworkers: list[list[tuple[int, str]]]  # per agency index: (staff id, username)
    desk: list[tuple[int, str]]
    manager: tuple[int, str]
    documents: dict[ConsentKind, int]
    customer_types: set[str]


def _free_numbers(count: int) -> list[int]:
    taken = set(db.session.scalars(sa.select(Centre.code).where(Centre.code.like("synth-%"))))
    numbers, number = [], 1
    while len(numbers) < count:
        if f"synth-{number:03d}" not in taken:
            numbers.append(number)
        number += 1
    return numbers


def _make_centre(number: int, calendar: Calendar, password_hash: str) -> CentreSetup:
    sido, sigungu = PLACES[(number - 1) % len(PLACES)]
    code = f"synth-{number:03d}"
    opened = _instant(int(calendar.starts[0]) + 8 * 3600)
    centre = Centre(
        code=code, name=f"{sigungu} 고용복지+센터 (합성 {number})", sido=sido, sigungu=sigungu,
        address=f"{sido} {sigungu} 중앙로 {number}", phone=f"1350-{number:04d}",
        opened_on=calendar.days[0], rrn_enabled=True,
        rrn_legal_basis="고용보험법 시행령 제145조의2 (합성 데이터)", created_at=opened)
    centre.addon_rows = [CentreAddon(addon=Addon.CULTURE, enabled_at=opened)]
    centre.agencies = [Agency(kind=kind, name=f"{sigungu} {name}", desk_location=desk)
                       for kind, name, desk, _count in AGENCIES]
    db.session.add(centre)
    db.session.flush()

    def staff(username: str, name: str, role: Role, agency_id: int | None) -> tuple[int, str]:
        member = Staff(username=username, display_name=name, role=role,
                       password_hash=password_hash, centre_id=centre.id, agency_id=agency_id,
                       must_change_password=False, created_at=opened)
        db.session.add(member)
        db.session.flush()
        return member.id, username

    manager = staff(f"{code}-manager", f"센터장{number}", Role.MANAGER, None)
    desk = [staff(f"{code}-desk{i:02d}", f"안내{i:02d}", Role.FRONT_DESK, None)
            for i in range(1, DESK_STAFF + 1)]
    caseworkers = [
        [staff(f"{code}-{kind.value}{i:02d}", f"{kind.label[:2]}{i:02d}", Role.CASEWORKER, agency.id)
         for i in range(1, count + 1)]
        for agency, (kind, _name, _desk, count) in zip(centre.agencies, AGENCIES, strict=True)
    ]
    documents = {}
    for kind in ConsentKind:
        document = ConsentDocument(centre_id=centre.id, kind=kind, version=1,
                                   created_by_id=manager[0], created_at=opened,
                                   **DEFAULT_TEXTS[kind])
        if kind == ConsentKind.THIRD_PARTY:
            document.recipients = [ConsentDocumentRecipient(agency_id=a.id, **RECIPIENT_DEFAULT)
                                   for a in centre.agencies]
        db.session.add(document)
        db.session.flush()
        documents[kind] = document.id
    return CentreSetup(
        number=number, centre_id=centre.id, sigungu=sigungu,
        agencies=[(a.id, a.kind, a.name) for a in centre.agencies], caseworkers=caseworkers,
        desk=desk, manager=manager, documents=documents,
        customer_types=set(db.session.scalars(sa.select(CustomerType.code))))


# --- the history of one centre -----------------------------------------------------------

COLUMNS = {
    "clients": ("id", "centre_id", "name", "name_initials", "birth_date", "sex", "phone",
                "address_sigungu", "address_detail", "household_size", "rrn_encrypted",
                "rrn_hash", "created_at", "created_by_id", "updated_at", "version"),
    "client_search_grams": ("centre_id", "gram", "client_id"),
    "client_customer_types": ("client_id", "customer_type_code"),
    "consents": ("id", "client_id", "document_id", "method", "given_on", "expires_on",
                 "recorded_at", "recorded_by_id", "withdrawn_at", "withdrawn_by_id",
                 "withdrawal_note"),
    "consent_agencies": ("consent_id", "agency_id"),
    "visits": ("id", "centre_id", "client_id", "party_size", "visit_date", "ticket_number",
               "status", "note", "arrived_at", "finished_at", "registered_by_id", "version"),
    "visit_purposes": ("visit_id", "domain"),
    "visit_stops": ("id", "visit_id", "agency_id", "position", "status", "queued_at",
                    "called_at", "started_at", "finished_at", "served_by_id"),
    "ticket_counters": ("centre_id", "day", "prefix", "last_number"),
    "cases": ("id", "centre_id", "client_id", "agency_id", "caseworker_id", "priority", "summary",
              "status", "opened_at", "closed_at", "closure_reason", "closure_note",
              "follow_up_on", "last_contact_at", "opened_from_visit_id", "first_assessment_at",
              "first_goal_at", "status_changed_at", "version"),
    "case_events": ("id", "case_id", "at", "actor_id", "from_status", "to_status", "note"),
    "assessments": ("id", "case_id", "assessed_on", "ratings", "crisis_level", "notes",
                    "author_id", "created_at"),
    "plan_goals": ("id", "case_id", "domain", "description", "target_date", "service_name",
                   "service_id", "status", "created_at", "created_by_id", "updated_at"),
    "case_notes": ("id", "case_id", "kind", "body", "is_confidential", "author_id", "agency_id",
                   "created_at", "updated_at", "version"),
    "case_note_revisions": ("id", "note_id", "version", "kind", "body", "is_confidential",
                            "edited_by_id", "edited_at"),
    "referrals": ("id", "centre_id", "client_id", "from_case_id", "from_agency_id",
                  "to_agency_id", "service_id", "reason", "needs", "urgency",
                  "contact_preference", "status", "sent_by_id", "sent_at", "due_at",
                  "received_at", "responded_at", "assigned_to_id", "to_case_id",
                  "decline_reason", "outcome", "closing_note", "closed_at", "resent_from_id",
                  "version"),
    "referral_events": ("id", "referral_id", "at", "actor_id", "from_status", "to_status", "note"),
    "notifications": ("id", "staff_id", "kind", "referral_id", "message", "created_at", "read_at"),
    "audit_events": ("id", "at", "staff_id", "username", "ip", "request_id", "centre_id",
                     "action", "subject_type", "subject_id", "client_id", "detail",
                     "prev_hash", "chain_hash"),
}
#: Parents before children: PostgreSQL checks each foreign key as the row arrives.
WRITE_ORDER = list(COLUMNS)


class CentreHistory:
    """Draws and writes one centre's history; see the module docstring for the passes."""

    CHUNK = 4000  # people per written chunk in the person passes

    def __init__(self, setup: CentreSetup, calendar: Calendar, writer: BulkWriter,
                 ids: dict[str, int], people: int, visits: int, rng: np.random.Generator,
                 progress: Callable[[int], object] | None) -> None:
        self.s, self.cal, self.w, self.ids = setup, calendar, writer, ids
        self.n, self.v, self.rng = people, visits, rng
        self.progress = progress or (lambda _n: None)
        self.rows: dict[str, list[tuple]] = {table: [] for table in COLUMNS}
        self.kind_index = {kind: i for i, (_id, kind, _name) in enumerate(setup.agencies)}
        self.ip = {}
        for i, (staff_id, username) in enumerate(
                [setup.manager, *setup.desk, *[c for cws in setup.caseworkers for c in cws]]):
            self.ip[staff_id] = (username, f"10.{setup.number % 250}.{1 + i // 200}.{10 + i % 200}")

    # --- ids, rows and audit ---------------------------------------------------------------

    def next(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def audit(self, at: int, staff_id: int, action: str, subject_type: str | None,
              subject_id: int | None, client_id: int | None, detail: dict | str) -> None:
        """One audit event as the service would record it; ``detail`` may come as JSON text
        already (the millions of visit and note events are formatted directly)."""
        username, ip = self.ip[staff_id]
        text = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)
        # Chained as core.audit chains events written through the ORM, in id order.
        prev = self.w.audit_chain
        self.w.audit_chain = audit.chain_of(prev, audit.content(
            UNIX_EPOCH + timedelta(seconds=at), staff_id, username, ip, None, self.s.centre_id,
            action, subject_type, subject_id, client_id, json.loads(text)))
        self.rows["audit_events"].append((
            self.next("audit_events"), self.w.ts(at), staff_id, username, ip, None,
            self.s.centre_id, action, subject_type, subject_id, client_id, text,
            prev, self.w.audit_chain))

    def flush(self) -> None:
        for table in WRITE_ORDER:
            if self.rows[table]:
                self.w.write(table, COLUMNS[table], self.rows[table])
                self.rows[table] = []
        self.w.commit()

    def run(self) -> None:
        self.draw()
        self.write_people()
        self.write_visits()
        self.write_casework()

    # --- drawing every visit up front -----------------------------------------------------

    def draw(self) -> None:
        rng, cal, n = self.rng, self.cal, self.n
        days = cal.today + 1
        day_weights = WEEKDAY_WEIGHTS[cal.weekdays]
        day_p = day_weights / day_weights.sum()
        anonymous = round(self.v * ANONYMOUS_SHARE) if self.v >= 2 * n else 0
        named = self.v - anonymous
        # Visits per person: everyone comes once to register, some come back many times.
        if named >= n:
            mean_extra = named / n - 1
            counts = 1 + rng.negative_binomial(0.6, 0.6 / (0.6 + mean_extra), n) if mean_extra else \
                np.ones(n, dtype=np.int64)
            diff = named - int(counts.sum())
            if diff > 0:
                np.add.at(counts, rng.integers(0, n, diff), 1)
            while diff < 0:
                candidates = np.flatnonzero(counts > 1)
                take = rng.choice(candidates, min(-diff, len(candidates)), replace=False)
                counts[take] -= 1
                diff += len(take)
        else:
            counts = np.zeros(n, dtype=np.int64)
            counts[rng.choice(n, named, replace=False)] = 1
        person = np.repeat(np.arange(n), counts)
        # Each person comes within a stretch of the history about a month per visit long; the
        # stretches wrap around the end of the history, so every working day gets the same
        # share of visits (a real centre's daily volume is flat, not growing with the data).
        stretch = np.minimum(days, 1 + counts * 22)
        first_of = rng.integers(0, days, n)
        offset = (rng.random(len(person)) * stretch[person]).astype(np.int64)
        day = (first_of[person] + offset) % days
        # Visits lean to the start of the week, like the desk's Mondays.
        thin = rng.random(len(day)) > day_weights[day] / day_weights.max()
        day[thin] = np.maximum(0, day[thin] - cal.weekdays[day[thin]])
        # Anonymous visitors: purpose and counts only.
        person = np.concatenate([person, np.full(anonymous, -1)])
        day = np.concatenate([day, rng.choice(days, anonymous, p=day_p)])
        second = self._arrival_seconds(len(day))
        arrival = cal.starts[day] + OPENING + second
        today = day == cal.today
        if today.any():
            arrival[today] = self._today_arrivals(second[today])
        # People are numbered in the order they registered (at their first visit).
        first_arrival = np.full(n, np.iinfo(np.int64).max)
        named_mask = person >= 0
        np.minimum.at(first_arrival, person[named_mask], arrival[named_mask])
        never = first_arrival == np.iinfo(np.int64).max
        if never.any():  # registered without a visit
            d = rng.choice(days, never.sum(), p=day_p)
            first_arrival[never] = np.minimum(
                cal.starts[d] + OPENING + self._arrival_seconds(never.sum()), cal.now - 120)
        registration = first_arrival - 90 - rng.integers(0, 60, n)
        by_registration = np.argsort(registration, kind="stable")
        rank = np.empty(n, dtype=np.int64)
        rank[by_registration] = np.arange(n)
        self.registered_at = registration[by_registration]
        person = np.where(person >= 0, rank[np.maximum(person, 0)], -1)
        # Visits in arrival order: their ids, ticket numbers and table order follow it.
        order = np.argsort(arrival, kind="stable")
        self.visit_person = person[order]
        self.visit_day = day[order]
        self.visit_arrival = arrival[order]
        # Who each person is.
        weights = np.array([p.weight for p in PERSONAS], dtype=float)
        self.persona = rng.choice(len(PERSONAS), n, p=weights / weights.sum()).tolist()
        self.u = rng.random((n, 8)).tolist()  # per-person choices: sex, age, name, sharing, rrn …

    def _arrival_seconds(self, size: int) -> np.ndarray:
        hour = self.rng.choice(len(HOUR_WEIGHTS), size, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
        return hour * 3600 + self.rng.integers(0, 3600, size)

    def _today_arrivals(self, seconds: np.ndarray) -> np.ndarray:
        """Today's visitors all arrived before now: the day is squeezed into the hours
        before now when the command runs before closing time."""
        cal = self.cal
        start = int(cal.starts[cal.today])
        close = start + OPENING + WORK_SECONDS
        if cal.now - 600 >= close:
            return start + OPENING + seconds
        # Open for an hour or more: the day runs from opening; earlier, the last hours.
        opening = start + OPENING
        begin = opening if cal.now - 3600 >= opening else max(start, cal.now - 4 * 3600)
        end = cal.now - 120
        return begin + (seconds * (end - begin) // WORK_SECONDS)

    # --- pass 1: people and their consents -------------------------------------------------

    def write_people(self) -> None:
        s, w = self.s, self.w
        today = self.cal.days[-1]
        names_cache: dict[str, tuple[str, list[str]]] = {}
        surnames = SURNAMES
        rrn_seen: set[str] = set()
        crypt = cipher()
        self.client_base = self.ids["clients"]
        self.sharing: list[tuple[int, ...]] = []
        self.needs: list[tuple[int, ...]] = []
        all_agencies = tuple(range(len(s.agencies)))
        towns = TOWNS
        for i in range(self.n):
            u = self.u[i]
            persona = PERSONAS[self.persona[i]]
            sex = persona.sex or (Sex.MALE if u[0] < 0.5 else Sex.FEMALE)
            age = persona.ages[0] + int(u[1] * (persona.ages[1] - persona.ages[0] + 1))
            birth = date(today.year - age, 1, 1) - timedelta(days=int(u[2] * 365))
            generation = "young" if birth.year >= 1988 else ("middle" if birth.year >= 1960 else "old")
            given = GIVEN_NAMES[sex, generation].split()
            if "multicultural" in persona.types and u[3] < 0.7:
                name = FOREIGN_BORN_NAMES[int(u[3] * 1000) % len(FOREIGN_BORN_NAMES)]
            else:
                name = surnames[int(u[3] * len(surnames))] + given[int(u[4] * len(given))]
            cached = names_cache.get(name)
            if cached is None:
                cached = names_cache[name] = (initials(name), sorted(search_grams(name)))
            name_initials, grams = cached
            client_id = self.client_base + i
            # Unique mobile numbers: an affine bijection of the person's global number.
            phone = None if u[5] < 0.04 else \
                f"+8210{20_000_000 + (client_id * 48_271 + 12_345) % 80_000_000:08d}"
            rrn_encrypted = rrn_hash = None
            if u[6] < RRN_SHARE:
                digits = _rrn(birth, sex, i)
                if digits not in rrn_seen:
                    rrn_seen.add(digits)
                    rrn_encrypted, rrn_hash = crypt.encrypt(digits), crypt.keyed_hash(digits)
            at = int(self.registered_at[i])
            desk_id = s.desk[i % len(s.desk)][0]
            flat = f", {101 + i % 15}동 {1 + (i // 15) % 25}0{1 + i % 4}호" if u[7] < 0.6 else ""
            self.rows["clients"].append((
                client_id, s.centre_id, name, name_initials, birth.isoformat(), sex.value, phone,
                s.sigungu, f"{towns[i % len(towns)]} {STREETS[(i // 7) % len(STREETS)]} "
                           f"{1 + (i * 37) % 240}{flat}",
                1 + int(u[7] * 10) % 5, rrn_encrypted, rrn_hash, w.ts(at), desk_id, w.ts(at), 1))
            self.rows["client_search_grams"].extend((s.centre_id, gram, client_id) for gram in grams)
            types = list(persona.types) + [t for j, t in enumerate(persona.extra_types)
                                           if (u[5] * (7 + j)) % 1 < 0.3]
            for code in dict.fromkeys(types):
                if code in s.customer_types:
                    self.rows["client_customer_types"].append((client_id, code))
            self.audit(at, desk_id, "client.registered", "clients", client_id, client_id,
                       {"rrn": rrn_hash is not None})
            needs = tuple(self.kind_index[k] for k in persona.needs if k in self.kind_index) or (0,)
            self.needs.append(needs)
            roll = (u[6] * 13) % 1
            sharing = all_agencies if roll < 0.85 else (needs if roll < 0.95 else ())
            self.sharing.append(sharing)
            given_on = self.cal.local_date(at).isoformat()
            for kind, agencies in ((ConsentKind.COLLECTION, ()), (ConsentKind.THIRD_PARTY, sharing)):
                if kind == ConsentKind.THIRD_PARTY and not agencies:
                    continue
                consent_id = self.next("consents")
                method = "written" if (u[0] * 11) % 1 < 0.8 else "electronic"
                self.rows["consents"].append((consent_id, client_id, s.documents[kind], method,
                                              given_on, None, w.ts(at + 20), desk_id, None, None, ""))
                agency_ids = sorted(s.agencies[a][0] for a in agencies)
                self.rows["consent_agencies"].extend((consent_id, a) for a in agency_ids)
                self.audit(at + 20, desk_id, "consent.recorded", "consents", consent_id, client_id,
                           {"kind": kind.value, "version": 1, "method": method,
                            "agency_ids": agency_ids})
            if i % self.CHUNK == self.CHUNK - 1:
                self.flush()
                self.progress(self.CHUNK)
        self.flush()
        self.progress(self.n % self.CHUNK)
        self.ids["clients"] = self.client_base + self.n

    # --- pass 2: visits in arrival order --------------------------------------------------

    def write_visits(self) -> None:
        s, w, cal, rng = self.s, self.w, self.cal, self.rng
        total = len(self.visit_person)
        base = self.ids["visits"]
        self.ids["visits"] = base + total
        # What pass 3 needs of each visit: its stops' agency, start and server.
        self.stop_agency = np.full((total, 2), -1, dtype=np.int16)
        self.stop_start = np.zeros((total, 2), dtype=np.int64)
        self.stop_staff = np.zeros((total, 2), dtype=np.int64)
        domains = [kind.domain.value for _id, kind, _name in s.agencies]
        prefixes = [kind.ticket_prefix for _id, kind, _name in s.agencies]
        current_day, counters = -1, {}
        persons = self.visit_person.tolist()
        days = self.visit_day.tolist()
        arrivals = self.visit_arrival.tolist()
        now = cal.now
        agency_count = len(s.agencies)
        for index in range(total):
            person, day, arrived = persons[index], days[index], arrivals[index]
            if day != current_day:
                self._counters(current_day, counters)
                current_day, counters = day, {}
            block, at = divmod(index, BLOCK)
            if at == 0:  # random draws for the next block of visits
                size = min(BLOCK, total - index)
                u = rng.random((size, 6)).tolist()
                waits = rng.exponential(1.0, (size, 2)).tolist()
                services = rng.gamma(2.0, 1.0, (size, 2)).tolist()
            r = u[at]
            if person >= 0:
                needs = self.needs[person]
                first = needs[0] if r[0] < 0.55 or len(needs) == 1 else \
                    needs[1 + int(r[1] * (len(needs) - 1))]
                plan = [first]
                if r[2] < SECOND_DESK_SHARE and len(needs) > 1:
                    other = [a for a in needs if a != first]
                    plan.append(other[int(r[3] * len(other))])
            else:
                plan = [0 if r[0] < 0.5 else int(r[1] * agency_count)]
            visit_id = base + index
            prefix = prefixes[plan[0]]
            number = counters.get(prefix, 0) + 1
            counters[prefix] = number
            desk_id = s.desk[(index * 7) % len(s.desk)][0]
            # The hour's crowd makes the wait: longer in the morning peak.
            hour = (arrived - int(cal.starts[day]) - OPENING) // 3600
            crowd = 1.0 + 0.6 * HOUR_WEIGHTS[min(8, max(0, hour))]
            left = r[4] < LEFT_SHARE
            status, finished, version = "done", None, 1
            moment = arrived
            stops = []
            for position, agency in enumerate(plan):
                cws = s.caseworkers[agency]
                server = cws[(person * 31 + agency) % len(cws)][0] if person >= 0 else \
                    cws[int(r[5] * len(cws))][0]
                queued = moment
                called = queued + int(60 + waits[at][position] * 420 * crowd)
                started = called + 45
                ended = started + int(300 + services[at][position] * 420)
                if position == 0 and left:
                    gone = queued + int(300 + waits[at][0] * 600)
                    if gone <= now:
                        stops.append((agency, "skipped", queued, None, None, None, None))
                        status, finished = "left", gone
                        for later in plan[1:]:
                            stops.append((later, "skipped", None, None, None, None, None))
                        version += 1
                        break
                if queued > now:
                    stops.append((agency, "planned", None, None, None, None, None))
                    continue
                if now < called:
                    stops.append((agency, "waiting", queued, None, None, None, None))
                    status = "waiting"
                elif now < started:
                    stops.append((agency, "called", queued, called, None, None, None))
                    status, version = "called", version + 1
                elif now < ended:
                    stops.append((agency, "in_service", queued, called, started, None, server))
                    status, version = "in_service", version + 2
                else:
                    stops.append((agency, "done", queued, called, started, ended, server))
                    version += 3
                    if position < 2:
                        self.stop_agency[index, position] = agency
                        self.stop_start[index, position] = started
                        self.stop_staff[index, position] = server
                    moment = ended
                    continue
                # The visitor is at this desk now: later desks are still planned.
                for later in plan[position + 1:]:
                    stops.append((later, "planned", None, None, None, None, None))
                break
            else:
                if status == "done":
                    finished = moment
            client_id = self.client_base + person if person >= 0 else None
            self.rows["visits"].append((
                visit_id, s.centre_id, client_id, 1 if r[5] < 0.9 else 2, self.cal.days[day].isoformat(),
                f"{prefix}-{number:03d}", status, "", w.ts(arrived), w.ts(finished), desk_id, version))
            for domain in dict.fromkeys(domains[a] for a in plan):
                self.rows["visit_purposes"].append((visit_id, domain))
            for position, (agency, stop_status, queued, called, started, ended, server) in enumerate(stops):
                self.rows["visit_stops"].append((
                    self.next("visit_stops"), visit_id, s.agencies[agency][0], position, stop_status,
                    w.ts(queued), w.ts(called), w.ts(started), w.ts(ended), server))
            purposes = '", "'.join(dict.fromkeys(domains[a] for a in plan))
            plan_ids = ", ".join(str(s.agencies[a][0]) for a in plan)
            self.audit(arrived, desk_id, "visit.registered", "visits", visit_id, client_id,
                       f'{{"ticket": "{prefix}-{number:03d}", "purposes": ["{purposes}"], '
                       f'"plan": [{plan_ids}], "anonymous": {"true" if client_id is None else "false"}}}')
            if at == BLOCK - 1:
                self.flush()
                self.progress(BLOCK)
        self._counters(current_day, counters)
        self.flush()
        self.progress(total % BLOCK)

    def _counters(self, day: int, counters: dict[str, int]) -> None:
        if day < 0:
            return
        text = self.cal.days[day].isoformat()
        for prefix, number in counters.items():
            self.rows["ticket_counters"].append((self.s.centre_id, text, prefix, number))

    # --- pass 3: casework, person by person -----------------------------------------------

    def write_casework(self) -> None:
        rng = self.rng
        visit_base = self.ids["visits"] - len(self.visit_person)
        by_person = np.argsort(self.visit_person, kind="stable")
        named = by_person[self.visit_person[by_person] >= 0]
        bounds = np.searchsorted(self.visit_person[named], np.arange(self.n + 1))
        heavy_count = max(2, round(self.v / 10_000 * HEAVY_CASES_PER_10K))
        self.heavy = set(rng.choice(self.n, min(heavy_count, self.n), replace=False).tolist())
        self.r = rng.random(1_000_000).tolist()
        self.ri = 0
        for person in range(self.n):
            visits = named[bounds[person]:bounds[person + 1]]
            self._person_casework(person, visits, visit_base)
            if person % self.CHUNK == self.CHUNK - 1:
                self.flush()
                self.progress(self.CHUNK)
        self.flush()
        self.progress(self.n % self.CHUNK)

    def rand(self) -> float:
        """A uniform draw from a pre-drawn block (numpy per call would be the slow part)."""
        if self.ri >= len(self.r):
            self.r = self.rng.random(len(self.r)).tolist()
            self.ri = 0
        value = self.r[self.ri]
        self.ri += 1
        return value

    def _person_casework(self, person: int, visits: np.ndarray, visit_base: int) -> None:
        # The desks that served this person, in time order: (agency, start, server, visit id).
        served: dict[int, list[tuple[int, int, int]]] = {}
        for index in visits.tolist():
            for position in (0, 1):
                agency = int(self.stop_agency[index, position])
                if agency >= 0:
                    served.setdefault(agency, []).append(
                        (int(self.stop_start[index, position]), int(self.stop_staff[index, position]),
                         visit_base + index))
        client_id = self.client_base + person
        cases: dict[int, list[dict]] = {}
        heavy = person in self.heavy
        for agency, stops in served.items():
            if not heavy and self.rand() >= CASE_CHANCE:
                continue
            start, server, visit_id = stops[0]
            case = self._case(client_id, agency, start + 600, server, visit_id,
                              later_visits=[t for t, _s, _v in stops[1:]], heavy=heavy)
            heavy = False
            cases.setdefault(agency, []).append(case)
        for agency_cases in list(cases.values()):
            for case in list(agency_cases):
                for _ in range(int(REFERRALS_PER_CASE + self.rand())):
                    self._referral(client_id, person, case, cases)

    # --- a case and its records -----------------------------------------------------------

    def _day_second(self, epoch: int) -> tuple[int, int]:
        """The working day and second after 09:00 of an instant (working hours only)."""
        day = int(np.searchsorted(self.cal.starts, epoch, side="right")) - 1
        second = epoch - int(self.cal.starts[day]) - OPENING
        return day, min(max(second, 0), WORK_SECONDS - 1)

    def _case(self, client_id: int, agency: int, opened: int, caseworker: int,
              visit_id: int | None, *, later_visits: list[int], heavy: bool = False,
              summary: str | None = None, priority: str = "normal", ends: int | None = None) -> dict:
        s, w, cal = self.s, self.w, self.cal
        kind = s.agencies[agency][1]
        case_id = self.next("cases")
        open_day, open_second = self._day_second(opened)
        # How long the case runs, in working days; still open when that is past today.
        length = int(self.rand() ** 2 * 260) + 5
        if heavy:
            closed = None
        elif ends is not None:
            closed = ends
        else:
            closed = cal.epoch(open_day + length, int(self.rand() * WORK_SECONDS))
        if closed is not None and closed > cal.now:
            closed = None
        end = closed if closed is not None else cal.now - 60
        end_day = self._day_second(end)[0] if closed is not None else cal.today
        events = [(opened, None, "open", "")]
        status = "open"
        # Assessment within the centre's target (10 days) for most, late for some.
        assessed = None
        if self.rand() < 0.88:
            assessed = cal.epoch(open_day + int(self.rand() ** 3 * 25), int(self.rand() * WORK_SECONDS))
            if assessed > end:
                assessed = None
        if assessed is not None or (closed is not None) or end_day - open_day > 5:
            activated = assessed if assessed is not None else min(end, opened + 3600)
            events.append((activated, "open", "active", ""))
            status = "active"
        hold = closed is None and status == "active" and self.rand() < 0.1
        if hold:
            held = cal.epoch(max(open_day, end_day - 10), int(self.rand() * WORK_SECONDS))
            if events[-1][0] < held < cal.now:
                events.append((held, "active", "on_hold",
                               texts.HOLD_NOTES[int(self.rand() * len(texts.HOLD_NOTES))]))
                status = "on_hold"
        reason = closure_note = follow_up = None
        if closed is not None:
            order = texts.CLOSURE_ORDER.get(kind, list(ClosureReason))
            reason = order[min(int(self.rand() ** 1.6 * len(order)), len(order) - 1)]
            notes = texts.CLOSURE_NOTES.get(reason, [""])
            closure_note = notes[int(self.rand() * len(notes))]
            closed = max(closed, events[-1][0] + 60)
            events.append((closed, status, "closed", closure_note))
            status = "closed"
            if self.rand() < 0.3:
                follow_up = (cal.days[min(self._day_second(closed)[0], cal.today)]
                             + timedelta(days=90)).isoformat()
        summaries = texts.SUMMARIES.get(kind, ["상담 진행 중."])
        summary = summary or summaries[int(self.rand() * len(summaries))]
        # Notes: the opening consultation, one per later visit to this desk, calls between.
        moments = [(opened + 300, "counselling")]
        moments += [(t + 600, "counselling") for t in later_visits if t + 600 < end]
        span = max(end_day - open_day, 0)
        extra = int(200 + self.rand() * 300) if heavy else int(self.rand() * NOTES_PER_CASE * 2 *
                                                                min(1.0, 0.25 + span / 60))
        for _ in range(extra):
            day = open_day + int(self.rand() * (span + 1))
            moment = cal.epoch(day, int(self.rand() * WORK_SECONDS))
            if opened < moment < end:
                roll = self.rand()
                moments.append((moment, "phone" if roll < 0.6 else "counselling" if roll < 0.8
                                else "home_visit" if roll < 0.9 else "other"))
        moments.sort()
        follow_ups = texts.FOLLOW_UP_NOTES.get(kind, ["상담 진행."])
        agency_id = s.agencies[agency][0]
        last_contact = None
        for number, (moment, note_kind) in enumerate(moments):
            confidential = self.rand() < 0.04
            if number == 0:
                body = texts.OPENING_NOTES.get(kind, "초기 상담.")
            elif confidential:
                body = texts.CONFIDENTIAL_NOTES[int(self.rand() * len(texts.CONFIDENTIAL_NOTES))]
            else:
                body = follow_ups[int(self.rand() * len(follow_ups))]
            note_id = self.next("case_notes")
            edited = self.rand() < 0.01 and moment + 3600 < cal.now
            self.rows["case_notes"].append((
                note_id, case_id, note_kind, body + (" (내용 보완)" if edited else ""), confidential,
                caseworker, agency_id, w.ts(moment), w.ts(moment + 3600 if edited else moment),
                2 if edited else 1))
            if edited:
                self.rows["case_note_revisions"].append((
                    self.next("case_note_revisions"), note_id, 1, note_kind, body, confidential,
                    caseworker, w.ts(moment + 3600)))
            if note_kind in ("counselling", "phone", "home_visit"):
                last_contact = moment
            self.audit(moment, caseworker, "case.note_added", "cases", case_id, client_id,
                       f'{{"note_id": {note_id}, "kind": "{note_kind}", "confidential": '
                       f'{"true" if confidential else "false"}}}')
        first_goal = None
        if assessed is not None:
            self._assessment(case_id, client_id, kind, caseworker, assessed)
            if self.rand() < 0.25 and span > 40:
                again = cal.epoch(open_day + span // 2, int(self.rand() * WORK_SECONDS))
                if assessed < again < end:
                    self._assessment(case_id, client_id, kind, caseworker, again)
            if self.rand() < 0.8:
                first_goal = self._goals(case_id, client_id, kind, caseworker, assessed, status,
                                         end)
        self.rows["cases"].append((
            case_id, s.centre_id, client_id, agency_id, caseworker, priority, summary, status,
            w.ts(opened), w.ts(closed if status == "closed" else None),
            reason.value if reason else None, closure_note or "", follow_up,
            w.ts(last_contact), visit_id, w.ts(assessed), w.ts(first_goal),
            w.ts(max(event[0] for event in events)),
            len(events)))
        for at, before, after, note in events:
            self.rows["case_events"].append((self.next("case_events"), case_id, w.ts(at),
                                             caseworker, before, after, note))
            if before is None:
                self.audit(at, caseworker, "case.opened", "cases", case_id, client_id,
                           {"agency_id": agency_id, "visit_id": visit_id})
            else:
                action = {"active": "activate", "on_hold": "hold", "closed": "close"}[after]
                self.audit(at, caseworker, f"case.{action}", "cases", case_id, client_id,
                           {"from": before, "to": after,
                            "reason": reason.value if after == "closed" and reason else None})
        return {"id": case_id, "agency": agency, "opened": opened, "end": end,
                "closed": status == "closed", "caseworker": caseworker, "kind": kind}

    def _assessment(self, case_id: int, client_id: int, kind: AgencyKind, author: int,
                    at: int) -> None:
        main = texts.NEED_OF_AGENCY.get(kind, NeedDomain.EMPLOYMENT)
        levels = [level.value for level in Level]
        ratings = {}
        for domain in NeedDomain:
            roll = self.rand()
            if domain == main:
                ratings[domain.value] = "high" if roll < 0.5 else "medium"
            elif roll < 0.35:
                ratings[domain.value] = levels[1 + int(self.rand() * 3)]
        crisis = levels[min(3, int(self.rand() ** 1.5 * 4))]
        notes = texts.ASSESSMENT_NOTES.get(kind, ["욕구 조사 완료."])
        assessment_id = self.next("assessments")
        self.rows["assessments"].append((
            assessment_id, case_id, self.cal.local_date(at).isoformat(), json.dumps(ratings), crisis,
            notes[int(self.rand() * len(notes))], author, self.w.ts(at)))
        self.audit(at, author, "case.assessed", "cases", case_id, client_id,
                   {"assessment_id": assessment_id, "crisis": crisis})

    def _goals(self, case_id: int, client_id: int, kind: AgencyKind, author: int, assessed: int,
               status: str, end: int) -> int | None:
        """The case's plan goals; returns when the first was recorded (None: no goal)."""
        goals = texts.GOALS.get(kind, [])
        if not goals:
            return None
        count = 1 + int(self.rand() * min(3, len(goals)))
        first = int(self.rand() * len(goals))
        for j in range(count):
            domain, description, service_name, *_rest = goals[(first + j) % len(goals)]
            at = min(assessed + 600 + j * 120, end)
            if status == "closed":
                roll = self.rand()
                goal_status = "achieved" if roll < 0.6 else "stopped" if roll < 0.9 else "no_service"
            else:
                goal_status = "in_progress" if self.rand() < 0.6 else "planned"
            target = self.cal.local_date(at) + timedelta(days=60 + int(self.rand() * 120))
            goal_id = self.next("plan_goals")
            self.rows["plan_goals"].append((
                goal_id, case_id, domain.value if isinstance(domain, NeedDomain) else domain,
                description, target.isoformat(), service_name, None, goal_status, self.w.ts(at),
                author, self.w.ts(at if goal_status in ("planned", "in_progress") else end)))
            self.audit(at, author, "case.goal_added", "cases", case_id, client_id,
                       {"goal_id": goal_id, "domain": domain.value if isinstance(domain, NeedDomain)
                        else domain})
        return min(assessed + 600, end)

    # --- referrals -------------------------------------------------------------------------

    def _referral(self, client_id: int, person: int, case: dict, cases: dict[int, list[dict]]) -> None:
        s, w, cal = self.s, self.w, self.cal
        targets = [a for a in self.sharing[person] if a != case["agency"]]
        if not targets:
            return
        needs = [a for a in self.needs[person] if a in targets]
        target = needs[0] if needs and self.rand() < 0.7 else targets[int(self.rand() * len(targets))]
        open_day, _second = self._day_second(case["opened"])
        sent = cal.epoch(open_day + int(self.rand() ** 3 * 30), int(self.rand() * WORK_SECONDS))
        if sent <= case["opened"]:  # the same day: after the opening consultation
            sent = case["opened"] + 600 + int(self.rand() * 3600)
        if sent > case["end"]:
            return
        to_id, to_kind, to_name = s.agencies[target]
        from_id, _from_kind, from_name = s.agencies[case["agency"]]
        receivers = s.caseworkers[target]
        assignee = receivers[(person * 31 + target) % len(receivers)][0]
        sender = case["caseworker"]
        reasons = REASONS.get(to_kind, [("서비스 연계 요청", "", "")])
        reason, needs_text, _service = reasons[int(self.rand() * len(reasons))]
        urgent = self.rand() < 0.1
        due = int(add_working_hours(_instant(sent), 16, cal.holidays).timestamp())
        # The intended course, in working seconds after sending; what lies after now has not
        # happened yet.
        sent_day, sent_second = self._day_second(sent)

        def after(hours: float) -> int:
            return cal.epoch(sent_day, sent_second + int(hours * 3600))

        roll = self.rand()
        course = ("completed" if roll < 0.62 else "declined" if roll < 0.76 else
                  "cancelled" if roll < 0.82 else "in_progress" if roll < 0.94 else "accepted")
        received = after(self.rand() * 6)
        responded = after(received_hours := (self.rand() * 6 + self.rand() ** 3 * 30))
        received = min(received, responded)
        steps: list[tuple[int, str, str]] = [(sent, "sent", reason)]
        received_at = responded_at = closed_at = None
        to_case = None
        decline_reason = outcome = None
        closing_note = ""
        if course == "cancelled":
            steps.append((after(received_hours * 0.7), "cancelled",
                          CANCEL_NOTES[int(self.rand() * len(CANCEL_NOTES))]))
        else:
            steps.append((received, "received", ""))
            if course == "declined":
                decline_reason = list(DeclineReason)[int(self.rand() * len(DeclineReason))]
                steps.append((responded, "declined", DECLINE_NOTES[decline_reason]))
            else:
                steps.append((responded, "accepted", ""))
                if course != "accepted":
                    started = after(received_hours + 2 + self.rand() * 20)
                    steps.append((started, "in_progress", ""))
                    if course == "completed":
                        outcome = list(Outcome)[int(self.rand() * len(Outcome))]
                        steps.append((after(received_hours + 30 + self.rand() * 400), "completed",
                                      COMPLETE_NOTES[outcome]))
        steps = [step for step in steps if step[0] <= cal.now]
        status = steps[-1][1]
        open_key = ("open", target)
        if status in ("sent", "received", "accepted", "in_progress"):
            if cases.get(open_key):  # one open referral per person and agency
                return
            cases[open_key] = [case]
        referral_id = self.next("referrals")
        if any(step[1] == "accepted" for step in steps):
            accepted_at = next(step[0] for step in steps if step[1] == "accepted")
            to_case = self._receiving_case(client_id, target, accepted_at, assignee, cases,
                                           referral_id, reason, urgent,
                                           ends=steps[-1][0] if status == "completed" else None)
            if to_case is None:  # the person's case there began later: a decline instead
                return
        for at, step_status, _note in steps:
            if step_status == "received":
                received_at = at
            if step_status in ("accepted", "declined"):
                responded_at = at
                received_at = received_at or at
            if step_status in ("declined", "completed", "cancelled"):
                closed_at, closing_note = at, _note
        self.rows["referrals"].append((
            referral_id, s.centre_id, client_id, case["id"], from_id, to_id, None, reason,
            needs_text, "urgent" if urgent else "normal", "phone", status, sender, w.ts(sent),
            w.ts(due), w.ts(received_at), w.ts(responded_at),
            assignee if to_case is not None else None, to_case,
            decline_reason.value if decline_reason else None, outcome.value if outcome else None,
            closing_note, w.ts(closed_at), None, len(steps)))
        previous = None
        for at, step_status, note in steps:
            actor = sender if step_status in ("sent", "cancelled") else assignee
            self.rows["referral_events"].append((self.next("referral_events"), referral_id, w.ts(at),
                                                 actor, previous, step_status, note))
            action = {"sent": "sent", "received": "receive", "accepted": "accept",
                      "declined": "decline", "in_progress": "start", "completed": "complete",
                      "cancelled": "cancel"}[step_status]
            if step_status == "sent":
                detail = {"to_agency_id": to_id, "urgency": "urgent" if urgent else "normal",
                          "resent_from": None}
                for staff_id, _username in receivers:
                    # Read when the agency opened it, or soon after by someone else there.
                    read = received_at if received_at is not None else (
                        at + 7200 if at + 7200 < cal.now else None)
                    self.rows["notifications"].append((
                        self.next("notifications"), staff_id, "incoming", referral_id,
                        f"새 의뢰: {from_name}에서 보냄", w.ts(at), w.ts(read)))
            else:
                detail = {"from": previous, "to": step_status,
                          "decline_reason": decline_reason.value if step_status == "declined" else None,
                          "outcome": outcome.value if step_status == "completed" else None}
            if step_status in ("accepted", "declined", "completed"):
                read = at + 3600 if at + 3600 < cal.now else None
                self.rows["notifications"].append((
                    self.next("notifications"), sender, "outcome", referral_id,
                    f"의뢰 {_label(step_status)}: {to_name}", w.ts(at), w.ts(read)))
            self.audit(at, actor, f"referral.{action}", "referrals", referral_id, client_id, detail)
            previous = step_status

    def _receiving_case(self, client_id: int, agency: int, accepted_at: int, assignee: int,
                        cases: dict[int, list[dict]], referral_id: int, reason: str,
                        urgent: bool, ends: int | None) -> int | None:
        """The case an accepted referral links: the person's case open there then, or a new
        one; None when the person's case there began later (the referral cannot be accepted)."""
        existing = cases.get(agency, [])
        for case in existing:
            if case["opened"] <= accepted_at and (not case["closed"] or accepted_at < case["end"]):
                return case["id"]
        if any(case["opened"] > accepted_at or not case["closed"] for case in existing):
            return None
        case = self._case(client_id, agency, accepted_at, assignee, None, later_visits=[],
                          summary=f"의뢰 #{referral_id}로 개시: {reason}",
                          priority="high" if urgent else "normal", ends=ends)
        cases.setdefault(agency, []).append(case)
        return case["id"]


_LABELS: dict[str, str] = {}


def _label(status: str) -> str:
    if status not in _LABELS:
        _LABELS[status] = str(ReferralStatus(status).label)
    return _LABELS[status]


def _instant(epoch: int) -> datetime:
    """The UTC datetime of a moment of the history (seconds since 1970, not the machine clock)."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=epoch)


def _rrn(birth: date, sex: Sex, serial: int) -> str:
    """A resident number of the old form, with its check digit (what ``parse_rrn`` accepts)."""
    code = (1 if sex == Sex.MALE else 2) + (2 if birth.year >= 2000 else 0)
    digits = f"{birth:%y%m%d}{code}{serial % 100_000:05d}"
    weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True))
    return digits + str((11 - total % 11) % 10)
