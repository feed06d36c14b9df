"""The authorisation matrix (issue 14 point 2): every rule of the URL map × every role, with
the expected outcome of each cell written down in :data:`EXPECTED`.

Roles (columns, in this order): anonymous, front desk, caseworker of the owning agency
(고용센터, whose case, referral and visit the objects are), caseworker of another agency with
no reason to know the person (문화), manager, manager of another centre, administrator.
Outcomes: ``A`` answered (2xx, or a redirect elsewhere than the sign-in page: for a web form
posted empty, the page again with its messages), ``R`` refused with a reason (400, 409, 422,
or a redirect carrying a "danger" message: a service's refusal, or the data; the API checks
its body first; a record the caller may not see, named in the body, is a 404 as by its own
URL), ``D`` denied (403 or 404), ``L`` sign-in needed (a redirect to /login,
or 401 from the API), ``-`` not asked. A 5xx fails every cell.

Each role gets a fresh copy of the crawl test's world (its posts change things); within a
role, reads come first, removals later and signing out last; the object states are asked on
a second fresh world. Rules with a choice in the URL
(``<any(accept, decline, …)>``) get one row per choice. Where the object's state decides,
extra rows name the state (see :data:`STATES`).

A rule the table does not know fails the test: every new page joins it. After adding a rule,
``HANJARI_MATRIX_PRINT=1 pytest tests/test_authz_matrix.py -s`` prints the observed rows to
review and copy.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from test_crawl import build_world
from werkzeug.routing import Rule

from appointments.models import Appointment
from cases import people
from cases.models import (
    Case,
    CaseNote,
    Client,
    ClientLink,
    Consent,
    ConsentDocument,
    ConsentKind,
    ConsentMethod,
    PlanGoal,
)
from cases.queries import break_glass
from catalogue.models import CentreService, Service
from centers.models import Agency, AgencyKind, ApiToken, Centre, Staff
from conftest import _empty_tables
from core.clock import local_today
from core.extensions import db
from core.holidays import PublicHoliday
from factories import bearer, login, make_referral, make_token
from intake.models import Visit, VisitStop
from outreach.models import OutreachPhoto, OutreachVisit
from partners.models import Partner
from referrals.models import PartnerReferral, Referral
from reports.periods import Month

ROLES = ("anonymous", "desk", "owner", "other", "manager", "far_manager", "admin")
USERNAMES = {"desk": "desk", "owner": "employment", "other": "culture", "manager": "manager",
             "far_manager": "suwon_manager", "admin": "admin"}

def _table(text: str) -> dict[str, str]:
    rows = {}
    for line in text.strip().splitlines():
        key, cells = line.rsplit(None, len(ROLES))[0], line.split()[-len(ROLES):]
        rows[key] = "".join(cells)
    return rows


# method endpoint[choice] {state}      anonymous  desk  owner  other  manager  far_manager  admin
EXPECTED = _table("""
GET access.export                                              L    D    D    D    A    A    A
GET access.person_history                                      L    A    D    D    A    D    D
GET access.person_history_pdf                                  L    A    D    D    A    D    D
GET access.review                                              L    D    D    D    A    A    A
GET appointments.book                                          L    A    A    D    A    D    D
GET appointments.day                                           L    A    A    A    A    A    D
GET appointments.edit_hours                                    L    D    D    D    A    D    D
GET appointments.find_person                                   L    A    A    A    A    A    D
GET appointments.hours                                         L    D    D    D    A    A    D
GET appointments.messages                                      L    D    D    D    A    A    D
GET appointments.move                                          L    A    A    D    A    D    D
GET appointments.show                                          L    A    A    A    A    D    D
GET appointments.week                                          L    A    A    A    A    A    D
POST appointments.book                                         L    A    A    D    A    D    D
POST appointments.cancel                                       L    R    R    D    R    D    D
POST appointments.check_in                                     L    D    D    D    D    D    D
POST appointments.edit_hours                                   L    D    D    D    A    D    D
POST appointments.find_person                                  L    A    A    A    A    A    D
POST appointments.move                                         L    A    A    D    A    D    D
GET api-docs.openapi_json                                      A    A    A    A    A    A    A
GET api_cases.show                                             L    D    A    D    A    D    D
GET api_partner_referrals.listing                              L    L    L    L    L    L    L
GET api_partner_referrals.show                                 L    L    L    L    L    L    L
GET api_people.show                                            L    A    A    D    A    D    D
GET api_referrals.listing                                      L    D    A    A    A    A    D
GET api_referrals.show                                         L    D    A    D    A    D    D
GET api_reports.monthly                                        L    D    D    D    A    D    A
GET api_services.search                                        L    A    A    A    A    A    A
GET api_visits.queue                                           L    A    A    A    A    A    D
GET api_visits.show                                            L    A    A    D    A    D    D
GET auth.api_tokens                                            L    A    A    A    A    A    A
GET auth.change_password                                       L    A    A    A    A    A    A
GET auth.enrol                                                 A    A    A    A    A    A    A
GET auth.login                                                 A    A    A    A    A    A    A
GET board.feed                                                 D    D    D    D    D    D    D
GET board.settings                                             L    D    D    D    A    A    D
GET board.show                                                 A    A    A    A    A    A    A
GET cases.caseload                                             L    D    A    A    A    A    D
GET cases.edit_note                                            L    D    A    D    D    D    D
GET cases.new_conference                                       L    D    A    D    D    D    D
GET cases.note_history                                         L    D    A    D    D    D    D
GET cases.open_case                                            L    D    A    D    D    D    D
GET cases.person                                               L    D    A    D    A    D    D
GET cases.reasoned_search                                      L    D    A    A    D    D    D
GET cases.show                                                 L    D    A    D    A    D    D
GET catalogue.browse                                           L    A    A    A    A    A    A
GET catalogue.centre_services                                  L    D    D    D    A    D    A
GET catalogue.edit_service                                     L    D    D    D    D    D    A
GET catalogue.export_directory                                 L    D    D    D    A    D    A
GET catalogue.import_services                                  L    D    D    D    D    D    A
GET catalogue.new_service                                      L    D    D    D    A    A    A
GET catalogue.own_centre_services                              L    D    D    D    A    A    D
GET catalogue.show_service                                     L    A    A    A    A    A    A
GET centers.edit_agency                                        L    D    D    D    D    D    A
GET centers.edit_centre                                        L    D    D    D    D    D    A
GET centers.edit_staff                                         L    D    D    D    A    D    A
GET centers.list_centres                                       L    D    D    D    A    A    A
GET centers.list_staff                                         L    D    D    D    A    A    A
GET centers.new_agency                                         L    D    D    D    D    D    A
GET centers.new_centre                                         L    D    D    D    D    D    A
GET centers.new_staff                                          L    D    D    D    A    A    A
GET centers.show_centre                                        L    D    D    D    A    D    A
GET closing.editions                                           L    D    D    D    D    D    D
GET home.health                                                A    A    A    A    A    A    A
GET home.index                                                 L    A    A    A    A    A    A
GET intake.consent_documents                                   L    D    D    D    A    A    D
GET intake.consent_receipt                                     L    A    A    D    A    D    D
GET intake.edit_person                                         L    A    D    D    A    D    D
GET intake.new_anonymous_visit                                 L    A    D    D    A    A    D
GET intake.new_visit                                           L    A    D    D    A    D    D
GET intake.print_checklist                                     L    A    A    D    A    D    D
GET intake.print_consent_document                              L    A    A    A    A    D    D
GET intake.print_ticket                                        L    A    A    D    A    D    D
GET intake.publish_consent_document                            L    D    D    D    A    A    D
GET intake.queue                                               L    A    A    A    A    A    D
GET intake.record_consent                                      L    A    D    D    A    D    D
GET intake.register_person                                     L    A    D    D    A    A    D
GET intake.search                                              L    A    D    D    A    A    D
GET intake.show_person                                         L    A    A    D    A    D    D
GET intake.show_visit                                          L    A    A    D    A    D    D
GET outreach.day                                               L    D    A    A    A    A    D
GET outreach.photo                                             L    D    D    D    D    D    D
GET outreach.plan                                              L    D    A    D    D    D    D
GET outreach.record                                            L    D    A    D    D    D    D
GET outreach.show                                              L    D    A    D    A    D    D
GET partner_access.open_link                                   D    D    D    D    D    D    D
GET partner_referrals.index                                    L    D    A    A    A    A    D
GET partner_referrals.send                                     L    D    A    D    D    D    D
GET partner_referrals.show                                     L    D    A    D    A    D    D
GET partners.edit                                              L    D    D    D    A    D    D
GET partners.export                                            L    D    D    D    A    A    D
GET partners.import_file                                       L    D    D    D    A    A    D
GET partners.index                                             L    A    A    A    A    A    D
GET partners.new                                               L    D    D    D    A    A    D
GET partners.show                                              L    A    A    A    A    D    D
GET referrals.holidays                                         L    D    D    D    D    D    A
GET referrals.inbox                                            L    D    A    A    D    D    D
GET referrals.notifications                                    L    D    A    A    A    A    D
GET referrals.send                                             L    D    A    D    D    D    D
GET referrals.sent                                             L    D    A    A    A    A    D
GET referrals.show                                             L    D    A    D    A    D    D
GET referrals.slip                                             L    D    A    D    A    D    D
GET reports.dashboard_list                                     L    D    D    D    A    A    D
GET reports.monthly                                            L    D    D    D    A    D    A
GET reports.monthly_csv                                        L    D    D    D    A    D    A
GET reports.monthly_latest                                     L    D    D    D    A    A    A
GET reports.monthly_open_csv                                   D    D    D    D    D    D    D
GET reports.monthly_pdf                                        L    D    D    D    A    D    A
GET reports.monthly_xlsx                                       L    D    D    D    A    D    A
GET reports.national                                           L    D    D    D    D    D    A
GET reports.national_latest                                    L    D    D    D    D    D    A
GET reports.national_open_csv                                  D    D    D    D    D    D    D
GET reports.national_pdf                                       L    D    D    D    D    D    A
GET reports.national_xlsx                                      L    D    D    D    D    D    A
GET reports.show_dashboard                                     L    D    D    D    A    A    D
GET report_settings.edit_addressee                             L    D    D    D    A    A    A
GET report_settings.edit_targets                               L    D    D    D    A    A    D
GET static                                                     A    A    A    A    A    A    A
POST access.sign_off                                           L    D    D    D    A    A    D
POST api_cases.add_note                                        L    D    A    D    D    D    D
POST api_cases.close                                           L    D    R    D    D    D    D
POST api_cases.open_case                                       L    D    R    D    D    D    D
POST api_partner_referrals.change_status                       L    L    L    L    L    L    L
POST api_people.record_consent                                 L    A    D    D    A    D    D
POST api_people.register                                       L    A    D    D    A    A    D
POST api_people.search                                         L    A    D    D    A    A    D
POST api_referrals.accept                                      L    D    R    D    D    D    D
POST api_referrals.cancel                                      L    D    R    D    D    D    D
POST api_referrals.complete                                    L    D    R    D    D    D    D
POST api_referrals.decline                                     L    D    R    D    D    D    D
POST api_referrals.receive                                     L    D    R    D    D    D    D
POST api_referrals.send                                        L    D    R    D    D    D    D
POST api_referrals.start                                       L    D    R    D    D    D    D
POST api_visits.call                                           L    R    R    D    R    D    D
POST api_visits.finish                                         L    R    R    D    R    D    D
POST api_visits.leave                                          L    R    R    D    R    D    D
POST api_visits.register                                       L    A    D    D    A    D    D
POST api_visits.start                                          L    R    R    D    R    D    D
POST auth.api_tokens                                           L    A    A    A    A    A    A
POST auth.change_password                                      L    A    A    A    A    A    A
POST auth.enrol                                                A    A    A    A    A    A    A
POST auth.login                                                A    A    A    A    A    A    A
POST auth.set_locale                                           L    A    A    A    A    A    A
POST board.settings                                            L    D    D    D    A    A    D
POST cases.add_goal                                            L    D    R    D    D    D    D
POST cases.add_note                                            L    D    R    D    D    D    D
POST cases.assess                                              L    D    R    D    D    D    D
POST cases.caseload                                            L    D    A    A    A    A    D
POST cases.change_status[activate]                             L    D    R    D    D    D    D
POST cases.change_status[close]                                L    D    R    D    D    D    D
POST cases.change_status[hold]                                 L    D    R    D    D    D    D
POST cases.change_status[reopen]                               L    D    R    D    D    D    D
POST cases.edit                                                L    D    A    D    D    D    D
POST cases.edit_note                                           L    D    A    D    D    D    D
POST cases.goal_status                                         L    D    A    D    D    D    D
POST cases.new_conference                                      L    D    A    D    D    D    D
POST cases.open_case                                           L    D    A    D    D    D    D
POST cases.open_confidential                                   L    D    D    D    R    D    D
POST cases.open_with_reason                                    L    D    R    R    D    D    D
POST cases.open_found_person                                   L    D    D    D    D    D    D
POST cases.reasoned_search                                     L    D    R    R    D    D    D
POST catalogue.add_centre_service                              L    D    D    D    R    D    R
POST catalogue.edit_service                                    L    D    D    D    D    D    A
POST catalogue.import_services                                 L    D    D    D    D    D    A
POST catalogue.new_service                                     L    D    D    D    A    A    A
POST catalogue.update_centre_service                           L    D    D    D    A    D    A
POST centers.edit_agency                                       L    D    D    D    D    D    A
POST centers.edit_centre                                       L    D    D    D    D    D    A
POST centers.edit_staff                                        L    D    D    D    A    D    A
POST centers.new_agency                                        L    D    D    D    D    D    A
POST centers.new_centre                                        L    D    D    D    D    D    A
POST centers.new_staff                                         L    D    D    D    A    A    A
POST centers.set_addons                                        L    D    D    D    A    D    A
POST centers.set_rrn                                           L    D    D    D    A    D    A
POST centers.set_time_targets                                  L    D    D    D    A    D    A
POST closing.close                                             L    D    D    D    A    D    D
POST closing.correct                                           L    D    D    D    R    D    D
POST intake.act_on_visit[call]                                 L    A    A    D    A    D    D
POST intake.act_on_visit[finish]                               L    R    R    D    R    D    D
POST intake.act_on_visit[start]                                L    A    A    D    A    D    D
POST intake.add_stop                                           L    A    D    D    A    D    D
POST intake.call_next                                          L    A    A    D    A    D    D
POST intake.edit_person                                        L    A    D    D    A    D    D
POST intake.leave_visit                                        L    A    A    D    A    D    D
POST intake.link_person                                        L    R    D    D    R    D    D
POST intake.new_anonymous_visit                                L    A    D    D    A    A    D
POST intake.new_visit                                          L    A    D    D    A    D    D
POST intake.publish_consent_document                           L    D    D    D    A    A    D
POST intake.record_consent                                     L    A    D    D    A    D    D
POST intake.register_person                                    L    A    D    D    A    A    D
POST intake.reveal_rrn                                         L    D    D    D    D    D    D
POST intake.search                                             L    A    D    D    A    A    D
POST outreach.add_photo                                        L    D    R    D    D    D    D
POST outreach.consent                                          L    D    R    D    D    D    D
POST outreach.plan                                             L    D    R    D    D    D    D
POST outreach.record                                           L    D    R    D    D    D    D
POST outreach.step[cancel]                                     L    D    R    D    D    D    D
POST outreach.step[check-in]                                   L    D    R    D    D    D    D
POST outreach.step[check-out]                                  L    D    A    D    D    D    D
POST partner_access.answer[accept]                             D    D    D    D    D    D    D
POST partner_access.answer[complete]                           D    D    D    D    D    D    D
POST partner_access.answer[decline]                            D    D    D    D    D    D    D
POST partner_access.answer[start]                              D    D    D    D    D    D    D
POST partner_referrals.act[cancel]                             L    D    R    D    D    D    D
POST partner_referrals.act[link]                               L    D    A    D    D    D    D
POST partner_referrals.act[revoke]                             L    D    R    D    D    D    D
POST partner_referrals.act[withdraw]                           L    D    A    D    D    D    D
POST partner_referrals.send                                    L    D    A    D    D    D    D
POST partners.edit                                             L    D    D    D    A    D    D
POST partners.import_file                                      L    D    D    D    A    A    D
POST partners.new                                              L    D    D    D    A    A    D
POST partners.system[api_key]                                  L    D    D    D    A    D    D
POST partners.system[revoke_api_key]                           L    D    D    D    A    D    D
POST partners.system[webhook]                                  L    D    D    D    A    D    D
POST referrals.act[accept]                                     L    D    R    D    D    D    D
POST referrals.act[cancel]                                     L    D    R    D    D    D    D
POST referrals.act[complete]                                   L    D    R    D    D    D    D
POST referrals.act[decline]                                    L    D    R    D    D    D    D
POST referrals.act[receive]                                    L    D    R    D    D    D    D
POST referrals.act[start]                                      L    D    R    D    D    D    D
POST referrals.holidays                                        L    D    D    D    D    D    A
POST referrals.read_notifications                              L    D    A    A    A    A    D
POST referrals.resend                                          L    D    A    D    D    D    D
POST referrals.send                                            L    D    A    D    D    D    D
POST reports.monthly_remarks                                   L    D    D    D    A    D    D
POST reports.national_remarks                                  L    D    D    D    D    D    R
POST report_settings.save_addressee                            L    D    D    D    R    R    R
POST report_settings.save_targets                              L    D    D    D    A    A    D
POST api_people.withdraw_consent                               L    A    D    D    A    D    D
POST auth.revoke_api_token                                     L    D    A    D    D    D    D
POST catalogue.remove_centre_service                           L    D    D    D    A    D    A
POST centers.reset_password                                    L    D    D    D    A    D    A
POST centers.revoke_staff_token                                L    D    D    D    A    D    A
POST centers.set_staff_active                                  L    D    D    D    A    D    A
POST intake.remove_stop                                        L    R    D    D    R    D    D
POST intake.unlink_person                                      L    A    D    D    A    D    D
POST intake.withdraw_consent                                   L    R    D    D    R    D    D
POST referrals.delete_holiday                                  L    D    D    D    D    D    A
POST auth.logout                                               L    L    L    L    L    L    L
GET cases.person {referral to other, consent in force}         L    D    A    A    A    D    D
GET intake.show_person {referral to other, consent in force}   L    A    A    A    A    D    D
GET api_people.show {referral to other, consent in force}      L    A    A    A    A    D    D
GET referrals.show {referral to other, consent in force}       L    D    A    A    A    D    D
GET referrals.slip {referral to other, consent in force}       L    D    A    A    A    D    D
GET api_referrals.show {referral to other, consent in force}   L    D    A    A    A    D    D
GET cases.person {referral to other, consent withdrawn}        L    D    A    D    A    D    D
GET intake.show_person {referral to other, consent withdrawn}  L    A    A    D    A    D    D
GET api_people.show {referral to other, consent withdrawn}     L    A    A    D    A    D    D
GET referrals.show {referral to other, consent withdrawn}      L    D    A    D    A    D    D
GET referrals.slip {referral to other, consent withdrawn}      L    D    A    D    A    D    D
GET api_referrals.show {referral to other, consent withdrawn}  L    D    A    D    A    D    D
GET cases.person {other broke the glass}                       L    D    A    A    A    D    D
GET intake.show_person {other broke the glass}                 L    A    A    A    A    D    D
GET api_people.show {other broke the glass}                    L    A    A    A    A    D    D
""")


def world_ids() -> dict[str, object]:
    """The objects each URL argument names: 김민수's records at 고용센터, and friends."""
    today = local_today()
    one = db.session.scalar
    nam = one(sa.select(Centre).where(Centre.code == "namyangju"))
    jobs = one(sa.select(Agency).where(Agency.centre_id == nam.id,
                                       Agency.kind == AgencyKind.EMPLOYMENT))
    kim = one(sa.select(Client).where(Client.name == "김민수").order_by(Client.id))
    case = one(sa.select(Case).where(Case.client_id == kim.id, Case.agency_id == jobs.id))
    owner = one(sa.select(Staff).where(Staff.username == "employment"))
    visit = one(sa.select(Visit).where(Visit.client_id == kim.id, Visit.visit_date == today))
    referral = one(sa.select(Referral).where(Referral.from_case_id == case.id).order_by(Referral.id))
    consent = one(sa.select(Consent).join(ConsentDocument).where(
        Consent.client_id == kim.id, ConsentDocument.kind == ConsentKind.THIRD_PARTY))
    return {
        "client_id": kim.id, "person_id": kim.id, "case_id": case.id, "visit_id": visit.id,
        "referral_id": referral.id, "consent_id": consent.id, "jobs": jobs.id,
        "note_id": one(sa.select(CaseNote.id).where(CaseNote.case_id == case.id,
                                                    CaseNote.is_confidential)),
        "goal_id": one(sa.select(PlanGoal.id).where(PlanGoal.case_id == case.id)),
        "stop_id": one(sa.select(VisitStop.id).where(VisitStop.visit_id == visit.id)
                       .order_by(VisitStop.position.desc())),
        "link_id": one(sa.select(ClientLink.id)),
        "staff_id": one(sa.select(Staff.id).where(Staff.username == "newcomer")),
        "owner_id": owner.id,
        "token_id": one(sa.select(ApiToken.id).where(ApiToken.staff_id == owner.id,
                                                     ApiToken.revoked_at.is_(None))),
        "centre_id": nam.id, "agency_id": jobs.id, "code": nam.code,
        "month": Month.of(today).previous().key,
        "offer_id": one(sa.select(CentreService.id).where(CentreService.centre_id == nam.id)
                        .order_by(CentreService.id)),
        "service_id": one(sa.select(Service.id).order_by(Service.id)),
        "document_id": one(sa.select(ConsentDocument.id).where(ConsentDocument.centre_id == nam.id)),
        "outreach_visit_id": one(sa.select(OutreachVisit.id).where(OutreachVisit.case_id == case.id)),
        "photo_id": one(sa.select(OutreachPhoto.id).order_by(OutreachPhoto.id)) or 1,
        "partner_referral_id": one(sa.select(PartnerReferral.id).where(
            PartnerReferral.centre_id == nam.id).order_by(PartnerReferral.id)) or 1,
        "token": "no-such-link-token",
        "partner_id": one(sa.select(Partner.id).where(Partner.centre_id == nam.id)),
        "appointment_id": one(sa.select(Appointment.id).where(Appointment.client_id == kim.id)
                              .order_by(Appointment.id)),
        "kind": "third_party", "key": "open_cases", "filename": "css/hanjari.css",
        "day": one(sa.select(PublicHoliday.day).order_by(PublicHoliday.day)).isoformat(),
    }


