"""Report screens: the dashboard and its lists, the monthly centre report and the national
roll-up, each as a page and as PDF/XLSX/CSV. Every export is an audit event."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import selectinload
from werkzeug.routing import BaseConverter, ValidationError

from cases.models import Case, Client
from centers.models import Centre
from centers.queries import get_centre_by_code_or_404, get_published_centre_or_404
from core import audit
from core.extensions import db
from core.forms import EmptyForm, error_text
from core.roles import Role, allowed_if, roles_required
from core.views import commit_or_flash, committed, current_staff
from intake.models import Visit, VisitStop
from reports import (
    closing,
    dashboard,
    documents,
    edition_pdfs,
    editions,
    exports,
    figures,
    headlines,
    open_data,
    sections,
    targets,
)
from reports.closing_views import CorrectionForm
from reports.forms import RemarksForm
from reports.national import NationalReport, may_read_national, national_ranking, national_report
from reports.periods import Month

bp = Blueprint("reports", __name__, url_prefix="/reports")

managers = roles_required(Role.MANAGER)
report_readers = roles_required(Role.MANAGER, Role.ADMIN)
national_readers = allowed_if(may_read_national)

MIME = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",  # Werkzeug adds "; charset=utf-8" to every text type
}


class MonthConverter(BaseConverter):
    """``YYYY-MM`` in a URL, as a :class:`Month` (a malformed month is a 404)."""

    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> Month:
        try:
            return Month.parse(value)
        except ValueError as error:
            raise ValidationError() from error

    def to_url(self, value) -> str:
        return str(value)


def _reportable_or_404(month: Month) -> Month:
    """:raise 404: a month that has not started yet."""
    if month > Month.current():
        abort(404)
    return month


def _download(body: bytes, kind: str, filename: str, *, inline: bool = False) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(body, mimetype=MIME[kind], headers={
        "Content-Disposition": f'{disposition}; filename="{filename}"',
        "Cache-Control": "no-store",
    })


def _audit_export(report: str, kind: str, month: Month, centre: Centre | None = None) -> None:
    audit.record(f"report.{report}.{kind}", subject=centre,
                 centre_id=centre.id if centre else None,
                 detail={"month": month.key, "format": kind,
                         "centre": centre.code if centre else None})
    db.session.commit()


@bp.app_template_filter("figure")
def format_figure(value) -> str:
    """A report number: thousands separated, one decimal for averages and shares, — for
    "no value" (nothing to average)."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


@bp.app_template_filter("keep_words")
def keep_words(value) -> Markup:
    """Text that wraps only between words: in print, Hangul would otherwise break between
    any two syllables (``남양주고용센`` / ``터``), and WeasyPrint has no ``word-break:
    keep-all``. Each word becomes an unbreakable span."""
    if value is None:
        return Markup("")
    return Markup(" ").join(Markup('<span class="kw">%s</span>') % word
                            for word in str(value).split())


@bp.app_template_filter("signed")
def format_signed(value) -> str:
    if value is None:
        return "—"
    text = format_figure(abs(value))
    return f"+{text}" if value > 0 else (f"−{text}" if value < 0 else text)


# --- dashboard ---------------------------------------------------------------------------

@bp.get("/dashboard")
@managers
def show_dashboard():
    """Today and this month at the manager's centre, per agency."""
    data = dashboard.dashboard(current_staff().centre)
    return render_template("reports/dashboard.html", data=data, month=Month.of(data.today))


@bp.get("/dashboard/<key>")
@managers
def dashboard_list(key: str):
    """The rows behind one dashboard figure.

    :raise 404: unknown figure, or an agency of another centre.
    """
    if key not in dashboard.LISTS:
        abort(404)
    centre = current_staff().centre
    agency_id = request.args.get("agency", type=int)
    agencies = {a.id: a for a in centre.agencies}
    if agency_id and agency_id not in agencies:
        abort(404)
    spec = dashboard.LISTS[key]
    query = dashboard.list_query(key, current_staff(), centre, agency_id)
    if spec.kind == "visits":
        query = query.options(selectinload(Visit.client), selectinload(Visit.purposes),
                              selectinload(Visit.stops).selectinload(VisitStop.agency))
    elif spec.kind == "cases":
        query = query.options(selectinload(Case.client), selectinload(Case.agency),
                              selectinload(Case.caseworker))
    page = db.paginate(query, per_page=50, error_out=False)
    audit.record_listing("report.dashboard_listed", [_person_of(row) for row in page.items],
                         page="reports.dashboard_list", figure=key)
    return committed(render_template(
        "reports/dashboard_list.html", spec=spec, key=key, page=page,
        agency=agencies.get(agency_id) if spec.per_agency else None,
    ))


def _person_of(row) -> int | None:
    """The person a dashboard row (a visit, case, referral or person) is about."""
    return row.id if isinstance(row, Client) else getattr(row, "client_id", None)


# --- monthly report ----------------------------------------------------------------------

