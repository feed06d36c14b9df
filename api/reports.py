"""Every figure of the monthly centre report as JSON, from the same builders as the page."""

from __future__ import annotations

from werkzeug.exceptions import NotFound

from api import schemas
from api.auth import blueprint, current_staff
from centers.queries import get_centre_by_code_or_404
from core import audit
from core.extensions import db
from core.roles import Role
from reports import sections
from reports.periods import Month

blp = blueprint("api_reports", __name__, "보고서: 센터 월간 보고서의 모든 수치")


@blp.route("/reports/monthly/<code>/<month>", methods=["GET"])
@blp.response(200, schemas.MonthlyReport)
def monthly(code: str, month: str):
    """The monthly report of a centre (the manager's own; the administrator's any) for a
    month that has begun (``YYYY-MM``); counts only, no personal data."""
    actor = current_staff((Role.MANAGER, Role.ADMIN))
    try:
        period = Month.parse(month)
    except ValueError:
        raise NotFound() from None
    centre = get_centre_by_code_or_404(code, actor)
    if period > Month.current():
        raise NotFound()
    report = sections.monthly_report(centre, period)
    audit.record("report.monthly.json", actor=actor, subject=centre, centre_id=centre.id,
                 detail={"month": period.key})
    db.session.commit()
    return {
        "centre_code": report.centre_code, "centre_name": report.centre_name,
        "month": period.key, "is_partial": report.is_partial,
        "headlines": [vars(h) for h in report.headlines],
        "sections": [{"key": s.key, "title": s.title, "note": s.note,
                      "figures": [vars(f) for f in s.figures],
                      "tables": [{"title": t.title, "columns": [str(c) for c in t.columns],
                                  "rows": t.rows, "footer": t.footer} for t in s.tables]}
                     for s in report.sections],
    }



