"""`python -m bench.profile_http [--db sqlite|postgres] [--completions N]`: where one completion over
HTTP spends its time. The app runs in this process (Flask's test client: the whole request, routing,
authentication, schemas and the engine, without gunicorn's socket), on the HTTP bench's world, and
pyinstrument samples N completions (each after the inbox that finds its task, not sampled).
Prints pyinstrument's call tree, trimmed to what takes at least 1% of the time."""
import argparse

from pyinstrument import Profiler

from app import create_app

from .databases import postgres_database, sqlite_database
from .diagram import NOTE
from .http_world import AUDITORS, PASSWORD, build

DATABASES = {"sqlite": sqlite_database, "postgres": lambda: postgres_database("qa_http_profile")}


def main(argv: list[str] | None = None) -> None:
    args = _arguments(argv)
    with DATABASES[args.db]() as (label, url):
        build(url, 3_000)  # 30 instances per auditor: 165 completions to make
        client = create_app({"DATABASE_URL": url}).test_client()
        token = client.post("/api/session", json={"username": AUDITORS[-1], "password": PASSWORD}).json["token"]
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(5):  # warm the caches as a running worker has them
            _complete_oldest(client, headers)
        profiler = Profiler(interval=0.0005)
        for _ in range(args.completions):
            task_id = client.get("/api/tasks", headers=headers).json[0]["id"]
            profiler.start()
            response = client.post(f"/api/tasks/{task_id}/complete", json={"data": NOTE}, headers=headers)
            profiler.stop()
            assert response.status_code == 200, response.text
        print(f"## {label}: {args.completions} completions over HTTP (in process)\n")
        print(profiler.output_text(unicode=True, show_all=False, time="percent_of_total"))


def _complete_oldest(client, headers) -> None:
    task_id = client.get("/api/tasks", headers=headers).json[0]["id"]
    assert client.post(f"/api/tasks/{task_id}/complete", json={"data": NOTE}, headers=headers).status_code == 200


def _arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.profile_http", description=__doc__)
    parser.add_argument("--db", choices=list(DATABASES), default="sqlite")
    parser.add_argument("--completions", type=int, default=40)
    return parser.parse_args(argv)


if __name__ == "__main__":
    main()
