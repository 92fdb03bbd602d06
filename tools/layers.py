"""The house's floors, checked: `python -m tools.layers` prints what each package imports from the
others and fails (exit 1) on an import that runs upwards, or sideways between the two faces.

A package may import from itself and from any floor below it; nothing else. The floors, from the
ground up, are LAYERS: each is one or more packages (a folder, or a few shared modules), and the
packages on one floor (web/ and api/) are siblings that may not import each other.
"""
import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LAYERS: list[dict[str, list[str]]] = [
    {"engine (shared)": ["engine/__init__.py", "engine/models.py", "engine/db.py", "engine/errors.py",
                         "engine/limits.py", "engine/calendar.py", "engine/clock.py", "engine/serialization.py",
                         "engine/schema.py", "engine/grades.py", "engine/history.py", "engine/role_catalogue.py"]},
    {"engine/scripts": ["engine/scripts/"]},
    {"engine/people": ["engine/people/"]},
    {"engine/outbox": ["engine/outbox.py"]},
    {"engine/definitions": ["engine/definitions/"]},
    {"engine/reporting": ["engine/reporting/"]},
    {"engine/instances": ["engine/instances/"]},
    {"engine/allocation": ["engine/allocation/"]},
    {"engine/views": ["engine/views/"]},
    {"engine/replay": ["engine/replay/"]},
    {"engine/workflow_engine": ["engine/workflow_engine.py"]},
    {"engine doors": ["engine/caller/", "engine/gate.py"]},
    {"webhooks": ["webhooks/"]},
    {"faces (shared)": ["faces/"]},
    {"doors": ["doors.py"]},
    {"web": ["web/"], "api": ["api/"]},
    {"app": ["app.py"]},
]


def package_of(path: str) -> str | None:
    """The package a file (a path from the root) belongs to: the longest prefix that names it."""
    best = None
    for floor in LAYERS:
        for name, members in floor.items():
            for member in members:
                if (path == member or (member.endswith("/") and path.startswith(member))) and (
                        best is None or len(member) > len(best[1])):
                    best = (name, member)
    return best and best[0]


def floor_of(package: str) -> int:
    return next(i for i, floor in enumerate(LAYERS) if package in floor)


def module_path(module: str) -> str | None:
    """engine.people.access -> engine/people/access.py (or the package's __init__.py)."""
    base = ROOT / module.replace(".", "/")
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return str(candidate.relative_to(ROOT))
    return None


def imports_of(path: Path) -> set[str]:
    """The project's files a file imports (absolute and relative imports)."""
    tree, found = ast.parse(path.read_text(), str(path)), set()
    here = path.relative_to(ROOT).parent.parts
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(here[: len(here) - node.level + 1]) if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            names = [module] + [f"{module}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(p for p in map(module_path, names) if p)
    return found


def arrows() -> dict[tuple[str, str], set[str]]:
    """(from package, to package) -> the files that make the arrow, as 'a.py -> b.py'."""
    found = defaultdict(set)
    for floor in LAYERS:
        for members in floor.values():
            for member in members:
                files = sorted((ROOT / member).rglob("*.py")) if member.endswith("/") else [ROOT / member]
                for file in files:
                    source = str(file.relative_to(ROOT))
                    for target in imports_of(file):
                        a, b = package_of(source), package_of(target)
                        if a and b and a != b:
                            found[(a, b)].add(f"{source} -> {target}")
    return found


def wrong(a: str, b: str) -> bool:
    return floor_of(b) >= floor_of(a)


def main() -> int:
    found = arrows()
    for floor in reversed(LAYERS):
        for package in floor:
            below = sorted({b for (a, b) in found if a == package}, key=floor_of, reverse=True)
            print(f"{package:22} imports {', '.join(below) or 'nothing of the project'}")
    bad = sorted((a, b) for (a, b) in found if wrong(a, b))
    for a, b in bad:
        print(f"\nUPWARD or SIDEWAYS: {a} -> {b}")
        for arrow in sorted(found[(a, b)]):
            print(f"  {arrow}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