# Rules whose arguments name something else than the default object.
_OUTREACH = ("outreach.show", "outreach.step", "outreach.consent", "outreach.add_photo",
             "outreach.record")
_PARTNER_REFERRAL = ("partner_referrals.show", "partner_referrals.act",
                     "api_partner_referrals.show", "api_partner_referrals.change_status")
PATH_OVERRIDES = {
    **{endpoint: lambda ids: {"referral_id": ids["partner_referral_id"]}
       for endpoint in _PARTNER_REFERRAL},
    **{endpoint: lambda ids: {"visit_id": ids["outreach_visit_id"]} for endpoint in _OUTREACH},
    "centers.revoke_staff_token": lambda ids: {"staff_id": ids["owner_id"]},
}
# Pages that name their object in the query string.
QUERY = {
    "cases.open_case": lambda ids: {"client_id": ids["client_id"]},
    "referrals.send": lambda ids: {"case_id": ids["case_id"]},
    "partner_referrals.send": lambda ids: {"case_id": ids["case_id"]},
}
# Web forms whose object is in the body (an empty body would be a 404 for everyone).
FORMS = {
    "catalogue.add_centre_service": lambda ids: {"service_id": ids["service_id"]},
}
# API bodies the schema accepts, so that the answer is the permission's, not the schema's.
API_BODIES = {
    "api_cases.open_case": lambda ids: {"person_id": ids["client_id"], "summary": "표 검사"},
    "api_cases.close": lambda ids: {"reason": "employed"},
    "api_cases.add_note": lambda ids: {"kind": "counselling", "body": "표 검사"},
    "api_people.register": lambda ids: {"name": "표검사", "birth_date": "1990-01-01", "sex": "F",
                                        "consent": {"collection": True, "method": "written"}},
    "api_people.record_consent": lambda ids: {"kind": "collection", "method": "written"},
    "api_people.search": lambda ids: {"q": "김민수"},
    "api_referrals.send": lambda ids: {"case_id": ids["case_id"], "to_agency_id": ids["jobs"],
                                       "reason": "표 검사"},
    "api_visits.register": lambda ids: {"person_id": ids["client_id"], "purposes": ["jobs"],
                                        "plan": [ids["jobs"]]},
}
# Posts that take something away run after the others (so a removal does not turn a later
# cell into a 404); signing out runs last of all.
LAST = re.compile(r"remove|delete|withdraw|unlink|revoke|set_staff_active|reset_password")

