"""The seed article's 2023 figures for Bạc Liêu city, read back from the published marts.

The article (baobaclieu.vn, 4 July 2024: "TP. Bạc Liêu: Nhiều nỗ lực trong công tác giảm nghèo
bền vững") is what the demo city is calibrated to and what its dashboards must reproduce. Each
figure here is the article's claim, quoted, and where the marts hold it; ``read_figures``
reads them from `marts` (as whichever role the connection has: the integration test reads as
the BI reader role), and ``comparison_lines`` puts both side by side for `make demo`. The
generator's calibration targets (generator/assumptions.yml) are held to these by a unit test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import psycopg
from psycopg import sql

from mtqg_warehouse.publication.lifecycle import MARTS_SCHEMA

ARTICLE_YEAR = 2023
CITY_CODE = "954"  # Thành phố Bạc Liêu, the article's city (dbt_project/seeds/units.csv)
BILLION = Decimal(1_000_000_000)


@dataclass(frozen=True)
class ArticleFigure:
    """One claim of the article: ``article`` as it states it; ``agrees`` decides whether a
    figure read from the marts says the same (an exact count, "more than", a rounded sum)."""

    key: str
    label: str
    quote_vi: str
    article: object
    agrees: Callable[[object], bool]
    shown: Callable[[object], str] = str


def _exactly(expected: object) -> Callable[[object], bool]:
    return lambda value: value == expected


def _more_than(bound: int) -> Callable[[object], bool]:
    return lambda value: isinstance(value, int) and value > bound


def _billions(stated: str) -> Callable[[object], bool]:
    """An amount the article rounds to 0.1 billion VND ("13,4 tỷ đồng")."""
    tenth = Decimal("0.1")
    return lambda value: (
        isinstance(value, Decimal) and (value / BILLION).quantize(tenth, ROUND_HALF_UP) == Decimal(stated)
    )


def _in_billions(value: object) -> str:
    return f"{value / BILLION:.2f} bn VND" if isinstance(value, Decimal) else str(value)


def _codes(value: object) -> str:
    return ", ".join(sorted(value)) if isinstance(value, (set, frozenset)) else str(value)


FIGURES: tuple[ArticleFigure, ...] = (
    ArticleFigure(
        "escaped_poverty_households", "households escaping poverty", "108 hộ thoát nghèo", 108, _exactly(108)
    ),
    ArticleFigure(
        "escaped_near_poverty_households",
        "households escaping near-poverty",
        "thoát 300 hộ cận nghèo",
        300,
        _exactly(300),
    ),
    ArticleFigure(
        "escape_target_achievement_pct",
        "escapes against the city's target, %",
        "đạt 100% chỉ tiêu",
        Decimal(100),
        _exactly(Decimal(100)),
    ),
    ArticleFigure(
        "insurance_cards_issued",
        "health-insurance cards issued (poor, near-poor, newly escaped)",
        "cấp 2.050 thẻ bảo hiểm y tế",
        2050,
        _exactly(2050),
    ),
    ArticleFigure(
        "sponsored_cards_issued",
        "health-insurance cards sponsored",
        "hỗ trợ 262 thẻ BHYT",
        262,
        _exactly(262),
    ),
    ArticleFigure(
        "electricity_households",
        "households given electricity support",
        "tiền điện cho hơn 170 hộ",
        "> 170",
        _more_than(170),
    ),
    ArticleFigure("houses_built", "houses built", "cất 128 căn nhà", 128, _exactly(128)),
    ArticleFigure(
        "houses_amount",
        "cost of those houses",
        "tổng kinh phí 5,7 tỷ đồng",
        "5.7 bn VND",
        _billions("5.7"),
        _in_billions,
    ),
    ArticleFigure(
        "workers_trained",
        "workers given vocational training",
        "đào tạo nghề cho 4.145 lao động",
        4145,
        _exactly(4145),
    ),
    ArticleFigure(
        "workers_placed_in_jobs",
        "workers placed in jobs",
        "giải quyết việc làm cho 7.863 lao động",
        7863,
        _exactly(7863),
    ),
    ArticleFigure(
        "social_fund_raised_amount",
        "raised for the social security fund",
        "vận động Quỹ An sinh xã hội được 13,4 tỷ đồng",
        "13.4 bn VND",
        _billions("13.4"),
        _in_billions,
    ),
    ArticleFigure(
        "adopted_households",
        "poor households adopted by an agency",
        "nhận đỡ đầu ... cho 108 hộ nghèo",
        108,
        _exactly(108),
    ),
    ArticleFigure(
        "projects_below_plan",
        "projects disbursed below plan",
        "Dự án 2 ... tiểu dự án 1 thuộc Dự án 3 ... chưa giải ngân",
        "DA2, DA3-TDA1",
        _exactly(frozenset({"DA2", "DA3-TDA1"})),
        _codes,
    ),
)


@dataclass(frozen=True)
class Reading:
    figure: ArticleFigure
    value: object  # None when the marts have no such row

    @property
    def agrees(self) -> bool:
        return self.value is not None and self.figure.agrees(self.value)


def read_figures(conn: psycopg.Connection, year: int = ARTICLE_YEAR, city: str = CITY_CODE) -> list[Reading]:
    """Each figure as the published reporting marts give it for the city and year."""
    values: dict[str, object] = {}
    results = _row(conn, "rpt_program_results", "unit_code = %s and report_year = %s", (city, year))
    values.update(results or {})
    target = _row(
        conn,
        "rpt_target_achievement",
        "unit_code = %s and plan_year = %s and report_level = 'city_or_province'",
        (city, year),
    )
    if target is not None:
        rates = [target["escaped_poverty_achievement_pct"], target["escaped_near_poverty_achievement_pct"]]
        # the lower of the two: "100 % of target" holds only when both plans are met
        decimals = [rate for rate in rates if isinstance(rate, Decimal)]
        values["escape_target_achievement_pct"] = min(decimals) if len(decimals) == 2 else None
    below = conn.execute(
        sql.SQL(
            "select distinct program_code from {} where unit_code = %s and report_year = %s"
            " and is_latest_month_of_year and is_below_plan"
        ).format(sql.Identifier(MARTS_SCHEMA, "rpt_disbursement_progress")),
        (city, year),
    ).fetchall()
    values["projects_below_plan"] = frozenset(code for (code,) in below)
    return [Reading(figure, values.get(figure.key)) for figure in FIGURES]


def _row(conn: psycopg.Connection, relation: str, where: str, params: tuple) -> dict[str, object] | None:
    cursor = conn.execute(
        sql.SQL("select * from {} where " + where).format(sql.Identifier(MARTS_SCHEMA, relation)), params
    )
    row = cursor.fetchone()
    if row is None:
        return None
    return {column.name: value for column, value in zip(cursor.description or (), row, strict=True)}


def comparison_lines(readings: list[Reading], year: int = ARTICLE_YEAR) -> list[str]:
    """The figures as `make demo` prints them: the article's beside the marts'."""
    lines = [f"the seed article's {year} figures for Bạc Liêu city, read from the published marts:"]
    lines.append(f"  {'figure':<64} {'article':>14} {'marts':>16}")
    for reading in readings:
        figure = reading.figure
        value = "missing" if reading.value is None else figure.shown(reading.value)
        mark = "ok" if reading.agrees else "DIFFERS"
        lines.append(f"  {figure.label:<64} {figure.article!s:>14} {value:>16}  {mark}")
    agreeing = sum(reading.agrees for reading in readings)
    lines.append(f"  {agreeing} of {len(readings)} agree with the article")
    return lines


def lines_from_marts() -> list[str]:
    """The comparison for the warehouse in use (what `make demo` prints at its end); says so
    when nothing with the reporting marts is published yet."""
    from mtqg_warehouse.db import connection as db

    with db.connect() as conn:
        try:
            return comparison_lines(read_figures(conn))
        except psycopg.errors.UndefinedTable:
            return ["the seed article's figures: no reporting marts are published yet"]
