"""Walking a flow through the pages, as the people its lanes name (issue 21, whole flows in a real
browser): one signed-in page per person, each task found in that person's My tasks and opened by its
link, every page visited checked with axe-core and photographed at 1280 px, and each kind of page
also at 375 px once per walk (screenshot `-375`, nothing wider than the screen)."""
import json
import re
from datetime import datetime
from pathlib import Path

import pytest

import doors
from engine.people.accounts import dao_set_password
from tests.browser.conftest import check_page, sign_in
from tests.web.conftest import PASSWORD

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}
STEP_TIMEOUT_MS = 15_000  # fail fast: a page that does not come is a failure, not a wait
# What staff should never read on a page: a requirement id, a snake_case id, markup shown as text, a
# date as the data holds it (pages write "30 November 2026").
NOT_WORDS = re.compile(r"\bR-\d\d\b|\b[a-z]+(?:_[a-z0-9]+)+\b|</?[a-z]+[ >/]|\b\d{4}-\d\d-\d\d\b")
# The people the lanes name beyond those tests/web/conftest.py `site` gives a password.
MORE_PEOPLE = ("sue", "hal", "ada", "paula")

FORMS = Path(__file__).resolve().parents[2] / "forms"
# The audit tool's domains with their one title each (forms/domains.defs.json), in the tool's order.
TITLES = {option["const"]: option["title"]
          for option in json.loads((FORMS / "domains.defs.json").read_text())["$defs"]["domain_name"]["oneOf"]
          if option["const"] in json.loads((FORMS / "audit_tool.json").read_text())["properties"]["domains"]["properties"]}
# Page kinds test_flow_walks.py's case audit photographs at 375 px: the other walks add only their own.
SEEN_NARROW = {"my-tasks", "completed", "case-page", "task:audit_tool", "task:audit_discussion", "task:qa_review",
               "task:audit_amendment", "task:report_response", "task:findings_discussion"}


@pytest.fixture
def staff(site):
    """`site`, with passwords for the managers the later stages of a flow name too."""
    with doors.engine(site).db.transaction() as session:
        for username in MORE_PEOPLE:
            dao_set_password(session, username, PASSWORD)
    return site


class Walk:
    """One flow's walk: `walk.as_("ann")` is ann's page (signed in once), `walk.check(page, name,
    kind)` runs axe-core and photographs it as `<prefix>-<nn>-<name>` (and at 375 px the first time
    a page of that kind is seen)."""

    def __init__(self, person, prefix: str, case_ref: str):
        self.person, self.prefix, self.case_ref = person, prefix, case_ref
        self.pages: dict[str, object] = {}
        self.count = 0
        self.narrow_seen: set[str] = set()
        self.problems: list[str] = []

    def as_(self, username: str):
        if username not in self.pages:
            page = self.person(username)
            page.set_default_timeout(STEP_TIMEOUT_MS)
            page.set_viewport_size(WIDE)
            self.pages[username] = page
        return self.pages[username]

    def check(self, page, name: str, kind: str | None = None) -> None:
        self.count += 1
        shot = f"{self.prefix}-{self.count:02d}-{name}"
        check_page(page, shot)
        words = page.locator("main").inner_text()
        for wrong in sorted(set(NOT_WORDS.findall(words))):  # staff read the policy's words, never its ids
            self.problems.append(f"{shot}: the page says {wrong!r}")
        if kind and kind not in self.narrow_seen:
            self.narrow_seen.add(kind)
            self.narrow(page, shot)

    @staticmethod
    def narrow(page, shot: str) -> None:
        """The same page 375 px wide: axe again, a screenshot, and no sideways scrolling."""
        page.set_viewport_size(PHONE)
        try:
            check_page(page, f"{shot}-375")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{shot}: {width} px wide at 375 px, so it scrolls sideways"
        finally:
            page.set_viewport_size(WIDE)

    def expect_unanswered(self, page, step: str, *names: str) -> None:
        """The fields `names` ask this step's own answer: the page must not open with one already given
        (an earlier round's or another step's answer under the same name). What it finds is noted and
        the walk goes on, as a person would, clearing it; `finish()` then fails with every such page."""
        for name in names:
            controls = page.locator(f"[name='{name}']")
            given = [c.input_value() for c in controls.all()
                     if c.get_attribute("type") not in ("radio", "checkbox") and c.input_value()]
            given += [c.get_attribute("value") for c in controls.all()
                      if c.get_attribute("type") in ("radio", "checkbox") and c.is_checked()]
            if given:
                self.problems.append(f"{step} ({self.prefix}-{self.count:02d}): {name!r} opens answered {given}")

    def finish(self) -> None:
        assert not self.problems, "pages that showed what they should not:\n" + "\n".join(self.problems)

    # --- a person at the pages ----------------------------------------------------------------

    def open_task(self, username: str, step: str, kind: str):
        """`username` opens My tasks, finds `step` on this walk's case and follows its link."""
        page = self.as_(username)
        page.goto("/")
        if "/sign-in" in page.url:  # a day later the sign-in has expired (QA_TOKEN_HOURS): sign in again
            sign_in(page, username)
        self.check(page, f"{username}-my-tasks", "my-tasks")
        # Its name is the step and ", case C-1001" (visually hidden, spaced by govuk-frontend's own pseudo-elements).
        step_pattern = re.escape(step).replace("/", r"\/")  # Playwright hands the pattern to JavaScript as /.../
        name = re.compile(rf"^{step_pattern}\s*,\s*case {re.escape(self.case_ref)}\s*$")
        link = page.get_by_test_id("tasks").get_by_role("link", name=name)
        assert link.count() == 1, f"{username}'s tasks hold no {step!r} on {self.case_ref}: " + \
            page.locator("main").inner_text()
        link.click()
        page.wait_for_url(re.compile(r"/tasks/[^/]+$"))
        assert page.get_by_role("heading", level=1).inner_text() == step
        self.check(page, f"{username}-{kind.replace('_', '-')}", f"task:{kind}")
        return page

    def complete(self, page, name: str) -> None:
        """Press "Complete task": the completion page, or the test fails with what the page says."""
        with page.expect_navigation() as arrived:
            page.get_by_role("button", name="Complete task", exact=True).click()
        answer = arrived.value
        if not page.url.endswith("/done"):
            problems = page.locator(".govuk-error-summary")
            said = problems.inner_text() if problems.count() else page.locator("main").inner_text()
            pytest.fail(f"{name}: completing answered {answer.status} at {page.url}, not the completion page:\n{said}")
        assert "Task completed" in page.locator(".govuk-panel").inner_text()
        self.check(page, f"{name}-done", "completed")

    def case_page_from_task(self, page, name: str) -> str:
        """From a task page, the case reference's link to the case page, and back: the case page's path."""
        page.locator("xpath=//main//dl[1]//dt[normalize-space()='Case reference']/following-sibling::dd[1]//a").click()
        page.wait_for_url(re.compile(r"/instances/\d+$"))
        page.locator(".app-diagram .djs-element").first.wait_for()
        self.check(page, f"{name}-case-page", "case-page")
        path = page.url.split("/", 3)[3]
        page.go_back()
        page.wait_for_url(re.compile(r"/tasks/[^/]+$"))
        return "/" + path

    def case_page(self, page, name: str) -> None:
        """From a completion page, "See where the case is": the case page with its live diagram, every
        "Answers given" of its history opened (read, and checked for ids, with the rest of the page)."""
        page.get_by_role("link", name="See where the case is").click()
        page.wait_for_url(re.compile(r"/instances/\d+$"))
        page.locator(".app-diagram .djs-element").first.wait_for()
        for answers in page.get_by_test_id("timeline").locator("details").all():
            answers.evaluate("details => { details.open = true; }")
        self.check(page, f"{name}-case-page", "case-page")


