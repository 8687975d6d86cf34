"""Every main page, for every role, passes axe-core's checks in a real browser, with no console error
(a Content-Security-Policy violation would show as one)."""

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.no_db

PAGES = {
    None: ["/auth/login", "/auth/reset", "/help", "/no-such-page"],
    "focal@example.org": ["/", "/dashboard/", "/dashboard/skills", "/dashboard/change", "/dashboard/learning",
                          "/dashboard/content-gaps", "/campaigns/", "/campaigns/new", "/admin/users",
                          "/admin/organisations", "/evaluation/indicators"],
    "admin@example.org": ["/admin/countries", "/admin/countries/new", "/admin/audit",
                          "/catalogue/suggestions", "/catalogue/stale", "/catalogue/links", "/paths/",
                          "/paths/new",
                          "/dashboard/countries", "/dashboard/people", "/evaluation/follow-ups"],
    "chloe.martin@example.org": ["/", "/assess/", "/learn/", "/evaluation/me", "/catalogue/",
                                 "/catalogue/?q=data&language=fr", "/catalogue/suggest",
                                 "/catalogue/resources/gds-service-standard", "/paths/",
                                 "/paths/?q=data", "/account/"],
}


@pytest.mark.parametrize("who", list(PAGES), ids=lambda who: who or "anonymous")
def test_pages_pass_axe_and_log_no_console_error(sign_in, live_server, who):
    page = sign_in(who)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    axe = Axe()
    problems = {}
    for path in PAGES[who]:
        page.goto(live_server + path)
        violations = axe.run(page).response["violations"]
        if violations:
            problems[path] = [(v["id"], v["impact"], v["nodes"][0]["html"][:160]) for v in violations]
    assert problems == {}
    # the 404 page's own request is the only error a browser logs by design
    assert [e for e in errors if "404" not in e] == []
