"""A handoff's form on the case page asks for the fields of the step its sending fires: an
enum among them shows its values' titles like the steps panel does (the code still the option's
value), in Chinese and, on an English page, in English."""

from __future__ import annotations

from caseflow import services

HOLDER = {"role": "rights_holder", "name": "Nordhaus Bremsen GmbH", "kind": "enterprise",
          "origin": "overseas", "region": "Germany"}
INFRINGER = {"role": "alleged_infringer", "name": "宁波某某汽配有限公司", "kind": "enterprise",
             "origin": "local", "region": "宁波市北仑区"}


def _court_case(uow):
    return services.open_case(
        uow(), actor="qian.court", case_type="court_litigation", assignee="qian.court",
        title="Nordhaus诉宁波某某汽配有限公司侵害商标权纠纷", parties=[HOLDER, INFRINGER],
        ip_rights=[{"kind": "trademark", "number": "G1234567", "title": "NORDHAUS"}])


def test_a_handoff_forms_enum_shows_its_titles(people, uow, client_as):
    case = _court_case(uow)
    client = client_as("qian.court")
    path = f"/cases/{case.id}"
    page = client.get(path).get_data(as_text=True)
    assert 'name="p_court_measure"' in page  # the customs assistance notice's own step field
    assert '<option value="preservation_of_goods">对涉案货物采取保全措施</option>' in page
    assert '<option value="seizure">查封、扣押</option>' in page
    assert ">preservation_of_goods<" not in page
    client.post_form("/language", {"locale": "en", "next": path})
    english = client.get(path).get_data(as_text=True)
    assert '<option value="preservation_of_goods">Preservation of the goods</option>' in english