ANY = re.compile(r"<any\(([^)]*)\):(\w+)>")


@dataclass
class Cell:
    key: str
    method: str
    rule: Rule
    fixed: dict

    @property
    def is_api(self) -> bool:
        return self.rule.rule.startswith("/api/")


def cells(app) -> list[Cell]:
    """Every rule and method, one cell per choice of an ``<any(…)>`` part; reads first,
    removals later, signing out last."""
    found = []
    for rule in app.url_map.iter_rules():
        choices = ANY.search(rule.rule)
        values = [c.strip().strip("'\"") for c in choices.group(1).split(",")] if choices else []
        options = [(f"[{v}]", {choices.group(2): v}) for v in values] or [("", {})]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for suffix, fixed in options:
                found.append(Cell(f"{method} {rule.endpoint}{suffix}", method, rule, fixed))

    def order(cell: Cell):
        return (cell.key == "POST auth.logout", cell.method != "GET",
                bool(LAST.search(cell.rule.endpoint)), cell.key)

    return sorted(found, key=order)


def outcome(response) -> str:
    code = response.status_code
    if code >= 500:
        return "!"
    if code == 401 or (code in (301, 302, 303)
                       and "/login" in response.headers.get("Location", "")):
        return "L"
    if code in (403, 404):
        return "D"
    if code >= 400:
        return "R"
    return "A"


