"""Pages name things, not codes (review items 6, 7, 10, 11): the case page's state diagram is
drawn in the page's language by titles, top to bottom and at its natural size in a scrolling
panel; the API's diagram keeps its codes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from tests.e2e.pages.test_pages_cases_http import worked_case

SVG = "{http://www.w3.org/2000/svg}"


def _texts(svg: bytes) -> tuple[ET.Element, str]:
    root = ET.fromstring(svg)
    return root, " ".join(t.text or "" for t in root.iter(f"{SVG}text"))


def test_case_page_diagram_reads_in_titles_of_the_pages_language(uow, people, client_as):
    case = worked_case(uow)  # in verification after start_verification
    client = client_as("li.officer")
    diagram = client.get(f"/cases/{case.id}/diagram.svg")
    assert diagram.status_code == 200
    root, texts = _texts(diagram.data)
    assert "线索核查" in texts and "登记线索并开始核查" in texts
    assert "[" not in texts and "clue_received" not in texts
    assert "start_verification" not in texts and "Clue received" not in texts
    # laid out top to bottom: taller than a left-to-right drawing, not thousands of points wide
    width = float(root.get("width", "0").removesuffix("pt"))
    assert width < 4000
    nodes = {g.findtext(f"{SVG}title"): g for g in root.iter(f"{SVG}g")
             if g.get("class") == "node"}
    filled = {name for name, g in nodes.items()
              if any(p.get("fill") not in (None, "none", "white") for p in g)}
    assert filled == {"verification"}  # the current state stays highlighted

    client.post_form("/language", {"locale": "en", "next": f"/cases/{case.id}"})
    english = client.get(f"/cases/{case.id}/diagram.svg")
    _root, texts = _texts(english.data)
    assert "线索核查" not in texts and "[" not in texts and "start_verification" not in texts

    css = client.get("/static/css/caseflow.css").get_data(as_text=True)
    rule = re.search(r"\.diagram-wrap img \{([^}]*)\}", css)
    assert rule and "max-width: none" in rule.group(1)
    assert re.search(r"\.diagram-wrap \{[^}]*overflow: auto", css)
