"""What the ingest tells people about a delivery's structural problems, each said once.

A rejected row carries three texts: the reason in English for the data team, and in
Vietnamese what is wrong and how to fix it, for the ward officer or the sending agency who
reads the rejection report. A file that cannot be read at all is quarantined (or refused
unopened) with one English reason, which goes to the audit row and the quarantine note.
Keeping the wording here lets it be reviewed, and translated, in one place; the modules that
find the problems only choose the message and fill in its details.

The value rules of the contracts (dates, amounts, codes) carry their own messages with the
rules themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True, kw_only=True)
class Message:
    """Why a row was rejected; ``reason`` may hold ``{name}`` fields, filled by ``format``."""

    reason: str  # English, for the data team
    reason_vi: str  # Vietnamese: what is wrong
    fix_hint: str  # Vietnamese: what the sender should do about it

    def format(self, **details: object) -> Message:
        """This message with the row's details in its English reason."""
        return replace(self, reason=self.reason.format(**details))


# Rows: one bad row is one rejected row, never a reason to refuse the whole file.

_WRONG_WIDTH_VI = "số ô của dòng không khớp với dòng tiêu đề"
_WRONG_WIDTH_HINT = "kiểm tra dòng này: thiếu ô, thừa ô, hoặc dấu phẩy trong ô chưa đặt trong ngoặc kép"

WRONG_FIELD_COUNT = Message(
    reason="row has {fields} fields, the header has {width}",
    reason_vi=_WRONG_WIDTH_VI,
    fix_hint=_WRONG_WIDTH_HINT,
)
UNCLOSED_QUOTE = Message(
    reason="row is not valid CSV: a quote is not closed on this line (line breaks in a cell are not allowed)",
    reason_vi=_WRONG_WIDTH_VI,
    fix_hint=_WRONG_WIDTH_HINT,
)
VALUE_WITHOUT_HEADER = Message(
    reason="value in a column that has no header",
    reason_vi="có giá trị ở cột không có tiêu đề",
    fix_hint="đặt tên cột theo mẫu, hoặc xóa giá trị thừa ở cột không có tiêu đề",
)
NUL_CHARACTER = Message(
    reason="row holds a NUL character, which cannot be stored",
    reason_vi="dòng có ký tự NUL (mã 0), không lưu được",
    fix_hint="xuất lại tệp CSV từ Excel (CSV UTF-8); ký tự NUL thường do tệp bị hỏng",
)
UNSAFE_LEGACY_TEXT = Message(
    reason="text in a legacy font that cannot be repaired safely: {detail}",
    reason_vi="chữ gõ bằng phông cũ (TCVN3/VNI) không chuyển sang Unicode an toàn được",
    fix_hint="gõ lại ô này bằng phông Unicode (ví dụ Times New Roman, Unikey đặt bảng mã Unicode)",
)
BELOW_TOTALS = Message(
    reason="row below the totals row",
    reason_vi="dòng nằm dưới dòng tổng cộng",
    fix_hint="chuyển dòng này lên trên dòng tổng cộng, hoặc xóa nếu là ghi chú",
)
FIELD_TOO_LONG = Message(
    reason="a field of {length:,} characters is longer than the {limit:,} allowed",
    reason_vi="ô quá dài (có thể dán nhầm cả một đoạn văn bản hoặc tệp)",
    fix_hint="kiểm tra lại nội dung ô này; mỗi ô chỉ ghi một giá trị ngắn",
)
NOT_A_WARD = Message(
    reason="the file name's code {code} is not a ward or commune code",
    reason_vi="mã xã/phường trên tên tệp không đúng",
    fix_hint="đặt tên tệp theo mã 5 chữ số của xã/phường theo danh mục của Tổng cục Thống kê",
)
WARD_NOT_VALID_IN_PERIOD = Message(
    reason=(
        "ward {code} ({name}) did not exist in {period}: "
        "valid {valid_from} to {valid_to}, successor {successor}"
    ),
    reason_vi="xã/phường theo mã trên tên tệp không còn tồn tại trong kỳ báo cáo (đã sáp nhập)",
    fix_hint="báo cáo theo mã của đơn vị hành chính mới sau sắp xếp, và gửi lại tệp",
)
WARD_NOT_VALID_ON_DAY = Message(
    reason=(
        "ward {code} ({name}) did not exist on {day}, the row's {date_column}: "
        "valid {valid_from} to {valid_to}, successor {successor}"
    ),
    reason_vi="xã/phường theo mã này không tồn tại vào ngày của dòng (đã sáp nhập hoặc chưa thành lập)",
    fix_hint=(
        "ghi mã xã/phường đang tồn tại vào ngày giao dịch "
        "(từ 01/07/2025 là mã đơn vị mới sau sắp xếp) và gửi lại dòng này"
    ),
)
# Filled per row by Polars (``pl.format``), whose placeholder is a bare ``{}``.
REPEATED_KEY = Message(
    reason="reported twice in this file (first at row {})",
    reason_vi="dòng bị trùng (báo cáo hai lần)",
    fix_hint="xóa dòng lặp lại, hoặc sửa lại nếu hai dòng là hai trường hợp khác nhau",
)

