"""A minimal streaming xlsx writer: zipfile plus precomputed XML strings, inline strings only.

Why not xlsxwriter: at a million rows its per-cell Python calls dominate the generator's run
time (see docs/benchmarks.md); ward returns need nothing but text, numbers, merged title rows
and fixed metadata, which a few hundred lines of XML give us byte-for-byte deterministically.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

FIXED_DATE = (2020, 1, 1, 0, 0, 0)  # zip entry timestamps: fixed so output is byte-identical

_CONTENT_TYPES_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'  # noqa: E501
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'  # noqa: E501
)
_SHEET_CT = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Times New Roman"/></font>'
    '<font><b/><sz val="12"/><name val="Times New Roman"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def col_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def xml_escape(text: str) -> str:
    """Escape text for an XML text node; drops characters XML 1.0 forbids."""
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
        text = "".join(ch for ch in text if ord(ch) >= 32 or ch in "\t\n\r")
    return text


def cell_xml(ref: str, value: object, style: int = 0) -> str:
    """One cell: numbers as <v>, everything else as an inline string."""
    s = f' s="{style}"' if style else ""
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int | float):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    if value is None or value == "":
        return ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{xml_escape(str(value))}</t></is></c>'


@dataclass
class Sheet:
    """A sheet as the ward sends it: title rows, a header row, data rows, an optional footer.

    ``numeric`` marks columns whose clean values are numbers; rows listed in ``slow_rows``
    (defect rows) go through the generic per-cell path because their types may differ.
    """

    name: str
    titles: list[str]
    headers: list[str]
    numeric: list[bool]
    rows: list[list[object]]
    header_row: int = 4
    footer: list[object] | None = None
    slow_rows: set[int] = field(default_factory=set)


def _row_template(numeric: Sequence[bool]) -> str:
    """A str.format template for a clean row; {0} is the row number."""
    parts = ['<row r="{0}">']
    for i, is_num in enumerate(numeric):
        ref = col_letter(i) + "{0}"
        if is_num:
            parts.append(f'<c r="{ref}"><v>{{{i + 1}}}</v></c>')
        else:
            parts.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{{{i + 1}}}</t></is></c>')
    parts.append("</row>")
    return "".join(parts)


def _generic_row(r: int, values: Sequence[object], style: int = 0) -> str:
    cells = "".join(cell_xml(f"{col_letter(i)}{r}", v, style) for i, v in enumerate(values))
    return f'<row r="{r}">{cells}</row>'


def _sheet_chunks(sheet: Sheet) -> Iterable[str]:
    ncols = max(len(sheet.headers), 1)
    last = col_letter(ncols - 1)
    yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS} {_NS_R}><sheetData>'
    for i, title in enumerate(sheet.titles, start=1):
        yield _generic_row(i, [title], style=1)
    yield _generic_row(sheet.header_row, sheet.headers, style=1)
    template = _row_template(sheet.numeric)
    fmt = template.format
    r = sheet.header_row
    batch: list[str] = []
    for idx, values in enumerate(sheet.rows):
        r += 1
        if idx in sheet.slow_rows:
            batch.append(_generic_row(r, values))
        else:
            batch.append(fmt(r, *values))
        if len(batch) >= 4096:
            yield "".join(batch)
            batch = []
    if sheet.footer is not None:
        batch.append(_generic_row(r + 1, sheet.footer))
    yield "".join(batch)
    yield "</sheetData>"
    if sheet.titles:
        merges = "".join(f'<mergeCell ref="A{i}:{last}{i}"/>' for i in range(1, len(sheet.titles) + 1))
        yield f'<mergeCells count="{len(sheet.titles)}">{merges}</mergeCells>'
    yield "</worksheet>"


def _workbook_xml(names: Sequence[str]) -> str:
    sheets = "".join(
        f'<sheet name="{xml_escape(n)}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(names, start=1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {_NS} {_NS_R}>'
        f"<sheets>{sheets}</sheets></workbook>"
    )


def _workbook_rels(count: int) -> str:
    base = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{base}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, count + 1)
    )
    rels += f'<Relationship Id="rId{count + 1}" Type="{base}/styles" Target="styles.xml"/>'
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{base.replace("officeDocument/2006/relationships", "package/2006/relationships")}">'  # noqa: E501
        f"{rels}</Relationships>"
    )


def _write_entry(zf: zipfile.ZipFile, name: str, chunks: Iterable[str]) -> None:
    info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    with zf.open(info, "w") as handle:
        for chunk in chunks:
            handle.write(chunk.encode("utf-8"))


def workbook_bytes(sheets: Sequence[Sheet], compresslevel: int = 1) -> bytes:
    """Serialise sheets into xlsx bytes; same input gives the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zf:
        types = _CONTENT_TYPES_HEAD + "".join(_SHEET_CT.format(n=i) for i in range(1, len(sheets) + 1))
        _write_entry(zf, "[Content_Types].xml", [types + "</Types>"])
        _write_entry(zf, "_rels/.rels", [_ROOT_RELS])
        _write_entry(zf, "xl/workbook.xml", [_workbook_xml([s.name for s in sheets])])
        _write_entry(zf, "xl/_rels/workbook.xml.rels", [_workbook_rels(len(sheets))])
        _write_entry(zf, "xl/styles.xml", [_STYLES])
        for i, sheet in enumerate(sheets, start=1):
            _write_entry(zf, f"xl/worksheets/sheet{i}.xml", _sheet_chunks(sheet))
    return buffer.getvalue()
