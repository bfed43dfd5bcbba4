"""The cases resource over real HTTP, on both databases: open, the list (filters, text
search, sorting, pages, visibility), assign and claim, links, evidence upload / list /
download — and every refusal the right 4xx, naming the field, with nothing written."""

from __future__ import annotations

import hashlib
import io
import threading
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from caseflow import services
from caseflow.adapters.orm import Case, CaseLink, Event, Evidence
from tests.e2e.http import call, issue, multipart
from tests.integration.test_engine import HOLDER, INFRINGER, open_inspection
from web import create_app

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document>询问笔录</w:document>")
    return out.getvalue()


def _zip_without_word() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("payload.bin", "not a document")
    return out.getvalue()


def counts(app) -> dict[str, int]:
    """Rows a write could add (events, cases, evidence, links) and files in the store."""
    with app.session_factory() as s:
        rows = {m.__tablename__: s.scalar(select(func.count()).select_from(m))
                for m in (Event, Case, Evidence, CaseLink)}
    store = app.settings.evidence_dir
    rows["files"] = sum(1 for p in store.rglob("*") if p.is_file()) if store.exists() else 0
    return rows


def version_of(app, case_id: int) -> int:
    with app.session_factory() as s:
        return s.get(Case, case_id).version


def match(version: int) -> dict[str, str]:
    return {"If-Match": f'"{version}"'}


