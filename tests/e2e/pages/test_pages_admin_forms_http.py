"""The admin's forms through Flask's test client: the token form is used once (a double
submit or a reloaded result page issues nothing and says so in Chinese; the secret stays
shown once), and the secret page's "copy now" is a notice, not an error."""

from __future__ import annotations

import re

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