class Asker:
    """One role's browser and API token."""

    def __init__(self, app, role: str):
        self.app, self.client, self.headers = app, app.test_client(), {}
        if role != "anonymous":
            assert login(self.client, USERNAMES[role]).status_code == 302
            staff = db.session.scalar(sa.select(Staff).where(Staff.username == USERNAMES[role]))
            self.headers = bearer(make_token(staff))

    def ask(self, cell: Cell, ids: dict) -> str:
        endpoint = cell.rule.endpoint
        values = {name: ids.get(name) for name in cell.rule.arguments}
        values |= PATH_OVERRIDES.get(endpoint, lambda _ids: {})(ids) | cell.fixed
        values |= QUERY.get(endpoint, lambda _ids: {})(ids)
        url = self.app.url_map.bind("localhost").build(endpoint, values, method=cell.method)
        if cell.is_api:
            body = API_BODIES.get(endpoint, lambda _ids: {})(ids) if cell.method == "POST" else None
            response = self.app.test_client().open(url, method=cell.method, headers=self.headers,
                                                   json=body)
        else:
            data = FORMS.get(endpoint, lambda _ids: {})(ids) if cell.method == "POST" else None
            response = self.client.open(url, method=cell.method, data=data)
            if response.status_code in (301, 302, 303) and self._refusal_flashed():
                return "R"
        return outcome(response)

    def _refusal_flashed(self) -> bool:
        """A redirect that carries a "danger" message is a refusal told to the user."""
        with self.client.session_transaction() as session:
            flashes = session.pop("_flashes", [])
        return any(category == "danger" for category, _message in flashes)


