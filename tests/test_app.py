"""The Flask app: health page and the CLI that make run uses."""
import pytest

import doors
from app import create_app, definition_files
from tests.fixtures.diagrams import chain_bundle


@pytest.fixture
def make_app(clock):
    apps = []

    def make(**config):
        apps.append(create_app(config | {"TESTING": True}))
        return apps[-1]
    yield make
    for app in apps:
        doors.engine(app).db.dispose()


@pytest.fixture
def app(db, make_app):
    return make_app(DATABASE_URL=db.url)


def test_health_reports_database_and_deployed_processes(app):
    response = app.test_client().get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "deployed_processes": 0}


def test_health_is_503_when_the_database_is_unreachable(make_app, tmp_path):
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path}/missing/nowhere.db")
    assert app.test_client().get("/health").status_code == 503


def test_cli_deploys_a_folder_and_reports_unchanged_on_the_second_run(app, tmp_path):
    for name, content in chain_bundle().items():
        (tmp_path / name).write_bytes(content)
    runner = app.test_cli_runner()
    assert "chain version 1" in runner.invoke(args=["deploy", str(tmp_path)]).output
    assert "chain version 1 (unchanged)" in runner.invoke(args=["deploy", str(tmp_path)]).output


def test_definition_files_picks_bpmn_dmn_and_forms_only(tmp_path):
    for name in ["a.bpmn", "b.dmn", "c.json", "c.ui.json", "README.md", "notes.txt"]:
        (tmp_path / name).write_text("x")
    assert sorted(definition_files([tmp_path])) == ["a.bpmn", "b.dmn", "c.json", "c.ui.json"]


def test_closure_days_from_configuration_move_deadlines(db, make_app):
    app = make_app(DATABASE_URL=db.url, CLOSURE_DAYS="2026-11-03, 2026-11-04")
    calendar = doors.engine(app).ctx.calendar
    assert calendar.add_working_days("2026-11-02T09:00:00+00:00", 1) == "2026-11-05T23:59:59+00:00"
