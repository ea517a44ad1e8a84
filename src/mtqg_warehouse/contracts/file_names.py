"""Delivery file names, defined once in each contract: the loader's strict matcher and the
renderer the generator and the bench name their files with both come from the same pattern.

A pattern is literal text with ``{part:format}`` placeholders and at most one optional
``[...]`` group (the correction suffix), for example
``vbsp_{office_code:ddd}_{period:yyyymmdd}[_{version:nn}].csv``. Formats:

- ``d``, ``dd``, ``ddd`` ...: a code of exactly that many ASCII digits (office, ward, province);
- ``yyyy``, ``yyyymm``, ``yyyymmdd``: the period, a real calendar year, month or day;
- ``nn``: a two-digit correction number, 01 to 99;
- ``n``: a version number, 1 to 2147483647 written without leading zeros.

Digits are ASCII only and the whole name must match: a fullwidth ``２０２３`` or a name ending in
a newline is refused, never read as a number. A name that parses always renders back to itself,
so a key built from the parts identifies the file. The contract also names the ``sender``
part: the code whose later versions supersede its own earlier files and no one else's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from mtqg_warehouse.contracts import periods

if TYPE_CHECKING:
    from mtqg_warehouse.contracts.model import FeedContract

PERIOD = "period"
VERSION = "version"
MAX_VERSION = 2**31 - 1  # ops.load_audit.version is a PostgreSQL integer
YEARS = (1900, 2100)  # the window ops.vn_date accepts for dates inside the files
# a file name's period form and the cadence whose strftime layout (contracts/periods.py) writes it
PERIOD_FORMATS = {"yyyy": "yearly", "yyyymm": "monthly", "yyyymmdd": "daily"}
VERSION_FORMATS = ("nn", "n")
_PLACEHOLDER = re.compile(r"\{([a-z_]+):([a-z]+)\}")
_TOKENS = re.compile(r"\{[a-z_]+:[a-z]+\}|\[|\]|[^{}\[\]]+")


class FileNameRefused(ValueError):
    """A name the contract does not accept; the message says why, in terms a sender can act on."""


@dataclass(frozen=True)
class Part:
    name: str
    format: str
    optional: bool

    @property
    def width(self) -> int | None:
        """Digits the part always has, or None for a variable-width version."""
        if self.format == "n":
            return None
        return len(self.format)


@dataclass(frozen=True)
class DeliveryName:
    """What a delivery's file name says: its kind, sender, period, other codes and version."""

    name: str
    kind: str | None
    sender: str  # the value of the contract's sender part (office, ward or province code)
    period: str
    codes: tuple[tuple[str, str], ...]  # every code part, e.g. (("office_code", "954"),)
    version: int | None  # None when the name carries no version suffix (version 1)

    def code(self, part: str) -> str | None:
        return dict(self.codes).get(part)

    def parts(self) -> dict[str, str | int | None]:
        """Keyword arguments that render this name again (see ``FileNames.render``)."""
        return {**dict(self.codes), PERIOD: self.period, VERSION: self.version}


@dataclass(frozen=True)
class Pattern:
    """One kind of file: the pattern as written and the regex compiled from it."""

    kind: str | None
    text: str
    parts: tuple[Part, ...]
    regex: re.Pattern[str]

    @classmethod
    def compile(cls, kind: str | None, text: str) -> Pattern:
        regex, parts, optional = [], [], False
        for token in _TOKENS.findall(text):
            if token in "[]":
                if optional == (token == "["):
                    raise ValueError(f"file name pattern {text!r}: unbalanced or nested [ ]")
                optional = token == "["
                regex.append("(?:" if optional else ")?")
            elif placeholder := _PLACEHOLDER.fullmatch(token):
                part = Part(placeholder.group(1), placeholder.group(2), optional)
                regex.append(f"(?P<{part.name}>{_digits(part, text)})")
                parts.append(part)
            else:
                regex.append(re.escape(token))
        if optional or "".join(_TOKENS.findall(text)) != text:
            raise ValueError(f"file name pattern {text!r}: unbalanced [ ] or a malformed placeholder")
        _check_roles(text, parts)
        return cls(kind, text, tuple(parts), re.compile("".join(regex)))

    @property
    def longest(self) -> int:
        """Bytes of the longest name the pattern accepts (versions at their maximum)."""
        literal = len(_PLACEHOLDER.sub("", self.text).replace("[", "").replace("]", "").encode())
        return literal + sum(part.width or len(str(MAX_VERSION)) for part in self.parts)


