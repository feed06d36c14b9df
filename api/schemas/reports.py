"""The JSON API's schemas of the monthly report."""

from __future__ import annotations

from marshmallow import fields

from api.schemas.base import (
    Schema,
)


class ReportFigure(Schema):
    label = fields.String(required=True)
    value = fields.Raw(required=True, allow_none=True, metadata={"type": "number", "nullable": True})
    unit = fields.String(required=True)


class ReportTable(Schema):
    title = fields.String(required=True)
    columns = fields.List(fields.String(), required=True)
    rows = fields.List(fields.List(fields.Raw(allow_none=True)), required=True)
    footer = fields.List(fields.Raw(allow_none=True), required=True, allow_none=True)


class ReportSection(Schema):
    key = fields.String(required=True)
    title = fields.String(required=True)
    figures = fields.List(fields.Nested(ReportFigure), required=True)
    tables = fields.List(fields.Nested(ReportTable), required=True)
    note = fields.String(required=True)


class ReportHeadline(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    unit = fields.String(required=True)
    value = fields.Raw(required=True, allow_none=True, metadata={"type": "number", "nullable": True})
    previous = fields.Raw(required=True, allow_none=True, metadata={"type": "number", "nullable": True})
    year_before = fields.Raw(required=True, allow_none=True,
                             metadata={"type": "number", "nullable": True})


class ReportStanding(Schema):
    closed = fields.Boolean(required=True, metadata={"description": "마감한 달"})
    text = fields.String(required=True, metadata={"description": "마감 …, 제N판 / 잠정 (… 기준)"})
    version = fields.Integer(required=True, allow_none=True, metadata={"description": "판"})
    closed_at = fields.String(required=True, allow_none=True)
    closed_by = fields.String(required=True)
    reason = fields.String(required=True, metadata={"description": "재작성 사유"})
    data_as_of = fields.String(required=True)
    latest_version = fields.Integer(required=True, allow_none=True)


class ReportDefinition(Schema):
    label = fields.String(required=True)
    definition = fields.String(required=True)


def _number(description: str):
    return fields.Raw(required=True, allow_none=True,
                      metadata={"type": "number", "nullable": True, "description": description})


class ReportTarget(Schema):
    key = fields.String(required=True, metadata={"description": "visits, registered, "
                                                 "cases_closed, employed, referrals_completed, "
                                                 "one_stop_share"})
    label = fields.String(required=True)
    unit = fields.String(required=True, metadata={"description": "count, people, percent"})
    month_target = _number("그달 목표")
    month_actual = _number("그달 실적")
    month_attainment = _number("그달 달성률(%), 목표가 없으면 null")
    ytd_target = _number("올해 누계 목표")
    ytd_actual = _number("올해 누계 실적")
    ytd_attainment = _number("누계 달성률(%)")


class MonthlyReport(Schema):
    centre_code = fields.String(required=True)
    centre_name = fields.String(required=True)
    month = fields.String(required=True, metadata={"description": "YYYY-MM"})
    is_partial = fields.Boolean(required=True, metadata={"description": "아직 끝나지 않은 달"})
    standing = fields.Nested(ReportStanding, required=True)
    headlines = fields.List(fields.Nested(ReportHeadline), required=True)
    sections = fields.List(fields.Nested(ReportSection), required=True)
    targets = fields.List(fields.Nested(ReportTarget), required=True, metadata={
        "description": "목표 대비 실적: 마감한 달은 마감할 때의 목표"})
    definitions = fields.List(fields.Nested(ReportDefinition), required=True)
