"""``bench --scale tiny``: the only benchmark in the suite, checked for its shape, not its times."""

from __future__ import annotations

import json

EXPECTED_PAGES = {
    "desk_search_name", "desk_search_name_part", "desk_search_no_match", "desk_search_phone",
    "desk_search_initials", "register_visit",
    "todays_queue", "case_page_few_notes", "case_page_many_notes", "referral_inbox",
    "manager_dashboard", "monthly_report", "monthly_pdf", "monthly_xlsx", "api_people_search",
    "national_rollup", "national_xlsx", "closed_month_page", "closed_month_pdf",
}


def test_bench_tiny_measures_every_page_and_both_baselines(runner, tmp_path, db_url):
    out = tmp_path / "bench.json"
    result = runner.invoke(args=["bench", "--scale", "tiny", "--runs", "2", "--json", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["engine"] == ("postgresql" if db_url.startswith("postgresql") else "sqlite")
    assert report["scale"]["people"] > 0 and report["scale"]["visits"] > 0
    assert set(report["results"]) == EXPECTED_PAGES
    assert set(report["baselines"]) == {"flask_floor", "report_sql"}
    for name, figures in {**report["results"], **report["baselines"]}.items():
        assert figures["runs"] == 2, name
        assert figures["p95_ms"] >= figures["p50_ms"] > 0, name
    # Every page answered; registering a visit answers with the redirect to the new visit.
    statuses = {name: figures["status"] for name, figures in report["results"].items()}
    assert statuses.pop("register_visit") == 302
    assert set(statuses.values()) == {200}, statuses
    assert report["results"]["monthly_report"]["queries"] == report["baselines"]["report_sql"]["queries"]
    assert "× floor" in result.output