# --- object states that change the answer ---------------------------------------------------
# Each state is set up on top of the world (in this order, after the plain reads) and names the
# cells to ask again; its rows are keyed "<cell> {<state>}".

def _referral_to_other(ids: dict) -> dict:
    """김민수 agrees to share with 문화 (the "other" agency) and 고용센터 refers him there."""
    nam = db.session.get(Centre, ids["centre_id"])
    culture = db.session.scalar(sa.select(Agency).where(Agency.centre_id == nam.id,
                                                        Agency.kind == AgencyKind.CULTURE))
    kim = db.session.get(Client, ids["client_id"])
    desk = db.session.scalar(sa.select(Staff).where(Staff.username == "desk"))
    consent = people.record_consent(desk, kim, people.current_document(nam.id, ConsentKind.THIRD_PARTY),
                                    method=ConsentMethod.WRITTEN, given_on=local_today(),
                                    agency_ids=[culture.id])
    db.session.commit()
    referral = make_referral(db.session.get(Case, ids["case_id"]), culture, reason="문화 활동 연계")
    return ids | {"referral_id": referral.id, "consent_id": consent.id}


def _consent_withdrawn(ids: dict) -> dict:
    desk = db.session.scalar(sa.select(Staff).where(Staff.username == "desk"))
    people.withdraw_consent(desk, db.session.get(Consent, ids["consent_id"]), "본인 요청")
    db.session.commit()
    return ids