def _check_roles(text: str, parts: list[Part]) -> None:
    """Each part once, exactly one period, the version only in the optional suffix."""
    names = [part.name for part in parts]
    if len(set(names)) != len(names) or names.count(PERIOD) != 1:
        raise ValueError(f"file name pattern {text!r}: needs exactly one {{period:...}}, parts once")
    for part in parts:
        if part.optional != (part.name == VERSION) or _role(part.format) != _role_of_name(part.name):
            raise ValueError(
                f"file name pattern {text!r}: {{{part.name}:{part.format}}} is misplaced; "
                "period takes yyyy/yyyymm/yyyymmdd, version nn/n inside [ ], codes d... outside"
            )


def _role(form: str) -> str:
    if form in PERIOD_FORMATS:
        return PERIOD
    return VERSION if form in VERSION_FORMATS else "code"


def _role_of_name(name: str) -> str:
    return name if name in (PERIOD, VERSION) else "code"


def _digits(part: Part, text: str) -> str:
    if part.format == "n":
        return "[0-9]+"  # any length, so that a huge version is refused for its value, by name
    if part.format in PERIOD_FORMATS or part.format == "nn" or set(part.format) == {"d"}:
        return f"[0-9]{{{part.width}}}"
    raise ValueError(f"file name pattern {text!r}: unknown format {part.format!r}")


@dataclass(frozen=True)
class FileNames:
    """A feed's file names: one pattern per kind of file (kind None when there is one)."""

    patterns: tuple[Pattern, ...]
    sender: str

    @classmethod
    def from_spec(cls, spec: Mapping) -> FileNames:
        """From a contract's ``file_name`` mapping: ``sender`` and ``pattern`` or ``patterns``."""
        if "patterns" in spec:
            patterns = tuple(Pattern.compile(kind, text) for kind, text in spec["patterns"].items())
        else:
            patterns = (Pattern.compile(None, spec["pattern"]),)
        names = cls(patterns, spec["sender"])
        for pattern in patterns:
            if names.sender not in {part.name for part in pattern.parts} - {PERIOD, VERSION}:
                raise ValueError(f"file name pattern {pattern.text!r} has no sender code {names.sender!r}")
        return names

    @property
    def described(self) -> str:
        return " or ".join(pattern.text for pattern in self.patterns)

    @property
    def longest(self) -> int:
        return max(pattern.longest for pattern in self.patterns)

    def parse(self, name: str) -> DeliveryName:
        """The parts of an accepted name; raises FileNameRefused saying what is wrong."""
        odd = _odd_characters(name)
        if odd:
            raise FileNameRefused(f"name {odd}: it does not follow the contract's pattern {self.described}")
        for pattern in self.patterns:
            match = pattern.regex.fullmatch(name)
            if match:
                return _parsed(name, pattern, match, self.sender)
        raise FileNameRefused(f"name does not follow the contract's pattern {self.described}")

    def accepts(self, name: str) -> bool:
        try:
            self.parse(name)
        except FileNameRefused:
            return False
        return True

    def kind_of(self, name: str) -> str | None:
        """The kind of file the name is; None when it is not accepted or the feed has one kind."""
        try:
            return self.parse(name).kind
        except FileNameRefused:
            return None

    def render(self, kind: str | None = None, **parts: object) -> str:
        """The name of a file with these parts; raises ValueError if the loader would refuse it."""
        pattern = self._pattern(kind)
        _check_parts(pattern, parts)
        name = _render(pattern, parts)
        try:
            parsed = self.parse(name)
        except FileNameRefused as err:
            raise ValueError(f"{name!r} would be refused: {err}") from err
        if parsed.kind != kind:
            raise ValueError(f"{name!r} reads back as kind {parsed.kind!r}, not {kind!r}")
        return name

    def _pattern(self, kind: str | None) -> Pattern:
        for pattern in self.patterns:
            if pattern.kind == kind:
                return pattern
        kinds = ", ".join(str(pattern.kind) for pattern in self.patterns)
        raise ValueError(f"no file name pattern of kind {kind!r} (kinds: {kinds})")


