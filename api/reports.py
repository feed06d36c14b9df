"""Every figure of the monthly centre report as JSON, from the same builders as the page."""

from __future__ import annotations

from flask import request
from werkzeug.exceptions import NotFound

from api.auth import blueprint, current_staff
from api.schemas import reports as schemas
from centers.queries import get_centre_by_code_or_404
from core import audit
from core.extensions import db
from core.roles import Role
from reports import closing
from reports.periods import Month

blp = blueprint("api_reports", __name__, "보고서: 센터 월간 보고서의 모든 수치")


@blp.route("/reports/monthly/<code>/<month>", methods=["GET"])
@blp.response(200, schemas.MonthlyReport)
def monthly(code: str, month: str):
    """The monthly report of a centre (the manager's own; the administrator's any) for a
    month that has begun (``YYYY-MM``); counts only, no personal data. A closed month is
    read from its latest edition (``?edition=N`` for an earlier one); ``standing`` says
    which, or that the figures are provisional and as of when."""
    actor = current_staff((Role.MANAGER, Role.ADMIN))
    try:
        period = Month.parse(month)
    except ValueError:
        raise NotFound() from None
    centre = get_centre_by_code_or_404(code, actor)
    if period > Month.current():
        raise NotFound()
    report = closing.report_for(centre, period, request.args.get("edition", type=int))
    audit.record("report.monthly.json", actor=actor, subject=centre, centre_id=centre.id,
                 detail={"month": period.key})
    db.session.commit()
    # Through the stored form, so a provisional month and a closed one (and SQLite and
    # PostgreSQL) give the same JSON types.
    data = closing.report_to_json(report)
    return {
        "centre_code": data["centre_code"], "centre_name": data["centre_name"],
        "month": period.key, "is_partial": report.is_partial,
        "standing": report.stamp.as_dict(),
        "headlines": data["headlines"],
        "sections": [{key: s[key] for key in ("key", "title", "note", "figures", "tables")}
                     for s in data["sections"]],
        "targets": next((s.get("data") or [] for s in data["sections"]
                         if s["key"] == "targets"), []),
        "definitions": [{"label": label, "definition": text}
                        for label, text in data["definitions"]],
    }



