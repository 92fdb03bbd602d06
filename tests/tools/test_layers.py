"""The house's floors (tools/layers.py): no import runs upwards, and the two faces are siblings."""
from tools.layers import LAYERS, ROOT, arrows, package_of, wrong


def test_no_import_runs_upwards_or_between_the_faces():
    found = arrows()
    assert [f"{a} -> {b}: {sorted(found[(a, b)])}" for (a, b) in found if wrong(a, b)] == []
    assert ("web", "api") not in found and ("api", "web") not in found


def test_every_module_of_the_engine_and_the_faces_is_on_a_floor():
    files = [p for top in ("engine", "web", "api", "faces", "webhooks") for p in (ROOT / top).rglob("*.py")]
    assert [str(p.relative_to(ROOT)) for p in files if package_of(str(p.relative_to(ROOT))) is None] == []
    assert len(files) > 100


def test_an_upward_or_sideways_import_would_be_caught():
    assert wrong("engine/people", "engine/views") and wrong("web", "api") and wrong("engine (shared)", "engine doors")
    assert not wrong("engine/views", "engine/people") and not wrong("web", "faces (shared)")
    assert len(LAYERS) > 10


def test_the_readmes_architecture_table_names_every_package_and_its_floor_order():
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("| floor | package | what it owns |"):]
    table = table[: table.index("\n\n")]
    named = [member for floor in LAYERS for members in floor.values() for member in members]
    folders = [m for m in named if m.endswith("/")]
    assert [m for m in folders if f"`{m}`" not in table] == []
    # the table reads top to bottom: each package's row comes before the rows of the floors below it
    rows = [next((i for i, line in enumerate(table.splitlines()) if f"`{m}`" in line), None) for m in folders]
    assert rows == sorted(rows, reverse=True)
