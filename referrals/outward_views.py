"""Referral-out screens: the caseworker sends to a partner and follows it; the partner, with
no account, opens its one-time link, answers and later reports the outcome."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from cases.models import ConsentMethod
from cases.queries import get_case_or_404
from catalogue.models import CentreService, Service
from centers.models import Staff
from core import audit
from core.clock import SEOUL, local_today
from core.errors import RefusedError
from core.extensions import db, limiter
from core.forms import error_text
from core.roles import Role, roles_required
from core.types import utcnow
from core.views import committed, current_staff
from partners.models import Partner
from partners.queries import get_partner_or_404
from referrals import mail, outward
from referrals.forms import NoteForm, PartnerAnswerForm, PartnerSendForm
from referrals.models import (
    ContactPreference,
    DeclineReason,
    MailStatus,
    Outcome,
    PartnerReferral,
    ShareItem,
    Urgency,
)
from referrals.queries import get_partner_referral_or_404

bp = Blueprint("partner_referrals", __name__, url_prefix="/referrals/partner")
public = Blueprint("partner_access", __name__, url_prefix="/p")

caseworkers = roles_required(Role.CASEWORKER)
case_staff = roles_required(Role.CASEWORKER, Role.MANAGER)


def deliver(actor: Staff, referral: PartnerReferral) -> bool:
    """Issue a new link and mail it. The referral and the link are committed before the
    SMTP server is asked, so a mail that fails loses nothing: the sender sees a retry."""
    issued = outward.issue_link(actor, referral)
    db.session.commit()
    sent = mail.try_send(referral, issued.link, issued.token)
    outward.record_mail(referral, issued.link, sent)
    db.session.commit()
    return sent


def _mail_flash(sent: bool) -> None:
    if sent:
        flash(_("협력기관에 전자우편으로 링크를 보냈습니다."), "success")
    else:
        flash(_("의뢰는 저장했지만 전자우편을 보내지 못했습니다. 의뢰 화면에서 '링크 다시 보내기'를 "
                "누르세요."), "warning")


# --- the sender -----------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@caseworkers
def send():
    actor = current_staff()
    case = get_case_or_404(request.args.get("case_id", type=int) or 0, actor, need="edit")
    if not outward.may_send_to_partner(actor, case):
        db.session.commit()
        flash(_("종결된 사례에서는 의뢰할 수 없습니다."), "warning")
        return redirect(url_for("cases.show", case_id=case.id))
    form = PartnerSendForm()
    partners = db.session.scalars(sa.select(Partner).where(
        Partner.centre_id == case.centre_id, Partner.is_active).order_by(Partner.name)).all()
    form.partner_id.choices = [(p.id, f"{p.name} ({p.kind.label})") for p in partners]
    form.service_id.choices = [(0, _("(특정 서비스 없음)"))] + [
        (sid, name) for sid, name in db.session.execute(
            sa.select(Service.id, Service.name)
            .join(CentreService, CentreService.service_id == Service.id)
            .where(CentreService.centre_id == case.centre_id, Service.is_active)
            .order_by(Service.name))]
    if not form.is_submitted():
        form.consent_given_on.data = local_today()
        chosen = request.args.get("partner_id", type=int)
        if chosen:
            form.partner_id.data = chosen
    if form.validate_on_submit():
        try:
            referral = outward.send(
                actor, case, get_partner_or_404(form.partner_id.data, actor),
                reason=form.reason.data, needs=form.needs.data or "",
                urgency=Urgency(form.urgency.data),
                contact_preference=ContactPreference(form.contact_preference.data),
                service_id=form.service_id.data or None, shared=form.shared.data or [],
                consent_method=ConsentMethod(form.consent_method.data),
                consent_given_on=form.consent_given_on.data,
                consent_confirmed=bool(form.consent_confirmed.data))
        except outward.PartnerReferralError as error:
            db.session.rollback()
            case = get_case_or_404(case.id, actor, need="edit")
            form.partner_id.errors = [str(error)]
        else:
            db.session.commit()
            _mail_flash(deliver(actor, referral))
            return redirect(url_for("partner_referrals.show", referral_id=referral.id))
    else:
        db.session.commit()
    return render_template("referrals/partner_send.html", form=form, case=case,
                           partners=partners)


@bp.get("")
@case_staff
def index():
    """The sender's list of referrals to partners: the closed loop, as 보낸 의뢰 inside."""
    actor = current_staff()
    view = request.args.get("view", "all")
    query = outward.partner_referrals_visible_to(actor).options(
        selectinload(PartnerReferral.client), selectinload(PartnerReferral.partner))
    if view == "overdue":
        query = query.where(outward.overdue_clause())
    page = db.paginate(query.order_by(PartnerReferral.sent_at.desc()), per_page=25,
                       error_out=False)
    audit.record_listing("partner_referral.listed", [r.client_id for r in page.items],
                         page="partner_referrals.index")
    return committed(render_template("referrals/partner_list.html", page=page, view=view,
                                     now=utcnow()))


