"""One alert, in Vietnamese then English: what failed, where (feed, ward, file, row), what to open.

Pure text from facts gathered elsewhere (alerts/facts.py), so the wording is tested without a
database or Airflow. Every part is optional: a failed task before any validation names the
task, its error and the files of its run; a failed validation adds each failed check with its
observed value and expected range, a few failing rows and the Data Docs link.
"""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass, field
from typing import Any

MAX_FILES = 10
MAX_ROWS = 5  # failing rows shown per check; the count says how many there are in all
MAX_ERROR = 1500


@dataclass
class AlertFacts:
    kind: str  # "validation": a GX check failed; "task": any other task failure
    dag_id: str | None = None
    task_id: str | None = None
    run_id: str | None = None
    error: str | None = None
    feeds: list[str] = field(default_factory=list)
    # the run's deliveries: {feed, file, ward, sender, status, message}
    files: list[dict[str, Any]] = field(default_factory=list)
    publication: str | None = None  # the build that failed
    shown: str | None = None  # the publication `marts` still shows
    validation: dict[str, Any] | None = None  # alerts.outcome.outcome_record
    data_docs: str | None = None
    log_url: str | None = None


@dataclass
class Alert:
    subject: str
    text: str
    facts: AlertFacts

    @property
    def html(self) -> str:
        return f'<pre style="font-family: monospace">{html.escape(self.text)}</pre>'


def compose(facts: AlertFacts) -> Alert:
    where = f"{facts.dag_id or '?'}.{facts.task_id or '?'}"
    if facts.kind == "validation":
        subject = f"[MTQG] Kiểm định không đạt / Validation failed: {where}"
    else:
        subject = f"[MTQG] Tác vụ thất bại / Task failed: {where}"
    if facts.feeds:
        subject += f" ({', '.join(facts.feeds)})"
    text = "\n".join([*_lines(facts, "vi"), "", "-" * 60, "", *_lines(facts, "en")])
    return Alert(_nfc(subject), _nfc(text), facts)


_WORDS = {
    "vi": {
        "validation": "Kiểm định dữ liệu không đạt: bản dựng {publication} không được công bố.",
        "task": "Tác vụ {where} thất bại (lượt chạy {run}).",
        "run": "Lượt chạy: {where} ({run})",
        "shown": "Bảng điều khiển vẫn hiển thị bản công bố {shown}, không thay đổi.",
        "nothing_shown": "Chưa có bản công bố nào.",
        "feeds": "Nguồn dữ liệu: {feeds}",
        "files": "Tệp trong lượt này:",
        "file": "  - {file} (nguồn {feed}{ward}){status}",
        "ward": ", phường/xã {ward}",
        "sender": ", đơn vị gửi {sender}",
        "more_files": "  ... và {count} tệp khác",
        "checks": "Kiểm tra không đạt ({failed} / {total}):",
        "check": "  * {expectation}{column} (bộ {suite}): giá trị quan sát {observed}; yêu cầu {expected}",
        "column": " trên cột {column}",
        "rows": "    dòng lỗi ({count}):",
        "row": "      - tệp {file}{sheet}{row}{ward}{value}",
        "row_number": ", dòng {row}",
        "sheet": ", trang {sheet}",
        "row_ward": ", phường/xã {ward}",
        "value": ": {value}",
        "more_rows": "      ... và {count} dòng khác",
        "error": "Lỗi: {error}",
        "docs": "Báo cáo kiểm định (Data Docs): {docs}",
        "log": "Nhật ký tác vụ: {log}",
        "unknown": "không rõ",
    },
    "en": {
        "validation": "Validation failed: build {publication} was not published.",
        "task": "Task {where} failed (run {run}).",
        "run": "Run: {where} ({run})",
        "shown": "Dashboards still show publication {shown}, unchanged.",
        "nothing_shown": "Nothing is published yet.",
        "feeds": "Feed: {feeds}",
        "files": "Files in this run:",
        "file": "  - {file} (feed {feed}{ward}){status}",
        "ward": ", ward {ward}",
        "sender": ", sender {sender}",
        "more_files": "  ... and {count} more file(s)",
        "checks": "Failed checks ({failed} of {total}):",
        "check": "  * {expectation}{column} (suite {suite}): observed {observed}; expected {expected}",
        "column": " on column {column}",
        "rows": "    failing rows ({count}):",
        "row": "      - file {file}{sheet}{row}{ward}{value}",
        "row_number": ", row {row}",
        "sheet": ", sheet {sheet}",
        "row_ward": ", ward {ward}",
        "value": ": {value}",
        "more_rows": "      ... and {count} more row(s)",
        "error": "Error: {error}",
        "docs": "Data Docs (validation report): {docs}",
        "log": "Task log: {log}",
        "unknown": "unknown",
    },
}


def _lines(facts: AlertFacts, lang: str) -> list[str]:
    words = _WORDS[lang]
    where, run = f"{facts.dag_id or '?'}.{facts.task_id or '?'}", facts.run_id or "?"
    if facts.kind == "validation":
        lines = [words["validation"].format(publication=facts.publication or words["unknown"])]
        lines.append(words["run"].format(where=where, run=run))
    else:
        lines = [words["task"].format(where=where, run=run)]
    if facts.publication or facts.kind == "validation":
        lines.append(words["shown"].format(shown=facts.shown) if facts.shown else words["nothing_shown"])
    if facts.feeds:
        lines.append(words["feeds"].format(feeds=", ".join(facts.feeds)))
    lines += _file_lines(facts.files, words)
    lines += _check_lines(facts.validation, lang)
    if facts.error and facts.kind != "validation":
        error = facts.error if len(facts.error) <= MAX_ERROR else facts.error[:MAX_ERROR] + " ..."
        lines.append(words["error"].format(error=error))
    docs = facts.data_docs or (facts.validation or {}).get("data_docs")
    if docs:
        lines.append(words["docs"].format(docs=docs))
    if facts.log_url:
        lines.append(words["log"].format(log=facts.log_url))
    return lines