def _odd_characters(name: str) -> str | None:
    if not name.isascii():
        return "has non-ASCII characters (digits must be 0-9)"
    if not name.isprintable():
        return "has a control character (a line break or tab)"
    return None


def _parsed(name: str, pattern: Pattern, match: re.Match[str], sender: str) -> DeliveryName:
    period, version, codes = "", None, []
    for part in pattern.parts:
        text = match.group(part.name)
        if part.name == PERIOD:
            period = _checked_period(text, part.format)
        elif part.name == VERSION:
            version = None if text is None else _checked_version(text, part.format)
        elif text is not None:
            codes.append((part.name, text))
    return DeliveryName(name, pattern.kind, dict(codes)[sender], period, tuple(codes), version)


def _checked_period(text: str, form: str) -> str:
    """``text`` when it is a real year, month or day within YEARS; else FileNameRefused."""
    year, month, day = int(text[:4]), int(text[4:6] or 1), int(text[6:8] or 1)
    if not YEARS[0] <= year <= YEARS[1]:
        raise FileNameRefused(f"period {text} is outside the years {YEARS[0]}-{YEARS[1]}")
    try:
        date(year, month, day)
    except ValueError as err:
        what = {"yyyymm": "month", "yyyymmdd": "calendar date"}.get(form, "year")
        raise FileNameRefused(f"period {text} is not a real {what} ({form}): {err}") from None
    return text


def _checked_version(text: str, form: str) -> int:
    if form == "n" and len(text) > 1 and text.startswith("0"):
        raise FileNameRefused(f"version {text[:20]} is written with leading zeros (write _v2, not _v02)")
    top = 99 if form == "nn" else MAX_VERSION
    if len(text) > len(str(top)) or not 1 <= int(text) <= top:
        shown = text if len(text) <= 24 else f"{text[:20]}... ({len(text)} digits)"
        raise FileNameRefused(f"version {shown} is out of range (1 to {top})")
    return int(text)


def _check_parts(pattern: Pattern, parts: Mapping[str, object]) -> None:
    """Every part the pattern needs is given and none it lacks (None stands for absent)."""
    known = {part.name for part in pattern.parts}
    unknown = sorted(name for name, value in parts.items() if value is not None and name not in known)
    missing = sorted(p.name for p in pattern.parts if not p.optional and parts.get(p.name) is None)
    if unknown or missing:
        raise ValueError(f"{pattern.text!r}: unknown parts {unknown}, missing parts {missing}")


def _render(pattern: Pattern, parts: Mapping[str, object]) -> str:
    """Fill the pattern; the optional group is written only when all its parts are given."""
    out: list[str] = []
    pending: list[str] = []
    keep = True
    for token in _TOKENS.findall(pattern.text):
        if token == "[":
            out, pending, keep = [], out, True
        elif token == "]":
            out = pending + (out if keep else [])
        elif placeholder := _PLACEHOLDER.fullmatch(token):
            value = parts.get(placeholder.group(1))
            if value is None:
                keep = False
            out.append(_text(value, placeholder.group(2)))
        else:
            out.append(token)
    return "".join(out)


def _text(value: object, form: str) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        if form not in PERIOD_FORMATS:
            raise ValueError(f"a date cannot fill a part of format {form!r}")
        return value.strftime(periods.PERIOD_FORMATS[PERIOD_FORMATS[form]])
    if form == "nn" and isinstance(value, int):
        return f"{value:02d}"
    return str(value)


def contract_file_name(contract: FeedContract, kind: str | None = None, **parts: object) -> str:
    """The file name the contract gives a delivery with these parts, e.g.
    ``contract_file_name(bank, office_code="954", period=date(2023, 1, 2), version=2)``."""
    return contract.file_names.render(kind, **parts)
