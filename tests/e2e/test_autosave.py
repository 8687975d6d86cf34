"""With JavaScript, an answer is saved the moment it is given: the page says so, and a reload keeps it."""

import re

import pytest

pytestmark = pytest.mark.no_db


def test_an_answer_is_saved_as_it_is_given_and_survives_a_reload(sign_in, live_server):
    # Brian took only the baseline; the demo's follow-up is open for him now.
    page = sign_in("brian.otieno@example.org")
    page.goto(live_server + "/assess/")
    page.get_by_role("link", name=re.compile("follow-up", re.I)).first.click()
    page.get_by_role("button", name=re.compile("^(Start|Continue)")).first.click()
    attempt = re.search(r"/attempts/(\d+)", page.url).group(1)
    page.goto(f"{live_server}/assess/attempts/{attempt}/sections/2")

    choice = page.locator("input[type=radio]").nth(3)
    choice.check()
    page.get_by_text("Saved", exact=False).first.wait_for(timeout=10_000)

    page.reload()
    assert page.locator("input[type=radio]").nth(3).is_checked()