def _file_lines(files: list[dict[str, Any]], words: dict[str, str]) -> list[str]:
    if not files:
        return []
    lines = [words["files"]]
    for item in files[:MAX_FILES]:
        if item.get("ward"):
            ward = words["ward"].format(ward=item["ward"])
        elif item.get("sender"):  # a bank office or a province: the sender the file name names
            ward = words["sender"].format(sender=item["sender"])
        else:
            ward = ""
        status = f": {item['status']}" if item.get("status") else ""
        if item.get("message"):
            status += f" - {item['message']}"
        file, feed = item.get("file", "?"), item.get("feed", "?")
        lines.append(words["file"].format(file=file, feed=feed, ward=ward, status=status))
    if len(files) > MAX_FILES:
        lines.append(words["more_files"].format(count=len(files) - MAX_FILES))
    return lines


def _check_lines(validation: dict[str, Any] | None, lang: str) -> list[str]:
    words = _WORDS[lang]
    failures = (validation or {}).get("failures") or []
    if not failures:
        return []
    failed = validation.get("checks_failed") if validation else None
    passed = validation.get("checks_passed") if validation else None
    total = (failed or 0) + (passed or 0) or "?"
    lines = [words["checks"].format(failed=failed if failed is not None else len(failures), total=total)]
    for failure in failures:
        column = words["column"].format(column=failure["column"]) if failure.get("column") else ""
        lines.append(
            words["check"].format(
                expectation=(failure.get("expectation") or "?")
                + (f" [{failure['name']}]" if failure.get("name") else ""),
                column=column,
                suite=failure.get("suite") or "?",
                observed=_value(failure.get("observed"), words),
                expected=expected_text(failure.get("expectation"), failure.get("expected"), lang),
            )
        )
        lines += _row_lines(failure, words)
    return lines


def _row_lines(failure: dict[str, Any], words: dict[str, str]) -> list[str]:
    rows = failure.get("failing_rows") or []
    if not rows:
        return []
    count = failure.get("failing_count") or len(rows)
    lines = [words["rows"].format(count=count)]
    for row in rows[:MAX_ROWS]:
        lines.append(
            words["row"].format(
                file=row.get("file", "?"),
                sheet=words["sheet"].format(sheet=row["sheet"]) if row.get("sheet") else "",
                # a check about a whole ward (its volume, its totals) names the ward's file, no row
                row=words["row_number"].format(row=row["row"]) if row.get("row") is not None else "",
                ward=words["row_ward"].format(ward=row["ward"]) if row.get("ward") else "",
                value=words["value"].format(value=row["value"]) if row.get("value") not in (None, "") else "",
            )
        )
    shown = min(len(rows), MAX_ROWS)
    if isinstance(count, int) and count > shown:
        lines.append(words["more_rows"].format(count=count - shown))
    return lines


_RULES = {
    "expect_column_values_to_not_be_null": {"vi": "không có giá trị trống", "en": "no empty values"},
    "expect_column_values_to_be_unique": {"vi": "không trùng lặp", "en": "no duplicates"},
    "expect_column_pair_values_a_to_be_greater_than_b": {
        "vi": "cột A lớn hơn cột B",
        "en": "column A greater than column B",
    },
}


def expected_text(expectation: str | None, expected: Any, lang: str) -> str:
    """An expected range as a person says it: "between 0 and 100", "từ 0 đến 100"."""
    vi = lang == "vi"
    if isinstance(expected, dict) and expected:
        low, high = expected.get("min_value"), expected.get("max_value")
        parts = []
        if low is not None and high is not None:
            parts.append(f"từ {low} đến {high}" if vi else f"between {low} and {high}")
        elif low is not None:
            parts.append(f"ít nhất {low}" if vi else f"at least {low}")
        elif high is not None:
            parts.append(f"nhiều nhất {high}" if vi else f"at most {high}")
        if expected.get("value_set") is not None:
            values = [str(value) for value in expected["value_set"]]
            listed = ", ".join(values[:12]) + (" ..." if len(values) > 12 else "")
            parts.append(f"một trong {{{listed}}}" if vi else f"one of {{{listed}}}")
        if expected.get("regex") is not None:
            parts.append(f"khớp mẫu {expected['regex']}" if vi else f"matching {expected['regex']}")
        rest = {
            key: value
            for key, value in expected.items()
            if key not in ("min_value", "max_value", "value_set", "regex")
        }
        parts += [f"{key}={value}" for key, value in rest.items()]
        return "; ".join(parts)
    if expected not in (None, {}, ""):
        return str(expected)
    rule = _RULES.get(expectation or "")
    if rule:
        return rule[lang]
    return "xem bộ kiểm định" if vi else "see the suite"


def _value(value: Any, words: dict[str, str]) -> str:
    return words["unknown"] if value is None else str(value)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