# --- filling a form ---------------------------------------------------------------------------------

def choose(page, name: str, value: str) -> None:
    """Choose a radio (or tick a box) by the field's name and its value on the page ("yes", "good")."""
    page.locator(f"input[name='{name}'][value='{value}']").check()


def choose_by_keyboard(page, field_id: str) -> None:
    page.locator(f"#{field_id}").focus()
    page.keyboard.press("Space")


def type_into(page, field_id: str, text: str) -> None:
    """By keyboard, into an empty field."""
    page.locator(f"#{field_id}").focus()
    page.keyboard.type(text)


def replace(page, field_id: str, text: str) -> None:
    page.locator(f"#{field_id}").fill(text)


def enter_date(page, field_id: str, iso: str) -> None:
    year, month, day = iso.split("-")
    for part, value in (("day", str(int(day))), ("month", str(int(month))), ("year", year)):
        page.locator(f"#{field_id}-{part}").fill(value)


def agree_action(page, index: int, action: dict) -> None:
    """One SMART action of the findings discussion (R-27): what, whose (chosen from the directory), and
    when: by a date or within a number of working days."""
    replace(page, f"smart_actions-{index}-action", action["action"])
    page.locator(f"select[name='smart_actions.{index}.owner']").select_option(action["owner"])
    choose(page, f"smart_actions.{index}.due", action["due"])
    if action["due"] == "by_date":
        enter_date(page, f"smart_actions-{index}-by_when", action["by_when"])
    else:
        replace(page, f"smart_actions-{index}-within_working_days", str(action["within_working_days"]))


def shown_value(page, label: str, within: str | None = None) -> str:
    """What the summary cards give for `label`, or for the line `label` of the row `within` (a domain's
    "Grade: Good")."""
    cards = page.get_by_test_id("shown")
    found = cards.locator(f"xpath=.//dt[normalize-space()='{within or label}']/following-sibling::dd[1]")
    assert found.count() >= 1, f"no {within or label!r} in the cards shown"
    if not within:
        return found.first.inner_text().strip()
    for line in found.first.locator(".app-answers__line").all_inner_texts():
        name, _, value = line.partition(":")
        if name.strip() == label:
            return value.strip()
    raise AssertionError(f"no {label!r} in the cards shown under {within!r}")


def task_fact(page, key: str) -> str:
    """A row of the summary at the top of a task page (Due, Held by, ...)."""
    value = page.locator(f"xpath=//main//dl[1]//dt[normalize-space()='{key}']/following-sibling::dd[1]").first
    return value.inner_text().strip()


def at(clock, when: str) -> None:
    """The service's clock moves on to `when` (ISO): the next step is taken then."""
    clock.set(datetime.fromisoformat(when))


def draw_up(page, domains: dict, overall: str, rationale: str, by_keyboard: bool = False) -> None:
    """The audit tool: the period, every domain's grade and rationale, the overall grade, no concern."""
    enter_date(page, "period_start", "2026-05-02")
    for domain, answer in domains.items():
        choose(page, f"domains.{domain}.grade", answer["grade"])
        if "rationale" in answer:
            (type_into if by_keyboard else replace)(page, f"domains-{domain}-rationale", answer["rationale"])
    choose(page, "overall_grade", overall)
    replace(page, "overall_rationale", rationale)
    choose_by_keyboard(page, "immediate_safety_concern-2")  # No
