"""Messages in a real browser: pat, told twice by a case audit (its report is ready, then uploaded),
sees "Messages (2)" in the header, reads the list, opens one and from it the case. tom sees a
child-safety alert tagged Urgent. Every page passes axe-core, is photographed, and at 375 px
nothing is wider than the screen."""
import re

import doors
from engine.instances.messages import CHILD_SAFETY_CONCERN
from tests.browser.conftest import check_page
from tests.web.conftest import CASE
from tests.web.test_messages_page import reported_to_pat

PHONE = {"width": 375, "height": 800}


def check_narrow(page, name: str) -> None:
    width = page.viewport_size
    page.set_viewport_size(PHONE)
    check_page(page, f"{name}-375")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"{name} scrolls sideways"
    page.set_viewport_size(width)


def test_pat_sees_messages_2_and_opens_the_case_from_one(site, person):  # R-18 R-81
    iid = reported_to_pat(site)
    pat = person("pat")
    menu = pat.get_by_role("navigation", name="Menu")
    menu.get_by_role("link", name="Messages (2)").click()
    pat.wait_for_url("**/messages")
    cards = pat.get_by_test_id("message")
    assert cards.count() == 2 and "You have 2 unread messages." in pat.get_by_test_id("unread").inner_text()
    assert "Email not sent yet" in cards.first.inner_text()  # no mail service here: kept all the same
    check_page(pat, "messages-01-list")
    check_narrow(pat, "messages-01-list")

    cards.first.get_by_role("link", name=re.compile("uploaded: Good")).click()
    pat.wait_for_url(re.compile(r".*/messages/\d+$"))
    assert menu.get_by_role("link", name="Messages (1)").is_visible()  # opening it read it
    check_page(pat, "messages-02-message")
    check_narrow(pat, "messages-02-message")

    pat.get_by_role("link", name="Open case C-1001").click()
    pat.wait_for_url(f"**/instances/{iid}")
    assert "C-1001" in pat.locator("h1").inner_text()
    check_page(pat, "messages-03-case")

    menu.get_by_role("link", name="Messages (1)").click()
    pat.get_by_role("button", name="Mark all as read").click()
    pat.wait_for_url("**/messages")
    assert menu.get_by_role("link", name="Messages", exact=True).is_visible()
    check_page(pat, "messages-04-all-read")


def test_tom_sees_a_child_safety_alert_tagged_urgent(site, person):  # R-40 R-81
    engine = doors.engine(site)
    audit = engine.start_instance("case_audit", CASE, "quinn")
    engine.send_message(audit, CHILD_SAFETY_CONCERN, {"concern": "Bruising seen at the last visit"}, "ann")
    tom = person("tom")
    tom.goto("/messages")
    card = tom.get_by_test_id("message")
    assert card.count() == 1 and "Urgent" in card.locator(".govuk-tag--red").inner_text()
    assert "Bruising" not in tom.locator("main").inner_text()  # the concern stays on the case page
    check_page(tom, "messages-05-urgent")
    check_narrow(tom, "messages-05-urgent")