@bp.get("/monthly")
@report_readers
def monthly_latest():
    """The monthly report chosen in the form, or else one's own centre's this month, so far
    (the page links back to the complete months)."""
    actor = current_staff()
    code = request.args.get("centre") or (actor.centre.code if actor.centre else None)
    if code is None:
        return redirect(url_for("reports.national_latest"))
    try:
        month = Month.parse(request.args.get("month", ""))
    except ValueError:
        month = Month.current()
    return redirect(url_for("reports.monthly", code=code, month=min(month, Month.current())))


def _monthly(code: str, month: Month) -> tuple[Centre, sections.MonthlyReport]:
    """The centre and its report: the edition asked for (``?edition=N``) or the latest of a
    closed month, else computed now. A month past its closing deadline closes here.

    :raise 404: no such centre for the reader, a month not begun, no such edition.
    """
    centre = get_centre_by_code_or_404(code, current_staff())
    report = closing.report_for(centre, _reportable_or_404(month),
                                request.args.get("edition", type=int))
    db.session.commit()  # a month that closed by itself here
    return centre, report


def _chart_images(report, *, printed: bool = False) -> dict[str, str]:
    return closing.chart_images(report, printed=printed)


@bp.get("/monthly/<code>/<month:month>")
@report_readers
def monthly(code: str, month: Month):
    centre, report = _monthly(code, month)
    actor = current_staff()
    return render_template(
        "reports/monthly.html", report=report, centre=centre,
        images=_chart_images(report), headline=exports.headline_table(report),
        previous=month.previous(), following=month.next() if month < Month.current() else None,
        may_read_national=may_read_national(actor),
        may_close=closing.may_close_month(actor, centre, month),
        may_correct=closing.may_correct_month(actor, centre, month),
        may_set_targets=targets.may_set_targets(actor) and actor.centre_id == centre.id,
        form=EmptyForm(), correction=CorrectionForm(),
        **_document_panel(centre, month, documents.monthly_version(report)),
    )


def _document_panel(centre: Centre | None, month: Month, version: int | None) -> dict:
    """The page's document box: the number of the version shown, and the remarks form for
    who may write them (on a closed month)."""
    document = documents.document_of(documents.series_of(centre), month, version)
    may_write = version is not None and documents.may_write_remarks(current_staff(), centre)
    form = RemarksForm(remarks=document.remarks if document else "") if may_write else None
    published = _national_version(month) is not None
    open_csv_url = None
    if published:
        open_csv_url = (url_for("reports.national_open_csv", month=month) if centre is None
                        else url_for("reports.monthly_open_csv", code=centre.code, month=month))
    return {"document": document, "remarks_form": form, "issued": version is not None,
            "open_csv_url": open_csv_url}


def _save_remarks(centre: Centre | None, month: Month, version: int | None) -> None:
    """:raise 403: someone who may read the report but not write its remarks."""
    if not documents.may_write_remarks(current_staff(), centre):
        abort(403)
    form = RemarksForm()
    if form.validate_on_submit():
        commit_or_flash(lambda: documents.save_remarks(
            centre, month, version, form.remarks.data or "", current_staff()),
            _("비고를 저장했습니다."))
    else:
        flash(error_text(form), "danger")


@bp.post("/monthly/<code>/<month:month>/remarks")
@report_readers
def monthly_remarks(code: str, month: Month):
    """The remarks of the month's latest edition."""
    centre = get_centre_by_code_or_404(code, current_staff())
    _save_remarks(centre, month, documents.latest_monthly_version(centre, month))
    return redirect(url_for("reports.monthly", code=code, month=month) + "#document")


def _cover(centre: Centre | None, month: Month, version: int | None, title: str, period: str,
           standing: str, as_of) -> documents.Cover:
    """Number the report (the first print of an edition) and draw up its cover."""
    actor = current_staff()
    document = documents.issue(centre, month, version, actor)
    return documents.cover(centre, actor, document, title, period, standing, as_of)


@bp.get("/monthly/<code>/<month:month>.pdf")
@report_readers
def monthly_pdf(code: str, month: Month):
    from core.pdf import render_pdf  # WeasyPrint: imported at the first PDF, not at start-up

    centre, report = _monthly(code, month)
    version = documents.monthly_version(report)
    cover = _cover(centre, month, version, _("월간 운영 보고서"), report.period_label,
                   report.stamp.text, report.stamp.as_of)

    def draw() -> bytes:
        return render_pdf("reports/monthly_pdf.html", report=report,
                          images=_chart_images(report, printed=True), units=exports.UNITS,
                          cover=cover)

    # A closed edition's PDF is drawn once (per language) and kept; a provisional one each time.
    edition = editions.edition(centre.id, month, version) if version is not None else None
    pdf = edition_pdfs.edition_pdf(edition, cover, draw) if edition is not None else draw()
    _audit_export("monthly", "pdf", month, centre)
    return _download(pdf, "pdf", f"hanjari-{centre.code}-{month}.pdf", inline=True)