@bp.get("/<int:referral_id>")
@case_staff
def show(referral_id: int):
    actor = current_staff()
    referral = get_partner_referral_or_404(referral_id, actor)
    outward.mark_read(actor, referral)
    return committed(render_template(
        "referrals/partner_show.html", referral=referral, form=NoteForm(), now=utcnow(),
        shared=outward.shared_view(referral), share_items=list(ShareItem),
        may_cancel=outward.may_cancel(actor, referral),
        may_issue_link=outward.may_issue_link(actor, referral),
        may_manage=outward.may_manage(actor, referral),
        links_in_force=[link for link in referral.links if link.is_usable(utcnow())],
        mail_failed=referral.mail_status == MailStatus.FAILED))


@bp.post("/<int:referral_id>/<any(link, revoke, cancel, withdraw):step>")
@caseworkers
def act(referral_id: int, step: str):
    actor = current_staff()
    referral = get_partner_referral_or_404(referral_id, actor)
    form = NoteForm()
    if not form.validate_on_submit():
        flash(error_text(form) or _("다시 시도하세요."), "danger")
        return redirect(url_for("partner_referrals.show", referral_id=referral_id))
    try:
        if step == "link":
            _mail_flash(deliver(actor, referral))
            return redirect(url_for("partner_referrals.show", referral_id=referral_id))
        if step == "revoke":
            outward.revoke_links(actor, referral)
            message = _("링크를 취소했습니다. 협력기관은 더 이상 이 의뢰를 열 수 없습니다.")
        elif step == "cancel":
            outward.cancel(actor, referral, form.note.data or "")
            message = _("의뢰를 취소했습니다.")
        else:
            outward.withdraw_consent(actor, referral, form.note.data or "")
            message = _("동의 철회를 기록했습니다. 협력기관은 더 이상 이 분의 정보를 볼 수 없습니다.")
    except RefusedError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("partner_referrals.show", referral_id=referral_id))


# --- the partner: the one-time link -----------------------------------------------------------

def _refused(error: RefusedError):
    """The access log keeps the refused opening; the page says only that the link is no good."""
    db.session.commit()
    return render_template("referrals/partner_link_refused.html", message=str(error)), 404


@public.get("/<token>")
@limiter.limit("60 per minute")
def open_link(token: str):
    try:
        link, referral = outward.open_link(token)
    except outward.LinkRefused as error:
        return _refused(error)
    page = _partner_page(token, link, referral, PartnerAnswerForm())
    db.session.commit()
    return page


@public.post("/<token>/<any(accept, decline, start, complete):action>")
@limiter.limit("30 per minute")
def answer(token: str, action: str):
    try:
        link, referral = outward.open_link(token, action=action)
    except outward.LinkRefused as error:
        return _refused(error)
    form = PartnerAnswerForm()
    if not form.validate_on_submit():
        db.session.commit()
        flash(error_text(form) or _("다시 시도하세요."), "danger")
        return redirect(url_for("partner_access.open_link", token=token))
    try:
        outward.partner_transition(
            referral, action, note=form.note.data or "", responder=form.responder.data or "",
            decline_reason=DeclineReason._value2member_map_.get(form.decline_reason.data or ""),
            outcome=Outcome._value2member_map_.get(form.outcome.data or ""), link=link)
    except RefusedError as error:
        db.session.rollback()
        outward.open_link(token)  # the refused try is in the access log too
        db.session.commit()
        flash(str(error), "danger")
        return redirect(url_for("partner_access.open_link", token=token))
    db.session.commit()
    flash(_("처리했습니다: %(s)s. 보낸 센터에 알렸습니다.", s=referral.status.label), "success")
    return redirect(url_for("partner_access.open_link", token=token))


def _partner_page(token: str, link, referral: PartnerReferral, form: PartnerAnswerForm) -> str:
    return render_template(
        "referrals/partner_link.html", token=token, referral=referral, form=form,
        shared=outward.shared_view(referral),
        actions=outward.allowed_partner_actions(referral, link),
        due=referral.due_at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M"),
        expires=link.expires_at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M"))