def _glass_broken(ids: dict) -> dict:
    other = db.session.scalar(sa.select(Staff).where(Staff.username == USERNAMES["other"]))
    break_glass(other, ids["client_id"], "위기 상담 요청으로 확인")
    db.session.commit()
    return ids


READS_OF_THE_PERSON = ["GET cases.person", "GET intake.show_person", "GET api_people.show"]
READS_OF_THE_REFERRAL = ["GET referrals.show", "GET referrals.slip", "GET api_referrals.show"]
STATES = [
    ("referral to other, consent in force", _referral_to_other,
     READS_OF_THE_PERSON + READS_OF_THE_REFERRAL),
    ("referral to other, consent withdrawn", _consent_withdrawn,
     READS_OF_THE_PERSON + READS_OF_THE_REFERRAL),
    ("other broke the glass", _glass_broken, READS_OF_THE_PERSON),
]


def observe(app, role: str) -> dict[str, str]:
    """Every cell on a fresh world, then the states on another fresh world (the posts have
    changed the first one)."""
    build_world()
    ids = world_ids()
    asker = Asker(app, role)
    every = cells(app)
    seen = {cell.key: asker.ask(cell, ids) for cell in every}
    db.session.remove()
    _empty_tables()
    build_world()
    ids = world_ids()
    asker = Asker(app, role)
    by_key = {cell.key: cell for cell in every}
    for name, set_up, keys in STATES:
        ids = set_up(ids)
        for key in keys:
            seen[f"{key} {{{name}}}"] = asker.ask(by_key[key], ids)
    return seen


@pytest.mark.parametrize("role", ROLES)
def test_every_rule_answers_every_role_as_the_table_says(app, role):
    seen = observe(app, role)
    column = ROLES.index(role)
    if os.environ.get("HANJARI_MATRIX_PRINT"):
        with open(f"/tmp/security/matrix_{role}.txt", "w") as out:
            out.writelines(f"{key} {value}\n" for key, value in seen.items())
    unknown = sorted(set(seen) - set(EXPECTED))
    assert not unknown, f"{len(unknown)} rules the matrix does not know (add a row): {unknown[:20]}"
    stale = sorted(set(EXPECTED) - set(seen))
    assert not stale, f"rows for rules that no longer exist: {stale}"
    wrong = [f"{key}: expected {EXPECTED[key][column]}, got {got}"
             for key, got in seen.items() if EXPECTED[key][column] not in ("-", got)]
    assert not wrong, "\n".join(wrong)
