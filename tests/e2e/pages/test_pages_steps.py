"""The steps panel in a real browser: an officer fires a step through the form generated from
the workflow's field specs (a required field left empty comes back with the Chinese error and
what was typed kept; then the step is done, named by its title), the date input is bounded by
the field's plausible dates, evidence uploads and shows its SHA-256 digest, and a file type
evidence may not have is refused with a message."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from caseflow.domain.moments import TZ
from tests.e2e.pages.test_pages_cases_http import open_case

STEP = "#step-start_verification"


def test_officer_fires_a_step_and_uploads_evidence(uow, signed_in, shot):
    case = open_case(uow)
    page = signed_in("li.officer")
    page.goto(f"/cases/{case.id}")
    page.click(f"{STEP} summary")
    today = datetime.now(TZ).date()
    received = page.locator("#f-start_verification-clue_received_on")
    assert received.get_attribute("type") == "date"
    assert received.get_attribute("max") == today.isoformat()
    assert date.fromisoformat(received.get_attribute("min")) <= today - timedelta(days=365 * 20 - 5)
    options = page.locator("#f-start_verification-clue_source option")
    assert "权利人投诉" in options.all_inner_texts()  # the title shown, the code submitted
    assert "rights_holder_complaint" not in options.all_inner_texts()
    assert page.locator("#f-start_verification-clue_source option",
                        has_text="权利人投诉").get_attribute("value") == "rights_holder_complaint"

    # the server checks too: with the browser's own check off, an empty required field
    # comes back with the Chinese error and everything typed kept
    page.select_option("#f-start_verification-clue_source", "rights_holder_complaint")
    received.fill(today.isoformat())
    page.fill("#r-start_verification", "权利人投诉，材料齐全")
    page.eval_on_selector(f"{STEP} form", "form => { form.noValidate = true; }")
    page.click(f"{STEP} form button[type=submit]")
    page.wait_for_load_state()
    assert "请更正标出的字段。" in page.text_content("main")
    assert page.text_content("#f-clue_no-error").strip() == "必填。"
    assert page.locator(STEP).get_attribute("open") is not None
    assert page.input_value("#f-start_verification-clue_source") == "rights_holder_complaint"
    assert page.input_value("#f-start_verification-clue_received_on") == today.isoformat()
    assert page.input_value("#r-start_verification") == "权利人投诉，材料齐全"
    shot(page, "step-refused")

    page.fill("#f-start_verification-clue_no", "甬市监线〔2026〕88号")
    page.click(f"{STEP} form button[type=submit]")
    page.wait_for_load_state()
    main = page.text_content("main")
    assert "已完成：登记线索并开始核查。案件当前状态：线索核查" in main
    assert "线索核查" in page.text_content("section.case-header .case-state")
    assert "start_verification" not in main

    content = "扣押物品清单：运动服 120 件\n".encode()
    page.set_input_files("#ev-file", files=[{"name": "扣押清单.txt", "mimeType": "text/plain",
                                             "buffer": content}])
    page.fill("#ev-description", "现场检查扣押清单")
    page.click("form[action$='/evidence'] button[type=submit]")
    page.wait_for_load_state()
    digest = hashlib.sha256(content).hexdigest()
    assert f"证据已保存。SHA-256：{digest}" in page.text_content("main")
    assert page.locator("code.digest", has_text=digest).count() == 1
    assert "扣押清单.txt" in page.text_content("section.steps")
    shot(page, "evidence-stored")

    page.set_input_files("#ev-file", files=[{"name": "setup.exe",
                                             "mimeType": "application/x-msdownload",
                                             "buffer": b"MZ\x90\x00 not evidence"}])
    page.click("form[action$='/evidence'] button[type=submit]")
    page.wait_for_load_state()
    assert page.text_content("#f-file-error").strip() == "不接受此类文件作为证据。"
    assert "setup.exe" not in page.text_content("section.steps")
    assert page.locator("code.digest").count() == 1
    shot(page, "evidence-refused")