@bp.get("/monthly/<code>/<month:month>.xlsx")
@report_readers
def monthly_xlsx(code: str, month: Month):
    centre, report = _monthly(code, month)
    body = exports.monthly_xlsx(report)
    _audit_export("monthly", "xlsx", month, centre)
    return _download(body, "xlsx", f"hanjari-{centre.code}-{month}.xlsx")


@bp.get("/monthly/<code>/<month:month>.csv")
@report_readers
def monthly_csv(code: str, month: Month):
    centre, report = _monthly(code, month)
    body = exports.monthly_csv(report)
    _audit_export("monthly", "csv", month, centre)
    return _download(body, "csv", f"hanjari-{centre.code}-{month}.csv")


# --- national roll-up --------------------------------------------------------------------

def _all_centres() -> list[Centre]:
    return list(db.session.scalars(sa.select(Centre).order_by(Centre.name)))


def _national(month: Month) -> NationalReport:
    centres = _all_centres()
    # One block for both: the targets' "actual" columns are the same counts as the rows.
    with figures.computed_once():
        report = national_report(centres, _reportable_or_404(month))
        attainment = targets.national_rows(centres, month)
    report.targets = [(row, attainment.get(centre.id))
                      for row, centre in zip(report.rows, centres, strict=True)]
    return report


def _national_version(month: Month) -> int | None:
    return documents.national_version([c.id for c in _all_centres()], month)


@bp.get("/national")
@national_readers
def national_latest():
    try:
        month = Month.parse(request.args.get("month", ""))
    except ValueError:
        month = Month.current().previous()
    return redirect(url_for("reports.national", month=min(month, Month.current())))


@bp.get("/national/<month:month>")
@national_readers
def national(month: Month):
    return render_template(
        "reports/national.html", report=_national(month), previous=month.previous(),
        target_measures=targets.MEASURES,
        following=month.next() if month < Month.current() else None,
        **_document_panel(None, month, _national_version(month)),
    )


@bp.post("/national/<month:month>/remarks")
@national_readers
def national_remarks(month: Month):
    _save_remarks(None, month, _national_version(month))
    return redirect(url_for("reports.national", month=month) + "#document")


@bp.get("/national/<month:month>.pdf")
@national_readers
def national_pdf(month: Month):
    from core.pdf import render_pdf  # WeasyPrint: imported at the first PDF, not at start-up

    report = _national(month)
    cover = _cover(None, month, _national_version(month), _("전국 운영 현황 보고서"),
                   report.period_label, report.stamp_text, headlines.month_end(month))
    pdf = render_pdf("reports/national_pdf.html", report=report, units=exports.UNITS,
                     cover=cover, ranking=national_ranking(report),
                     target_measures=targets.MEASURES)
    _audit_export("national", "pdf", month)
    return _download(pdf, "pdf", f"hanjari-national-{month}.pdf", inline=True)


@bp.get("/national/<month:month>.xlsx")
@national_readers
def national_xlsx(month: Month):
    body = exports.national_xlsx(_national(month))
    _audit_export("national", "xlsx", month)
    return _download(body, "xlsx", f"hanjari-national-{month}.xlsx")


# --- open data (no sign-in) --------------------------------------------------------------

def _published_or_404(month: Month) -> dict:
    """Every centre's closed report of the month.

    :raise 404: a month some centre has not closed: a month is published once all closed it,
        all at once (a centre's cells are hidden as in the national file).
    """
    if _national_version(month) is None:
        abort(404)
    return open_data.closed_reports(_all_centres(), month)


def _open_csv(month: Month, tables, filename: str) -> Response:
    status = _("마감 · 자료 %(at)s 기준", at=documents.as_of_text(headlines.month_end(month)))
    return Response(open_data.open_csv(month, status, tables), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "public, max-age=3600"})


@bp.get("/national/<month:month>.open.csv")
def national_open_csv(month: Month):
    """A closed month's counts for every centre, small counts hidden: for anyone."""
    reports = _published_or_404(month)
    tables = open_data.national_tables(_all_centres(), reports)
    return _open_csv(month, tables, f"hanjari-national-{month}.open.csv")


@bp.get("/monthly/<code>/<month:month>.open.csv")
def monthly_open_csv(code: str, month: Month):
    """A closed month's counts of one centre (its rows of the national tables, hidden as
    there, and its referral matrix): for anyone."""
    centre = get_published_centre_or_404(code)
    reports = _published_or_404(month)
    centres = _all_centres()
    index = [c.id for c in centres].index(centre.id)
    tables = [open_data.centre_rows(table, index)
              for table in open_data.national_tables(centres, reports)]
    referrals = open_data.referral_table(reports[centre.id])
    if referrals is not None:
        tables.append(referrals)
    return _open_csv(month, tables, f"hanjari-{centre.code}-{month}.open.csv")
