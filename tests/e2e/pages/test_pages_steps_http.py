"""The steps panel on the case page: generated forms, firing, bad input, evidence."""

from __future__ import annotations

import io
from datetime import date

from caseflow import services
from caseflow.views.case_list import evidence_of
from caseflow.views.cases import case_for

HOLDER = {"role": "rights_holder", "name": "宁波某某服饰有限公司", "kind": "enterprise",
          "origin": "local", "region": "宁波市鄞州区"}
SELLER = {"role": "alleged_infringer", "name": "慈溪某电器厂", "kind": "enterprise",
          "origin": "local", "region": "宁波市慈溪市"}


def _case(uow):
    return services.open_case(
        uow(), actor="li.officer", case_type="admin_enforcement", title="慈溪某电器厂仿冒电水壶",
        assignee="li.officer", parties=[HOLDER, SELLER],
        ip_rights=[{"kind": "trademark", "number": "G1187654", "title": "VELMONT"}])


def _form(case, **extra):
    data = {"version": str(case.version), "clue_no": "甬市监线〔2026〕90号",
            "clue_source": "rights_holder_complaint",
            "clue_received_on": date.today().isoformat(), "reason": "权利人投诉"}
    data.update(extra)
    return data


def test_form_renders_and_fires(app, people, uow, client_as):
    case = _case(uow)
    client = client_as("li.officer")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'type="date"' in page and "<select" in page
    # an enum's options show their titles; the code is what the form submits
    assert '<option value="rights_holder_complaint" >权利人投诉</option>' in page
    assert '<option value="superior_assignment" >上级交办</option>' in page
    assert ">rights_holder_complaint<" not in page
    url = f"/cases/{case.id}/steps/start_verification"
    bad = client.post_form(url, _form(case, clue_no="", clue_received_on="2026-13-45"))
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "必填" in text  # Chinese error, the value chosen kept
    assert '<option value="rights_holder_complaint" selected>权利人投诉</option>' in text
    typed = client.post_form(url, _form(case, clue_no="<script>x</script>",
                                        clue_received_on="2026-13-45")).get_data(as_text=True)
    assert "<script>x</script>" not in typed and "&lt;script&gt;x&lt;/script&gt;" in typed
    assert case_for(uow(), case.id, "li.officer").status == case.status  # nothing fired
    ok = client.post_form(url, _form(case, clue_no="<script>x</script>"))
    assert ok.status_code == 303
    moved = case_for(uow(), case.id, "li.officer")
    assert moved.status != case.status and moved.version == case.version + 1
    again = client.post_form(url, _form(case))  # the same form a second time
    assert again.status_code == 409
    assert case_for(uow(), case.id, "li.officer").version == moved.version  # fired once


def test_enum_options_in_english(app, people, uow, client_as):
    case = _case(uow)
    client = client_as("li.officer")
    path = f"/cases/{case.id}"
    client.get(path)  # the form's CSRF token
    client.post_form("/language", {"locale": "en", "next": path})
    page = client.get(path).get_data(as_text=True)
    assert "<option value=\"rights_holder_complaint\" >Rights holder&#39;s complaint</option>" in page
    assert '<option value="customs_referral" >Referred by customs</option>' in page
    assert "权利人投诉" not in page


def test_upload_evidence(app, people, uow, client_as, web_app):
    case = _case(uow)
    client = client_as("li.officer")
    url = f"/cases/{case.id}/evidence"
    pdf = {"version": str(case.version), "description": "购买凭证",
           "file": (io.BytesIO(b"%PDF-1.4 test"), "receipt.pdf", "application/pdf")}
    r = client.post_form(url, pdf)
    assert r.status_code == 303, r.get_data(as_text=True)[:2000]
    items = evidence_of(uow(), case.id, "li.officer")
    assert len(items) == 1
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert items[0].sha256 in page
    html = {"version": str(case.version + 1),
            "file": (io.BytesIO(b"<html></html>"), "x.html", "text/html")}
    assert client.post_form(url, html).status_code == 415
    web_app.config["EVIDENCE_MAX_BYTES"] = 10
    big = {"version": str(case.version + 1), "description": "现场照片（原图）",
           "file": (io.BytesIO(b"%PDF-" + b"0" * 100), "big.pdf", "application/pdf")}
    refused = client.post_form(url, big)
    assert refused.status_code == 413
    assert "文件过大：最大 10 B" in refused.get_data(as_text=True)  # says the limit
    assert 'value="现场照片（原图）"' in refused.get_data(as_text=True)  # keeps what was typed
    assert len(evidence_of(uow(), case.id, "li.officer")) == 1
