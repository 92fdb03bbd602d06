"""Browser tests: Playwright (Python) driving Debian's Chromium against the app served for real on
127.0.0.1. Each page a test visits is checked with axe-core and photographed into
tests/screenshots/ (git-ignored). Marked `browser`: `make test-fast` leaves them out locally; CI
runs them (.ci/run installs chromium when it is missing)."""
import json
from pathlib import Path

import pytest

from tests.fixtures.servers import serving
from tests.web.conftest import PASSWORD, app, site  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "tests" / "screenshots"
# As the machine's probe starts it: no sandbox as root, and no calls home from a closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("the browser tests need Debian's chromium at /usr/bin/chromium (apt install chromium); "
                    "`make test-fast` runs everything else")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def served(site):  # noqa: F811
    with serving(site) as url:
        yield url


@pytest.fixture
def person(browser, served):
    """person("ann") -> a page in a fresh browser context (its own cookies), signed in as ann."""
    contexts = []

    def open_as(username: str | None = None):
        # axe is injected as an inline script, which the pages' CSP (rightly) refuses: bypass it here only.
        context = browser.new_context(base_url=served, bypass_csp=True, viewport={"width": 1200, "height": 900})
        contexts.append(context)
        page = context.new_page()
        if username:
            sign_in(page, username)
        return page
    yield open_as
    for context in contexts:
        context.close()


def sign_in(page, username: str) -> None:
    """By keyboard, as a person would: type, Tab, type, Enter."""
    page.goto("/sign-in")
    page.locator("#username").focus()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/")


def check_page(page, name: str) -> None:
    """No serious or critical axe-core violation (WCAG 2.2 AA rules and best practice) anywhere on the
    page, the diagram editors' canvases included, and a screenshot to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => await axe.run(document, {runOnly: {type: "tag",
        values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}})""")
    bad = [{"id": violation["id"], "impact": violation["impact"], "nodes": [n["target"] for n in violation["nodes"]][:5]}
           for violation in result["violations"] if violation["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: {json.dumps(bad, indent=1)}"

