"""The wording of every structural problem lives in one module, English details filled in per row."""

from __future__ import annotations

import pytest

from mtqg_warehouse.ingest import messages
from mtqg_warehouse.ingest.messages import Message

ROW_MESSAGES = {name: value for name, value in vars(messages).items() if isinstance(value, Message)}


def test_format_fills_the_english_reason_and_leaves_the_vietnamese_alone() -> None:
    message = messages.WRONG_FIELD_COUNT.format(fields=12, width=11)
    assert message.reason == "row has 12 fields, the header has 11"
    assert (message.reason_vi, message.fix_hint) == (
        messages.WRONG_FIELD_COUNT.reason_vi,
        messages.WRONG_FIELD_COUNT.fix_hint,
    )


def test_message_refuses_positional_arguments() -> None:
    with pytest.raises(TypeError):
        Message("reason", "lý do", "cách sửa")  # type: ignore[misc]


@pytest.mark.parametrize("name", sorted(ROW_MESSAGES))
def test_every_row_message_says_what_is_wrong_and_how_to_fix_it_in_vietnamese(name: str) -> None:
    message = ROW_MESSAGES[name]
    assert message.reason and message.reason_vi and message.fix_hint
    assert "{" not in message.reason_vi + message.fix_hint, "only the English reason takes details"
