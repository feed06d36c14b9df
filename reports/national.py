"""The national roll-up: every centre's headline figures side by side, the national total
and the centres ranked by a few of them (page, PDF, XLSX)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from centers.models import Centre, Staff
from core.roles import Role
from core.types import utcnow
from reports import editions, figures
from reports.headlines import HEADLINES, headline_counts, headline_values, month_end, total_counts
from reports.periods import Month

# --- the national roll-up ----------------------------------------------------------------

@dataclass
class NationalRow:
    code: str
    name: str
    values: dict[str, int | float | None]
    #: "마감 …, 제N판" from the centre's latest edition, or "잠정 (… 기준)".
    standing: str = ""


@dataclass
class NationalReport:
    month: Month
    is_partial: bool
    generated_at: datetime
    headlines: list[tuple[str, str, str]]  # (key, label, unit)
    rows: list[NationalRow]
    total: dict[str, int | float | None]
    #: "마감 (…)" once every centre closed the month, else "잠정 (… 기준)" with how many did.
    stamp_text: str = ""

    @property
    def period_label(self) -> str:
        return _("%(y)d년 %(m)d월", y=self.month.year, m=self.month.month)


def may_read_national(actor: Staff) -> bool:
    """The national roll-up (every centre side by side) is the administrator's."""
    return actor.role == Role.ADMIN


def national_report(centres: list[Centre], month: Month) -> NationalReport:
    """The headline figures of every centre side by side, and the national total (computed
    from the summed counts, so averages and shares are national, not averages of centres)."""
    ids = [c.id for c in centres]
    now = utcnow()
    with figures.computed_once():
        per_centre = headline_counts(ids, month)
    closed = editions.latest_editions(ids, month)
    standing = {cid: editions.stamp_of(edition).text for cid, edition in closed.items()}
    provisional = editions.provisional(now).text
    if centres and len(closed) == len(centres):
        stamp = _("마감 (모든 센터, 마지막 마감 %(at)s)", at=editions.seoul_text(
            max(edition.closed_at for edition in closed.values())))
    else:
        stamp = _("%(stamp)s, 마감한 센터 %(n)d/%(all)d", stamp=provisional, n=len(closed),
                  all=len(centres))
    return NationalReport(
        month=month, is_partial=month_end(month) < month.span.end_utc, generated_at=now,
        headlines=[(h.key, str(h.label), h.unit) for h in HEADLINES],
        rows=[NationalRow(c.code, c.name, headline_values(per_centre.get(c.id, {})),
                          standing.get(c.id, provisional)) for c in centres],
        total=headline_values(total_counts(per_centre)), stamp_text=stamp,
    )


#: The headline figures the national roll-up ranks its centres by, and whether more is better.
RANKED_HEADLINES = (("visits", True), ("multi_agency_share", True), ("trips_saved", True),
                    ("employed", True), ("avg_wait", False))


@dataclass
class Ranking:
    label: str
    unit: str
    higher_is_better: bool
    #: (rank, centre name, value): equal values share a rank (1, 2, 2, 4); no value comes last.
    places: list[tuple[int | None, str, int | float | None]]


def national_ranking(report: NationalReport) -> list[Ranking]:
    """The centres in order of a few headline figures, for the roll-up's comparison page."""
    labels = {key: (label, unit) for key, label, unit in report.headlines}
    rankings = []
    for key, higher in RANKED_HEADLINES:
        if key not in labels:
            continue
        valued = [r for r in report.rows if r.values.get(key) is not None]
        valued.sort(key=lambda r: (-r.values[key] if higher else r.values[key], r.name))
        places: list[tuple[int | None, str, int | float | None]] = []
        for index, row in enumerate(valued):
            tied = places and places[-1][2] == row.values[key]
            places.append((places[-1][0] if tied else index + 1, row.name, row.values[key]))
        places += [(None, r.name, None) for r in report.rows if r.values.get(key) is None]
        rankings.append(Ranking(labels[key][0], labels[key][1], higher, places))
    return rankings
