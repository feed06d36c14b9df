"""The access-log review (접근 기록 점검): the list with filters and flags, the monthly
sign-off, the CSV export; and a person's "who viewed my record" (PIPA 제35조)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cases.people import may_print_access_history
from cases.queries import get_client_or_404
from core.clock import local_today
from core.extensions import db
from core.roles import allowed_if, roles_required
from core.views import commit_or_flash, current_staff, paginate_list
from reports import access_review as rules
from reports.forms import SignOffForm
from reports.periods import Month

bp = Blueprint("access", __name__)

FLAG_LABELS = {
    "bulk": _l("대량 열람"),
    "after_hours": _l("근무시간 외"),
    "download": _l("출력·내려받기"),
    "break_glass": _l("예외 열람"),
}
WHAT_LABELS = {"viewed": _l("열람"), "printed": _l("출력"), "changed": _l("변경")}
PER_PAGE = 50


@bp.get("/audit")
@allowed_if(rules.may_review)
def review():
    """The month's events with filters and flags; the sign-off of the month."""
    actor = current_staff()
    filters = rules.Filters.from_args(request.args)
    result = rules.review(actor, filters)
    page = paginate_list(result.ids, PER_PAGE)
    events = rules.load(page.items)
    return render_template(
        "access/review.html", filters=filters, events=events, result=result, page=page,
        flag_labels=FLAG_LABELS, staff=rules.staff_choices(actor),
        # Readable Korean (``tojson`` would write \uXXXX); Jinja escapes it for the page.
        details={event.id: json.dumps(rules.detail_for(actor, event), ensure_ascii=False)
                 for event in events},
        signed=rules.sign_off_of(actor.centre_id, filters.month),
        may_sign=rules.may_sign_month(actor, filters.month), form=SignOffForm(),
        months=_recent_months())


def _recent_months(count: int = 13) -> list[Month]:
    months = [Month.current()]
    while len(months) < count:
        months.append(months[-1].previous())
    return months


@bp.post("/audit/<month:month>/sign-off")
@allowed_if(rules.may_sign_off)
def sign_off(month: Month):
    form = SignOffForm()
    if form.validate_on_submit():
        commit_or_flash(lambda: rules.sign_off(current_staff(), month, form.remark.data or ""),
                        _("%(month)s 접근 기록 점검을 확인했습니다.", month=month.key))
    return redirect(url_for("access.review", month=month.key))


@bp.get("/audit/export.csv")
@allowed_if(rules.may_review)
def export():
    """The filtered list as CSV; the export itself is written to the log."""
    actor = current_staff()
    filters = rules.Filters.from_args(request.args)
    labels = {name: str(label) for name, label in FLAG_LABELS.items()}
    body = rules.to_csv(actor, filters, rules.review(actor, filters), labels)
    db.session.commit()
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="access-log-{filters.month.key}.csv"',
        "Cache-Control": "no-store"})


# --- who viewed my record (PIPA 제35조) --------------------------------------------------------

def _history(client_id: int, purpose: str):
    """The person (the read audited) and their access history, for those who may print it.

    :raise 404: no such person at the actor's centre.
    :raise 403: the actor does not keep the person's record.
    """
    actor = current_staff()
    client = get_client_or_404(client_id, actor, purpose=purpose)
    if not may_print_access_history(actor, client):
        abort(403)
    return client, {"person": client.name, "number": client.id, "centre": client.centre.name,
                    "printed_on": local_today().isoformat(),
                    "rows": rules.access_history(client)}


@bp.get("/audit/people/<int:client_id>")
@roles_required(*rules.HISTORY_ROLES)
def person_history(client_id: int):
    """Which agencies and staff read, printed or changed this person's record, and when."""
    client, history = _history(client_id, "access_history_viewed")
    page = render_template("access/person_history.html", client=client, history=history,
                           what=WHAT_LABELS)
    db.session.commit()
    return page


@bp.get("/audit/people/<int:client_id>.pdf")
@roles_required(*rules.HISTORY_ROLES)
def person_history_pdf(client_id: int):
    """The same list on paper, for the person; printing it is itself in the log."""
    from core.pdf import render_pdf  # WeasyPrint: imported at the first PDF, not at start-up

    client, history = _history(client_id, "access_history_printed")
    db.session.commit()
    body = render_pdf("access/person_history_pdf.html", history=history, what=WHAT_LABELS)
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="access-history-{client.id}.pdf"',
        "Cache-Control": "no-store"})
