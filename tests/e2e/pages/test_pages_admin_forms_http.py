"""The admin's forms through Flask's test client: the token form is used once (a double
submit or a reloaded result page issues nothing and says so in Chinese; the secret stays
shown once), and the secret page's "copy now" is a notice, not an error."""

from __future__ import annotations

import re

import pytest

from caseflow.services import tokens

FORM = {"user": "li.officer", "name": "省平台投诉对接", "days": "30", "reason": "对接省投诉平台"}


def _key(page: str) -> str:
    return re.search(r'name="form_key" value="([^"]+)"', page).group(1)


def test_a_token_form_submitted_twice_issues_one_token(client_as, app):
    admin = client_as("zhao.admin")
    form = admin.get("/admin/tokens").get_data(as_text=True)
    key = _key(form)
    before = len(tokens.list_tokens(app.uow(), actor="zhao.admin"))
    made = admin.post_form("/admin/tokens", {**FORM, "form_key": key})
    assert made.status_code == 201
    secret = re.search(r'value="(cf_[^"]+)"', made.get_data(as_text=True)).group(1)

    again = admin.post_form("/admin/tokens", {**FORM, "form_key": key})  # reload / double
    page = again.get_data(as_text=True)
    assert again.status_code == 409
    assert "此表单已使用过" in page and "cf_" not in page and secret not in page
    assert "案件已被他人更改" not in page  # no case here: not the case-changed headline
    assert len(tokens.list_tokens(app.uow(), actor="zhao.admin")) == before + 1
    assert _key(page) != key  # a fresh form, its own key

    other = admin.post_form("/admin/tokens", {**FORM, "form_key": _key(page)})
    assert other.status_code == 201  # a new form issues a new token
    assert len(tokens.list_tokens(app.uow(), actor="zhao.admin")) == before + 2


def test_a_refused_token_form_keeps_its_key_and_can_be_sent_corrected(client_as, app):
    admin = client_as("zhao.admin")
    key = _key(admin.get("/admin/tokens").get_data(as_text=True))
    refused = admin.post_form("/admin/tokens", {**FORM, "days": "9999", "form_key": key})
    assert refused.status_code == 422 and _key(refused.get_data(as_text=True)) == key
    assert admin.post_form("/admin/tokens", {**FORM, "form_key": key}).status_code == 201


def test_the_secret_page_says_copy_now_as_a_notice(client_as):
    admin = client_as("zhao.admin")
    key = _key(admin.get("/admin/tokens").get_data(as_text=True))
    page = admin.post_form("/admin/tokens", {**FORM, "form_key": key}).get_data(as_text=True)
    note = re.search(r'<p class="([^"]*)"[^>]*>[^<]*不会再次显示', page)
    assert note and "error" not in note.group(1).split() and "flash" in note.group(1)


def _two_inspection_versions(app, uow):  # type: ignore[no-untyped-def]
    from caseflow import services
    from caseflow.adapters.registry import sync_definitions
    from caseflow.domain.definitions import load_directory
    from tests.conftest import TEST_WORKFLOWS
    from tests.integration.test_engine import open_inspection

    with app.session_factory() as session, session.begin():
        sync_definitions(session, load_directory(TEST_WORKFLOWS))
    checking = open_inspection(uow)
    services.fire(uow(), checking.id, "start_check", actor="li.officer")
    return checking


DRY_RUN = {"key": "inspection", "to_version": "2", "clocks": "keep", "reason": "新规施行"}


def test_the_dry_run_heads_old_and_new_state_with_their_titles(client_as, app, uow, people):
    checking = _two_inspection_versions(app, uow)
    admin = client_as("zhao.admin")
    admin.get("/admin/workflows")
    shown = admin.post_form("/admin/workflows/dry-run",
                            {**DRY_RUN, "mappings": "checking=verifying"})
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200 and checking.number in page
    assert "旧版本状态" in page and "新版本状态" in page
    assert ">移送方<" not in page and ">接收方<" not in page  # the handoff words
    row = re.search(rf"<tr><td>{checking.number}</td>(.*?)</tr>", page, re.S).group(1)
    cells = re.findall(r"<td>([^<]*)<span", row)
    assert [c.strip() for c in cells] == ["核查中", "核实中"]


@pytest.mark.parametrize("mapping", ["checking=nonexistent", "checking=核实中"])
def test_a_mapping_to_no_state_is_a_chinese_field_error(client_as, app, uow, people, mapping):
    _two_inspection_versions(app, uow)
    admin = client_as("zhao.admin")
    admin.get("/admin/workflows")
    refused = admin.post_form("/admin/workflows/dry-run", {**DRY_RUN, "mappings": mapping})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    error = re.search(r'<p class="error" id="[^"]*mappings-error">([^<]+)</p>', page)
    assert error, page
    new = mapping.split("=")[1]
    assert f"“{new}”" in error.group(1) and "不是测试检查 v2 的状态" in error.group(1)
    assert "--map" not in page and "has no state" not in page


def test_a_dry_run_to_a_version_not_loaded_is_a_field_error(client_as, app, uow, people):
    _two_inspection_versions(app, uow)
    admin = client_as("zhao.admin")
    admin.get("/admin/workflows")
    refused = admin.post_form("/admin/workflows/dry-run", {**DRY_RUN, "to_version": "9"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "没有第 9 版" in page