# Files that cannot be read as a whole (FileRejected: quarantined, the batch goes on).

EMPTY_FILE = "the file is empty"
UNCOMPUTED_FORMULAS = (
    "sheet {sheet!r} has formulas without computed values (written by a program that does not "
    "calculate them): open the file in Excel or LibreOffice, save it and send it again"
)
TRUNCATED_FILE = (
    "the last line has no line break: the file may be truncated (an upload or export that did not finish); "
    "if it is complete, end it with a line break and send it again"
)
STILL_BEING_WRITTEN = (
    "the file is still being written (it changed, or an upload holds it open): left for the next run"
)
UNEXPECTED_ERROR = "could not be loaded: {error}"
HEADER_TOO_LONG = "no line end in the first {limit:,} bytes: the header row is missing or the file is not CSV"
NOT_UTF8 = "not UTF-8 text (byte {byte}): save the file as CSV UTF-8"
INVALID_CSV_LINE = "row {row}: not valid CSV ({error})"
UNREADABLE_CSV = "not UTF-8 text or not valid CSV: {error}"
NOT_UTF8_ROW = "row {row}: not UTF-8 text (byte {byte} of the line): save the file as CSV UTF-8"
ROWS_NOT_APART = "rows could not be told apart ({parsed} parsed, {lines} lines)"
TOO_MANY_ROWS = "more than {limit:,} rows"
UTF16_FILE = "UTF-16 text (Excel's 'Unicode Text'): save the file as CSV UTF-8"
BINARY_FILE = "binary content, not a CSV text file (a workbook, PDF or archive sent under a .csv name?)"
CR_ONLY_LINE_ENDS = (
    "lines end with CR only (old Mac format): save the file as CSV UTF-8 with Windows or Unix line ends"
)
TOO_MANY_COLUMNS = "the header has {columns} columns, more than the {limit} any contract allows"
COLUMN_TWICE = "column {column!r} appears twice in the header"
MISSING_COLUMNS = "missing required column(s): {columns}"
WRONG_DELIMITER = "columns separated by {found}, not {expected}: save the file as CSV UTF-8 with {expected}"
UNEXPECTED_COLUMNS = "unexpected column(s) in the header: {columns}"

# Files refused in the inbox, never opened.

HIDDEN_FILE = "hidden file"
SYMBOLIC_LINK = "symbolic links are not accepted"
NOT_A_FILE = "not a regular file"
ESCAPES_INBOX = "path escapes the inbox"
NAME_TOO_LONG = (
    "name of {size} bytes is too long: the archive copy adds up to {added} bytes "
    "and a file name holds at most {limit}"
)
FILE_TOO_LARGE = "file of {size:,} bytes is larger than the {limit:,}-byte limit"

# Files not loaded because their bytes were loaded before.

DUPLICATE_FILE = "identical to load {load_id}: skipped"

# Filled per row in SQL (ingest/cross_file.py): ``{}`` is the earlier file's name.
LOADED_FROM_EARLIER_FILE = Message(
    reason="already loaded from {}: the natural key is unique across files",
    reason_vi="dòng này đã được gửi trong một tệp trước (trùng mã)",
    fix_hint="không gửi lại dòng đã gửi; nếu cần sửa tệp trước, gửi bản sửa của chính tệp đó (ví dụ _02)",
)