@pytest.fixture
def small_server(app, people) -> Iterator[str]:
    """The live server with a 4 KiB evidence limit (so MAX_CONTENT_LENGTH is 1 MiB + 4 KiB)."""
    web = create_app(app.settings, {"TESTING": True, "EVIDENCE_MAX_BYTES": 4096})
    web.extensions["caseflow"].engine.dispose()
    web.extensions["caseflow"] = app
    httpd = make_server("127.0.0.1", 0, web, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


# --- open ---------------------------------------------------------------------------------------

OPEN = {
    "case_type": "inspection",
    "title": "<script>alert('甬')</script> 宁波市江北区佳味食品厂涉嫌销售假冒注册商标月饼",
    "received_on": "2026-09-15",
    "parties": [
        {"role": "rights_holder", "name": "宁波五芳斋食品有限公司", "origin": "local"},
        {"role": "alleged_infringer", "name": "宁波市江北区佳味食品厂", "kind": "enterprise",
         "region": "宁波市江北区", "credit_code": "91330205MA2H8X1234"},
    ],
    "ip_rights": [{"kind": "trademark", "number": "G7788123", "title": "五芳"}],
    "data": {"source": "12315热线"},
    "reason": "12315热线举报",
}


def test_a_case_is_opened_over_http_and_reads_back_as_the_same_text(server, uow, app):
    token = issue(uow, "li.officer")
    status, headers, body = call(server, "POST", "/api/v1/cases", token, OPEN)
    assert status == 201, body
    assert headers["Location"].endswith(f"/api/v1/cases/{body['id']}")
    assert headers["ETag"] == f'"{body["version"]}"'
    assert body["agency"] == "nb-amr" and body["status"] == "received"
    assert body["number"].startswith("TEST-2026-") and body["closed"] is False
    assert body["title"] == OPEN["title"]  # stored and answered as text, never as markup

    status, headers, case = call(server, "GET", f"/api/v1/cases/{body['id']}", token)
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert case["title"] == OPEN["title"] and case["received_on"] == "2026-09-15"
    assert [p["name"] for p in case["parties"]] == ["宁波五芳斋食品有限公司", "宁波市江北区佳味食品厂"]
    assert case["ip_rights"][0]["number"] == "G7788123"
    assert case["events"][0]["kind"] == "case_opened" and case["events"][0]["reason"] == \
        "12315热线举报"
    assert headers["ETag"] == f'"{case["version"]}"'

    # who opened it comes from the token: the case is li.officer's agency's, in the trail
    with app.session_factory() as s:
        event = s.scalar(select(Event).where(Event.case_id == body["id"]))
        assert event.actor == "li.officer" and event.channel.startswith("api:t")


def test_opening_refusals_name_the_field_and_write_nothing(server, uow, app):
    token = issue(uow, "li.officer")
    before = counts(app)
    bad = [
        ({"title": 12306}, "title"),
        ({"case_type": None}, "case_type"),
        ({"received_on": "2026-02-30"}, "received_on"),
        ({"received_on": "2099-01-01"}, "received_on"),  # in the future
        ({"case_type": "no_such_type"}, "case_type"),
        ({"parties": [{"role": "boss", "name": "宁波甬华汽配有限公司"}]}, "parties"),
        ({"parties": [{"role": "rights_holder", "name": "甬华", "vip": True}]}, "parties"),
        ({"ip_rights": [{"kind": "brand", "number": "G1"}]}, "ip_rights"),
        ({"assignee": "nobody.at.all"}, "assignee"),
        ({"assignee": "zhou.customs"}, "assignee"),  # another agency's: the same answer
        ({"agency": "nb-customs"}, "agency"),  # identity is never a parameter
        ({"title": "宁波文具\u0000厂"}, "title"),
        ({"data": ["not", "an", "object"]}, "data"),
    ]
    answers = {}
    for change, field in bad:
        status, headers, body = call(server, "POST", "/api/v1/cases", token, {**OPEN, **change})
        assert status == 422, (change, status, body)
        assert headers["Content-Type"] == "application/problem+json"
        assert field in body["errors"], (change, body)
        answers[field] = body
    assert answers["assignee"]["errors"]["assignee"][0].endswith("is not in nb-amr")

    status, _h, body = call(server, "POST", "/api/v1/cases", token,
                            raw=b'{"case_type": "inspection", "title": ',
                            headers={"Content-Type": "application/json"})
    assert status == 400 and body["status"] == 400
    status, _h, body = call(server, "POST", "/api/v1/cases", token,
                            raw=b"case_type=inspection",
                            headers={"Content-Type": "text/plain"})
    assert status == 415 and "application/json" in body["detail"]
    status, _h, body = call(server, "POST", "/api/v1/cases?as=zhou.customs", token, OPEN)
    assert status == 422 and "as" in body["errors"]
    customs = issue(uow, "zhou.customs")  # customs does not work inspection cases
    status, _h, body = call(server, "POST", "/api/v1/cases", customs, OPEN)
    assert status == 403
    assert call(server, "POST", "/api/v1/cases", None, OPEN)[0] == 401
    assert counts(app) == before


# --- the list -----------------------------------------------------------------------------------

def _ids(body) -> list[int]:
    return [item["id"] for item in body["items"]]


@pytest.fixture
def cases(uow, people):
    """Four cases of nb-amr and one of nb-amr-yinzhou:
    late — a timed case received in March: its filing clock ran out long ago;
    fresh — a timed case received today: its clock runs;
    mooncake — an inspection (no clock) with ``100%`` in its title, a party and an IP right
      number with an underscore;
    parts — an inspection assigned to zhang.officer, ``100`` but no ``%``;
    other — a Yinzhou case nb-amr must not see."""
    late = services.open_case(
        uow(), actor="li.officer", case_type="timed", title="慈溪市宏利家电有限公司涉嫌专利侵权",
        received_on=date(2026, 3, 2), parties=[HOLDER, INFRINGER])
    fresh = services.open_case(
        uow(), actor="li.officer", case_type="timed", title="余姚市明达文具厂涉嫌侵犯外观设计专利")
    mooncake = services.open_case(
        uow(), actor="li.officer", case_type="inspection",
        title="宁波甬味食品有限公司“100%手工”月饼涉嫌虚假宣传", received_on=date(2026, 5, 10),
        parties=[{"role": "alleged_infringer", "name": "宁波市鄞州区佳味食品厂"}],
        ip_rights=[{"kind": "design_patent", "number": "ZL2024_10001", "title": "月饼模具"}])
    parts = services.open_case(
        uow(), actor="li.officer", case_type="inspection", title="北仑区汽配城100件假冒刹车片",
        received_on=date(2026, 6, 1),
        ip_rights=[{"kind": "invention_patent", "number": "ZL2024A10001", "title": "刹车片"}])
    services.assign(uow(), parts.id, "zhang.officer", actor="chen.sup", reason="分案")
    other = services.open_case(
        uow(), actor="sun.yz", case_type="inspection", title="鄞州区某服饰店涉嫌销售假冒服装",
        received_on=date(2026, 5, 12))
    return {"late": late.id, "fresh": fresh.id, "mooncake": mooncake.id, "parts": parts.id,
            "other": other.id}


def test_the_list_filters_searches_sorts_and_pages(server, uow, cases):
    token = issue(uow, "li.officer")
    c = cases

    def listing(**query) -> dict:
        path = "/api/v1/cases" + (f"?{urlencode(query)}" if query else "")
        status, _h, body = call(server, "GET", path, token)
        assert status == 200, (query, body)
        return body

    body = listing()
    # most urgent running clock first; cases without one last; another agency's never
    assert _ids(body) == [c["late"], c["fresh"], c["mooncake"], c["parts"]]
    assert body["total"] == 4 and body["page"] == 1 and body["per_page"] == 50
    late, fresh, mooncake, parts = body["items"]
    assert late["overdue"] is True and late["next_due"].startswith("2026-03")
    assert late["next_due"].endswith("+08:00") and late["received_on"] == "2026-03-02"
    assert fresh["overdue"] is False and fresh["next_due"] is not None
    assert mooncake["next_due"] is None and mooncake["overdue"] is False
    assert parts["assignee"] == "zhang.officer" and mooncake["assignee"] is None
    assert set(late) == {"id", "number", "type", "state", "title", "agency", "assignee",
                         "received_on", "next_due", "overdue"}
    assert (late["type"], late["state"], late["agency"]) == ("timed", "received", "nb-amr")

    first, second = listing(per_page=3), listing(per_page=3, page=2)
    assert _ids(first) + _ids(second) == _ids(body) and second["total"] == 4
    assert listing(page=9)["items"] == [] and listing(page=9)["total"] == 4

    assert _ids(listing(overdue="true")) == [c["late"]]
    assert _ids(listing(overdue="false")) == [c["fresh"], c["mooncake"], c["parts"]]
    assert _ids(listing(type="inspection")) == [c["mooncake"], c["parts"]]
    assert _ids(listing(type="timed", state="received")) == [c["late"], c["fresh"]]
    assert _ids(listing(state="checking")) == []
    assert _ids(listing(assignee="zhang.officer")) == [c["parts"]]
    assert _ids(listing(unassigned="false")) == [c["parts"]]
    assert _ids(listing(unassigned="true")) == [c["late"], c["fresh"], c["mooncake"]]
    assert _ids(listing(due_before="2026-04-30")) == [c["late"]]
    assert _ids(listing(due_before=(date.today() + timedelta(days=90)).isoformat())) == [
        c["late"], c["fresh"]]
    assert _ids(listing(received_from="2026-05-01", received_to="2026-05-31")) == [
        c["mooncake"]]
    assert _ids(listing(received_from="2026-05-10", received_to="2026-05-10")) == [
        c["mooncake"]]
    assert _ids(listing(agency="nb-amr", type="inspection")) == [c["mooncake"], c["parts"]]
    assert listing(agency="nb-amr-yinzhou")["total"] == 0  # not theirs to list

    # text search: number, title, party name, IP right number; wildcards are literal
    assert _ids(listing(q="100%")) == [c["mooncake"]]
    assert _ids(listing(q="100")) == [c["mooncake"], c["parts"]]
    assert _ids(listing(q="ZL2024_1")) == [c["mooncake"]]
    assert _ids(listing(q="佳味食品")) == [c["mooncake"]]
    assert _ids(listing(q=late["number"])) == [c["late"]]
    assert _ids(listing(q="宏利家电")) == [c["late"]]
    assert _ids(listing(q="ZL2024A")) == [c["parts"]]
    assert listing(q="' OR 1=1 --")["total"] == 0
    assert _ids(listing(q="%")) == _ids(listing(q="_")) == [c["mooncake"]]  # not "anything"
    assert listing(q="服饰店")["total"] == 0  # the Yinzhou case's title: not nb-amr's
    assert listing(q="   ")["total"] == 4  # blank: no search

    by_received = [c["late"], c["mooncake"], c["parts"], c["fresh"]]
    assert _ids(listing(sort="received")) == by_received
    assert _ids(listing(sort="-received")) == by_received[::-1]
    numbers = [i["number"] for i in listing(sort="number")["items"]]
    assert numbers == sorted(numbers)
    assert [i["number"] for i in listing(sort="-number")["items"]] == numbers[::-1]
    assert _ids(listing(sort="-due")) == [c["fresh"], c["late"], c["mooncake"], c["parts"]]


def test_another_agency_sees_none_of_the_others_cases(server, uow, cases):
    yinzhou = issue(uow, "sun.yz")
    status, _h, body = call(server, "GET", "/api/v1/cases", yinzhou)
    assert status == 200 and _ids(body) == [cases["other"]] and body["total"] == 1
    customs = issue(uow, "zhou.customs")
    status, _h, body = call(server, "GET", "/api/v1/cases?q=%E5%AE%81%E6%B3%A2", customs)
    assert status == 200 and body == {"items": [], "total": 0, "page": 1, "per_page": 50}
    for path in (f"/api/v1/cases/{cases['late']}", f"/api/v1/cases/{cases['late']}/evidence",
                 f"/api/v1/cases/{cases['late']}/triggers"):
        assert call(server, "GET", path, customs)[0] == 404


def test_list_refusals_name_the_filter(server, uow, cases):
    token = issue(uow, "li.officer")
    bad = [
        ("type=no_such_type", "type"),
        ("state=flying", "state"),
        ("type=inspection&state=appraisal", "state"),  # a state of timed, not of inspection
        ("agency=nb-nowhere", "agency"),
        ("assignee=zhou.customs", "assignee"),
        ("assignee=nobody.at.all", "assignee"),
        ("received_from=2026-06-01&received_to=2026-05-01", "received_from"),
        ("received_from=2026-13-01", "received_from"),
        ("due_before=tomorrow", "due_before"),
        ("due_before=0001-01-01", "due_before"),
        ("unassigned=perhaps", "unassigned"),
        ("unassigned=true&assignee=zhang.officer", "unassigned"),
        ("overdue=2", "overdue"),
        ("sort=priority", "sort"),
        ("page=0", "page"),
        ("per_page=100000", "per_page"),
        ("q=" + quote("月饼\x00"), "q"),
        ("q=" + quote("甬" * 201), "q"),
        ("bogus=1", "bogus"),
        ("agency_id=1", "agency_id"),
    ]
    for query, field in bad:
        status, headers, body = call(server, "GET", f"/api/v1/cases?{query}", token)
        assert status == 422, (query, status, body)
        assert headers["Content-Type"] == "application/problem+json"
        assert field in body["errors"], (query, body)


# --- assign and claim ---------------------------------------------------------------------------

def test_claim_and_assign_go_against_the_version_read(server, uow, app):
    officer, boss = issue(uow, "li.officer"), issue(uow, "chen.sup")
    case = open_inspection(uow)
    claim = f"/api/v1/cases/{case.id}/claim"
    before = counts(app)
    assert call(server, "POST", claim, officer, {"reason": "本人承办"})[0] == 428
    assert call(server, "POST", claim, officer, {"reason": "本人承办"}, match(99))[0] == 412
    assert call(server, "POST", claim, officer, {"reason": "本人承办"},
                {"If-Match": '"abc"'})[0] == 412
    status, _h, body = call(server, "POST", claim, officer, {"reason": "本人承办", "who": "x"},
                            match(case.version))
    assert status == 422 and "who" in body["errors"]
    status, _h, body = call(server, "POST", claim, officer, raw=b"reason=1",
                            headers={"Content-Type": "application/x-www-form-urlencoded",
                                     **match(case.version)})
    assert status == 415
    assert counts(app) == before

    status, headers, body = call(server, "POST", claim, officer, {"reason": "本人承办"},
                                 match(case.version))
    assert status == 200 and body["version"] == case.version + 1
    assert headers["ETag"] == f'"{body["version"]}"' == f'"{version_of(app, case.id)}"'
    assert call(server, "GET", f"/api/v1/cases/{case.id}", officer)[2]["assignee"] == \
        "li.officer"

    # taken: another officer cannot claim it; only a supervisor reassigns
    colleague = issue(uow, "zhang.officer")
    before = counts(app)
    status, _h, body = call(server, "POST", claim, colleague, {}, match(body["version"]))
    assert status == 403
    assign = f"/api/v1/cases/{case.id}/assign"
    version = version_of(app, case.id)
    assert call(server, "POST", assign, officer, {"assignee": "zhang.officer"},
                match(version))[0] == 403
    for who in ("nobody.at.all", "zhou.customs"):
        status, _h, body = call(server, "POST", assign, boss, {"assignee": who},
                                match(version))
        assert status == 422 and "assignee" in body["errors"], body
    status, _h, body = call(server, "POST", assign, boss, {}, match(version))
    assert status == 422 and "assignee" in body["errors"]
    assert call(server, "POST", assign, boss, {"assignee": "zhang.officer"},
                match(version - 1))[0] == 412
    outsider = issue(uow, "xu.customs")
    status, _h, missing = call(server, "POST", assign, outsider, {"assignee": "zhou.customs"},
                               match(version))
    assert status == 404
    assert counts(app) == before

    status, headers, body = call(server, "POST", assign, boss,
                                 {"assignee": "zhang.officer", "reason": "工作量调整"},
                                 match(version))
    assert status == 200 and headers["ETag"] == f'"{version + 1}"'
    with app.session_factory() as s:
        event = s.scalars(select(Event).where(Event.case_id == case.id)
                          .order_by(Event.seq.desc())).first()
        assert (event.kind, event.actor, event.reason) == ("assigned", "chen.sup", "工作量调整")
        assert event.payload == {"from": "li.officer", "to": "zhang.officer"}


# --- links --------------------------------------------------------------------------------------

def test_links_need_if_match_and_refuse_bad_targets(server, uow, app):
    token = issue(uow, "li.officer")
    parent, child = open_inspection(uow), open_inspection(uow, title="同一当事人另案：假冒服装仓库")
    theirs = services.open_case(uow(), actor="sun.yz", case_type="inspection",
                                title="鄞州区某服饰店涉嫌销售假冒服装")
    path = f"/api/v1/cases/{parent.id}/links"
    link = {"to_case_id": child.id, "kind": "parent_child", "reason": "同一当事人分案"}
    before = counts(app)
    assert call(server, "POST", path, token, link)[0] == 428
    assert call(server, "POST", path, token, link, match(parent.version + 3))[0] == 412
    for change, field in (({"kind": "sibling"}, "kind"), ({"to_case_id": str(child.id)},
                                                         "to_case_id"),
                          ({"to_case_id": parent.id}, "to_case_id"),
                          ({"to_case_id": None}, "to_case_id")):
        status, _h, body = call(server, "POST", path, token, {**link, **change},
                                match(parent.version))
        assert status == 422 and field in body["errors"], (change, body)
    assert call(server, "POST", path, token, {**link, "to_case_id": theirs.id},
                match(parent.version))[0] == 404
    assert call(server, "POST", path, token, {**link, "to_case_id": 10**12},
                match(parent.version))[0] == 404
    assert counts(app) == before

    status, headers, body = call(server, "POST", path, token, link, match(parent.version))
    assert status == 201, body
    assert body == {"id": body["id"], "from": parent.number, "to": child.number,
                    "kind": "parent_child"}
    assert headers["ETag"] == f'"{version_of(app, parent.id)}"'
    _s, headers, case = call(server, "GET", f"/api/v1/cases/{parent.id}", token)
    assert case["links"] == [{"kind": "parent_child", "from": parent.id, "to": child.id}]
    before = counts(app)
    version = int(headers["ETag"].strip('"'))
    status, _h, body = call(server, "POST", path, token, link, match(version))
    assert status == 422 and "to_case_id" in body["errors"]  # already linked
    assert counts(app) == before


# --- evidence -----------------------------------------------------------------------------------

def upload(base, token, case_id, version, files, fields=None, headers=None):
    body, kind = multipart(fields or {"description": "执法人员现场拍摄"}, files)
    return call(base, "POST", f"/api/v1/cases/{case_id}/evidence", token, raw=body,
                headers={"Content-Type": kind, **match(version), **(headers or {})})


def test_evidence_is_uploaded_listed_and_downloaded_by_digest(server, uow, app):
    token = issue(uow, "li.officer")
    case = open_inspection(uow)
    name = "现场照片（一）.png"
    status, headers, body = upload(server, token, case.id, case.version,
                                   {"file": (name, "image/png", PNG)})
    assert status == 201, body
    assert body["sha256"] == hashlib.sha256(PNG).hexdigest() and body["size"] == len(PNG)
    assert (body["filename"], body["media_type"], body["case"]) == (name, "image/png",
                                                                    case.number)
    assert headers["ETag"] == f'"{version_of(app, case.id)}"'
    stored = app.settings.evidence_dir
    assert any(body["sha256"] in p.name for p in stored.rglob("*") if p.is_file())

    version = version_of(app, case.id)
    for filename, kind, content in (("询问笔录.docx", "application/vnd.openxmlformats-"
                                     "officedocument.wordprocessingml.document", _docx()),
                                    ("鉴定意见.pdf", "application/pdf", PDF),
                                    ("情况说明.txt", "text/plain; charset=gb18030",
                                     "宁波市鄞州区佳味食品厂情况说明\r\n".encode("gb18030"))):
        status, headers, added = upload(server, token, case.id, version,
                                        {"file": (filename, kind, content)})
        assert status == 201, (filename, added)
        version = int(headers["ETag"].strip('"'))

    status, _h, listed = call(server, "GET", f"/api/v1/cases/{case.id}/evidence", token)
    assert status == 200 and [e["filename"] for e in listed] == [
        name, "询问笔录.docx", "鉴定意见.pdf", "情况说明.txt"]
    assert listed[0]["added_by"] == "li.officer" and listed[0]["description"] == "执法人员现场拍摄"
    assert listed[3]["media_type"] == "text/plain"

    path = f"/api/v1/cases/{case.id}/evidence/{body['id']}"
    status, headers, content = call(server, "GET", path, token)
    assert status == 200 and content == PNG
    assert headers["Content-Type"] == "image/png"
    assert headers["X-Content-Type-Options"] == "nosniff"
    disposition = headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition

    customs = issue(uow, "zhou.customs")  # an outsider: as if neither case nor file existed
    assert call(server, "GET", path, customs)[0] == 404
    assert call(server, "GET", f"/api/v1/cases/{case.id}/evidence", customs)[0] == 404
    other = open_inspection(uow)
    assert call(server, "GET", f"/api/v1/cases/{other.id}/evidence/{body['id']}", token)[0] \
        == 404
    assert call(server, "GET", f"{path}?download=1", token)[0] == 422
    before = counts(app)
    status, _h, _b = upload(server, customs, case.id, version,
                            {"file": ("x.png", "image/png", PNG + b"!")})
    assert status == 404 and counts(app) == before


def test_evidence_refusals_write_nothing(server, uow, app):
    token = issue(uow, "li.officer")
    case = open_inspection(uow)
    v = case.version
    before = counts(app)
    png = {"file": ("现场照片.png", "image/png", PNG)}
    path = f"/api/v1/cases/{case.id}/evidence"

    body, kind = multipart({}, png)
    assert call(server, "POST", path, token, raw=body, headers={"Content-Type": kind})[0] == 428
    assert upload(server, token, case.id, v + 1, png)[0] == 412
    status, _h, answer = call(server, "POST", path, token, {"file": "iVBORw0KGgo="}, match(v))
    assert status == 415 and "multipart/form-data" in answer["detail"]

    refused = [
        ({"file": ("报价单.pdf", "application/pdf", EXE)}, 415),  # a renamed .exe
        ({"file": ("setup.exe", "application/x-msdownload", EXE)}, 415),
        ({"file": ("合同.docx", "application/vnd.openxmlformats-officedocument"
                   ".wordprocessingml.document", _zip_without_word())}, 415),
        ({"file": ("照片.jpg", "image/jpeg", PNG)}, 415),  # says JPEG, is PNG
        ({"file": ("说明.txt", "text/plain", b"MZ\x00\x00binary")}, 415),
        ({"file": ("空.png", "image/png", b"")}, 422),
        ({"attachment": ("现场照片.png", "image/png", PNG)}, 422),
        ({}, 422),
    ]
    for files, expected in refused:
        status, headers, answer = upload(server, token, case.id, v, files)
        assert status == expected, (files.keys(), status, answer)
        assert headers["Content-Type"] == "application/problem+json"
        assert answer["errors"], answer
    status, _h, answer = upload(server, token, case.id, v, png,
                                fields={"description": "照片", "uploader": "zhou.customs"})
    assert status == 422 and "uploader" in answer["errors"]
    status, _h, answer = upload(server, token, case.id, v, png, fields={"description": "\x00"})
    assert status == 422 and "description" in answer["errors"]

    # over the default 20 MiB: 413 for the file; beyond the app's body limit: 413 too
    big = b"%PDF-1.7\n" + b"0" * (20 * 1024 * 1024)
    status, headers, answer = upload(server, token, case.id, v,
                                     {"file": ("扫描件.pdf", "application/pdf", big)})
    assert status == 413 and headers["Content-Type"] == "application/problem+json"
    assert "file" in answer["errors"]
    assert counts(app) == before


def test_the_size_limit_is_a_setting(small_server, uow, app):
    token = issue(uow, "li.officer")
    case = open_inspection(uow)
    before = counts(app)
    status, _h, answer = upload(small_server, token, case.id, case.version,
                                {"file": ("扫描件.pdf", "application/pdf", PDF + b"0" * 4096)})
    assert status == 413 and "4096" in answer["errors"]["file"][0]
    status, headers, answer = upload(small_server, token, case.id, case.version,
                                     {"file": ("扫描件.pdf", "application/pdf",
                                               PDF + b"0" * (2 * 1024 * 1024))})
    assert status == 413 and headers["Content-Type"] == "application/problem+json"
    assert counts(app) == before
    status, _h, answer = upload(small_server, token, case.id, case.version,
                                {"file": ("扫描件.pdf", "application/pdf", PDF)})
    assert status == 201, answer


# --- a case handed to another agency ------------------------------------------------------------

def test_a_handed_over_case_is_read_through_the_handoff_not_listed(server, uow, app):
    from caseflow.services import handoffs
    from tests.integration.test_handoffs import approved_case, send

    case = approved_case(uow)  # with 扣押清单.pdf attached
    sent = send(uow, case.id)
    later = services.attach_evidence(uow(), case.id, actor="li.officer", filename="内部审批表.pdf",
                                     content=PDF, media_type="application/pdf")
    police, amr = issue(uow, "gao.police"), issue(uow, "li.officer")

    status, _h, body = call(server, "GET", "/api/v1/cases", police)
    assert status == 200 and body["total"] == 0  # its work list holds its own cases only
    status, _h, shared = call(server, "GET", f"/api/v1/cases/{case.id}", police)
    assert status == 200 and shared["visibility"] == "shared" and "events" not in shared
    status, _h, listed = call(server, "GET", f"/api/v1/cases/{case.id}/evidence", police)
    assert status == 200 and [e["filename"] for e in listed] == ["扣押清单.pdf"]
    status, headers, content = call(
        server, "GET", f"/api/v1/cases/{case.id}/evidence/{listed[0]['id']}", police)
    assert status == 200 and content.startswith(b"%PDF")
    assert call(server, "GET", f"/api/v1/cases/{case.id}/evidence/{later.id}", police)[0] == 404
    before = counts(app)
    status, _h, body = upload(server, police, case.id, version_of(app, case.id),
                              {"file": ("补充.png", "image/png", PNG)})
    assert status == 403 and counts(app) == before  # may see, acts only on its own cases

    accepted = handoffs.accept(uow(), sent.id, actor="gao.police")
    status, _h, body = call(server, "GET", "/api/v1/cases", police)
    assert _ids(body) == [accepted.linked_case_id]  # the case it opened is its own
    status, _h, body = call(server, "GET", "/api/v1/cases", amr)
    assert accepted.linked_case_id not in _ids(body) and case.id in _ids(body)
