"""A case's industry over real HTTP, on both databases: given on opening, answered by the
write and the read, the list filtered by it, an unknown one refused (422 naming
``industry``) with nothing written, and the OpenAPI document saying the choices."""

from __future__ import annotations

from urllib.parse import urlencode

from caseflow.domain.vocabulary import INDUSTRIES
from tests.e2e.http import call, issue
from tests.e2e.test_api_cases import OPEN, counts


def test_an_industry_is_opened_read_back_and_filtered_by(server, uow, app):
    token = issue(uow, "li.officer")
    status, _h, food = call(server, "POST", "/api/v1/cases", token,
                            {**OPEN, "industry": "food"})
    assert status == 201 and food["industry"] == "food", food
    status, _h, plain = call(server, "POST", "/api/v1/cases", token, OPEN)
    assert status == 201 and plain["industry"] is None
    status, _h, unrecorded = call(server, "POST", "/api/v1/cases", token,
                                  {**OPEN, "industry": None})
    assert status == 201 and unrecorded["industry"] is None

    status, _h, case = call(server, "GET", f"/api/v1/cases/{food['id']}", token)
    assert status == 200 and case["industry"] == "food"
    assert case["events"][0]["payload"]["industry"] == "food"
    assert call(server, "GET", f"/api/v1/cases/{plain['id']}", token)[2]["industry"] is None

    status, _h, page = call(server, "GET", "/api/v1/cases?" + urlencode({"industry": "food"}),
                            token)
    assert status == 200 and [i["id"] for i in page["items"]] == [food["id"]]
    assert page["total"] == 1
    status, _h, page = call(server, "GET", "/api/v1/cases?industry=stationery", token)
    assert status == 200 and page["items"] == [] and page["total"] == 0


def test_an_unknown_industry_is_refused_naming_it_and_nothing_is_written(server, uow, app):
    token = issue(uow, "li.officer")
    before = counts(app)
    for bad in ("jewellery", "", "服装", 3, ["food"]):
        status, headers, body = call(server, "POST", "/api/v1/cases", token,
                                     {**OPEN, "industry": bad})
        assert status == 422, (bad, status, body)
        assert headers["Content-Type"] == "application/problem+json"
        assert "industry" in body["errors"], body
    assert counts(app) == before
    status, _h, body = call(server, "GET", "/api/v1/cases?industry=jewellery", token)
    assert status == 422 and "industry" in body["errors"]


def test_the_openapi_document_lists_the_industries(server):
    status, _h, spec = call(server, "GET", "/api/v1/openapi.json")
    assert status == 200
    schemas = spec["components"]["schemas"]
    opening = schemas["OpenCaseBody"]["properties"]["industry"]
    assert opening["enum"] == [*INDUSTRIES, None] and opening["nullable"] is True
    assert "industry" not in schemas["OpenCaseBody"].get("required", [])
    assert schemas["CaseOut"]["properties"]["industry"]["nullable"] is True
    assert schemas["CaseReadOut"]["properties"]["industry"]["nullable"] is True
    listed = {p["name"]: p for p in spec["paths"]["/api/v1/cases"]["get"]["parameters"]}
    assert listed["industry"]["schema"]["enum"] == list(INDUSTRIES)
