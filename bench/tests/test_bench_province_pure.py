"""The province section's pure parts: stage bookkeeping and targets, the held-back month, and
dbt's run_results read into where the time went."""

from pathlib import Path

import pytest

from bench import dbt_timing, held_back
from bench.stages import PIPELINE_STAGES, Stages, targets
from mtqg_warehouse.contracts.model import load_contract


def _stages(**seconds: float) -> Stages:
    stages = Stages()
    for name, value in seconds.items():
        stages.record(name, value)
    return stages


def test_the_pipeline_is_the_first_pass_from_files_to_published_marts():
    stages = _stages(generate=60, load=40, gx_raw=5, dbt_full=50, gx_marts=10, publish=1, dbt_incremental=9)
    assert stages.total(PIPELINE_STAGES) == 106  # generating (the senders) and the month are not in it


def test_a_missing_required_stage_leaves_the_pipeline_unmeasured_and_its_target_unavailable():
    stages = _stages(load=40, gx_marts=10, publish=1)
    stages.missing("dbt_full", "dbt failed")
    verdict = targets(stages, None)
    assert stages.total(PIPELINE_STAGES) is None
    assert verdict["pipeline_s"]["meets_target"] == "unavailable"
    assert verdict["dbt_full_build_s"]["meets_target"] == "unavailable"


def test_an_absent_optional_stage_is_named_beside_the_total_not_hidden():
    stages = _stages(load=40, dbt_full=50, gx_marts=10, publish=1)
    stages.missing("gx_raw", "no raw suites")
    verdict = targets(stages, 2.0)["pipeline_s"]
    assert verdict == {"limit": 180.0, "measured": 101.0, "meets_target": True, "without": ["gx_raw"]}


def test_targets_are_judged_from_the_measured_stages():
    stages = _stages(load=100, gx_raw=5, dbt_full=91, gx_marts=30, publish=1, dbt_incremental=9)
    verdict = targets(stages, 3.0)
    assert verdict["dbt_full_build_s"]["meets_target"] is False  # 91 s is over 90 s
    assert verdict["incremental_to_full"] == {"limit": 0.2, "measured": 0.099, "meets_target": True}
    assert verdict["gx_audit_s"]["meets_target"] is False  # under 30 s, not at it
    assert verdict["pipeline_s"]["meets_target"] is False  # 227 s
    assert verdict["gx_to_sql"]["meets_target"] is True  # "no more than 3x"


def test_a_negative_timing_is_a_harness_bug():
    with pytest.raises(ValueError):
        Stages().record("load", -1.0)


def test_recording_a_stage_clears_an_earlier_unavailable_mark():
    stages = Stages()
    stages.missing("gx_raw", "later")
    stages.record("gx_raw", 2.0)
    assert stages.as_json() == {"gx_raw": 2.0} and not stages.unavailable


def _contracts():
    return {feed: load_contract(feed) for feed in ("bank", "insurance", "ward_returns")}


def test_the_last_month_of_daily_and_monthly_deliveries_is_held_back_and_yearly_reviews_are_not():
    files = {
        "bank": [
            Path(n) for n in ("vbsp_954_20241129.csv", "vbsp_954_20241202.csv", "vbsp_954_20241231_02.csv")
        ],
        "insurance": [Path("the_bhyt_95_202411.csv"), Path("the_bhyt_95_202412.csv")],
        "ward_returns": [
            Path("ra_soat_31813_2024.xlsx"),
            Path("bao_cao_31813_202411.xlsx"),
            Path("bao_cao_31813_202412_v2.xlsx"),
        ],
    }
    split = held_back.split(_contracts(), files)
    assert split.month_name == "202412"
    assert [p.name for p in split.month["bank"]] == ["vbsp_954_20241202.csv", "vbsp_954_20241231_02.csv"]
    assert [p.name for p in split.month["insurance"]] == ["the_bhyt_95_202412.csv"]
    assert [p.name for p in split.month["ward_returns"]] == ["bao_cao_31813_202412_v2.xlsx"]
    assert [p.name for p in split.history["ward_returns"]] == [
        "ra_soat_31813_2024.xlsx",
        "bao_cao_31813_202411.xlsx",
    ]
    assert split.counts()["bank"] == {"history_files": 1, "month_files": 2, "left_out_files": 0}


def test_without_any_monthly_or_daily_delivery_there_is_no_month_to_hold_back():
    with pytest.raises(ValueError):
        held_back.split(_contracts(), {"ward_returns": [Path("ra_soat_31813_2024.xlsx")]})


def test_deliveries_lists_only_names_the_contract_accepts(tmp_path: Path):
    (tmp_path / "bank").mkdir()
    for name in ("vbsp_954_20240102.csv", "notes.txt"):
        (tmp_path / "bank" / name).write_text("x")
    found = held_back.deliveries(tmp_path, {"bank": load_contract("bank")})
    assert [p.name for p in found["bank"]] == ["vbsp_954_20240102.csv"]


RUN_RESULTS = {
    "metadata": {
        "invocation_started_at": "2026-11-30T13:00:00.000000Z",
        "generated_at": "2026-11-30T13:01:00Z",
    },
    "elapsed_time": 52.5,
    "results": [
        {"unique_id": "model.mtqg.fct_support", "status": "success", "execution_time": 20.0},
        {"unique_id": "model.mtqg.dim_date", "status": "success", "execution_time": 0.5},
        {"unique_id": "test.mtqg.unique_x", "status": "pass", "execution_time": 3.0},
        {"unique_id": "seed.mtqg.units", "status": "success", "execution_time": 1.25},
    ],
}


def test_dbt_start_up_is_the_invocation_less_its_execution():
    summary = dbt_timing.summarise(RUN_RESULTS, step_seconds=63.0)
    assert summary["invocation_s"] == 60.0
    assert summary["startup_s"] == 7.5
    assert summary["outside_dbt_s"] == 3.0
    assert summary["node_seconds_by_kind"] == {"model": 20.5, "seed": 1.25, "test": 3.0}
    assert summary["statuses"] == {"success": 3, "pass": 1}


def test_models_are_listed_slowest_first():
    summary = dbt_timing.summarise(RUN_RESULTS)
    assert dbt_timing.slowest(summary, 1) == [("fct_support", 20.0)]
    assert "startup_s" in summary and "outside_dbt_s" not in summary


def test_a_smoke_run_keeps_only_the_last_months_of_history_and_every_review():
    files = {
        "bank": [
            Path(n) for n in ("vbsp_954_20240930.csv", "vbsp_954_20241001.csv", "vbsp_954_20241202.csv")
        ],
        "ward_returns": [Path("ra_soat_31813_2023.xlsx"), Path("bao_cao_31813_202410.xlsx")],
    }
    split = held_back.split(_contracts(), files, history_months=2)
    assert [p.name for p in split.history["bank"]] == ["vbsp_954_20241001.csv"]
    assert split.counts()["bank"] == {"history_files": 1, "month_files": 1, "left_out_files": 1}
    assert [p.name for p in split.history["ward_returns"]] == [
        "ra_soat_31813_2023.xlsx",
        "bao_cao_31813_202410.xlsx",
    ]


def test_months_before_crosses_a_year():
    assert held_back._months_before("202401", 2) == "202311"
    assert held_back._months_before("202412", 12) == "202312"
