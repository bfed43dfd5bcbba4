"""Every enum value of every workflow has a Chinese and an English title
(caseflow/domain/field_values.py): a value added to a workflow without its titles fails here."""

from __future__ import annotations

import re
from pathlib import Path

from caseflow.domain.definitions import load_directory
from caseflow.domain.field_values import (
    VALUE_TITLES,
    VALUE_TITLES_ANY_FIELD,
    value_title,
    value_titles,
)

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
HAN = re.compile(r"[\u4e00-\u9fff]")


def _enum_fields() -> list[tuple[str, str, str, tuple[str, ...]]]:
    out = []
    for definition in load_directory(WORKFLOWS):
        for transition in definition.transitions:
            out += [(f"{definition.key}.v{definition.version}", transition.trigger, f.name,
                     f.values) for f in transition.fields if f.type == "enum"]
    return out


def test_every_enum_value_of_every_workflow_has_both_titles() -> None:
    fields = _enum_fields()
    assert len(fields) > 80  # the walk does see the workflows' enum fields
    missing, bad = [], []
    for where, trigger, name, values in fields:
        for value in values:
            title = value_title(name, value)
            if title is None:
                missing.append(f"{where} {trigger}.{name}={value}")
                continue
            zh, en = title
            if not HAN.search(zh) or not en.strip() or HAN.search(en) or "_" in en:
                bad.append(f"{where} {trigger}.{name}={value}: {title}")
    assert missing == [], f"{len(missing)} enum values without titles: {missing[:20]}"
    assert bad == [], f"titles not Chinese and English: {bad[:20]}"


def test_no_title_is_kept_for_a_value_no_field_has() -> None:
    pairs = {(name, v) for _w, _t, name, values in _enum_fields() for v in values}
    stale_pairs = sorted(k for k in VALUE_TITLES if k not in pairs)
    assert stale_pairs == []
    # the generic titles of in_person/post/electronic/online serve fields no workflow
    # here names (a test workflow's handed_in); every other one is some field's value
    generic = {"in_person", "post", "electronic", "online"}
    stale = sorted(v for v in VALUE_TITLES_ANY_FIELD
                   if v not in generic and v not in {v for _f, v in pairs})
    assert stale == []


def test_a_field_of_its_own_wins_over_the_value_alone() -> None:
    assert value_title("service_method", "in_person") == ("直接送达", "In person")
    assert value_title("submitted_via", "in_person")[0] == "当面递交"
    assert value_title("submitted_via", "post")[0] == "邮寄"
    assert value_title("service_method", "mail")[0] == "邮寄送达"
    assert value_title("proposal", "not_file")[0] == "不予立案"
    assert value_title("clue_source", "inspection")[0] != value_title("appraisal_kind",
                                                                     "inspection")[0]
    assert value_title("anything", "other") == ("其他", "Other")
    assert value_title("clue_source", "no_such_value") is None


def test_value_titles_keep_the_order_and_show_an_unknown_code_as_itself() -> None:
    assert value_titles("submitted_via", ("post", "in_person", "carrier_pigeon")) == [
        {"value": "post", "zh": "邮寄", "en": "By post"},
        {"value": "in_person", "zh": "当面递交", "en": "Handed in in person"},
        {"value": "carrier_pigeon", "zh": "carrier_pigeon", "en": "carrier_pigeon"},
    ]
