"""`python -m bench.page_plans URL [--user aud100] [--path /cases ...]`: what each daily page asks the
database, on a world `bench.http_world.build` made (bench/README.md, "Pages that start from the
person"). In process, through Flask's test client: each page's median over `--calls`, its statements
(counted as the bench counts them, faces/statements.py), and on PostgreSQL `EXPLAIN (ANALYZE,
BUFFERS)` of each SELECT it ran, with the same parameters, slowest first. Markdown on stdout.
"""
import argparse
import re
import time
from statistics import median

from sqlalchemy import event

import doors
from app import create_app

from .http_world import AUDITORS, PASSWORD, QA_TEAM

PAGES = {"my tasks page (/)": "/", "inbox (API)": "/api/tasks", "case list page": "/cases",
         "overview page": "/overview"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def main(argv: list[str] | None = None) -> None:
    args = _arguments(argv)
    app = create_app({"DATABASE_URL": args.url, "COUNT_STATEMENTS": True, "SECRET_KEY": "bench-page-plans"})
    sql = doors.engine(app).db.engine
    for name, path in PAGES.items():
        if args.path and path not in args.path:
            continue
        user = QA_TEAM if path == "/overview" else args.user
        client = _signed_in(app, user)
        ms = [_timed(client, path) for _ in range(args.calls)]
        ran = _statements_of(sql, client, path)
        print(f"### {name} `{path}` as {user}: median {median(ms):.1f} ms of {args.calls}, "
              f"{len(ran)} statements\n")
        if sql.dialect.name == "postgresql" and not args.no_plans:
            print(_plans(sql, ran, args.full_over))


def _signed_in(app, username: str):
    client = app.test_client()
    form = client.get("/sign-in").text
    answer = client.post("/sign-in", data={"username": username, "password": PASSWORD,
                                           "csrf_token": CSRF.search(form)[1]})
    assert answer.status_code == 302, answer.text
    token = client.post("/api/session", json={"username": username, "password": PASSWORD}).json["token"]
    client.bearer = {"Authorization": f"Bearer {token}"}  # the API takes a bearer token, not the page session
    return client


def _timed(client, path: str) -> float:
    began = time.perf_counter()
    answer = _get(client, path)
    assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    return (time.perf_counter() - began) * 1000


def _get(client, path: str):
    return client.get(path, headers=client.bearer if path.startswith("/api/") else {})


def _statements_of(sql, client, path: str) -> list[tuple[str, object]]:
    ran: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        if not statement.startswith("BEGIN"):  # as faces/statements.py counts them
            ran.append((statement, parameters))

    event.listen(sql, "before_cursor_execute", keep)
    try:
        answer = _get(client, path)
    finally:
        event.remove(sql, "before_cursor_execute", keep)
    assert answer.headers.get("X-Statements") == str(len(ran)), (answer.headers.get("X-Statements"), len(ran))
    return ran


def _plans(sql, ran, full_over: float) -> str:
    """Each SELECT's plan: the whole tree for those slower than `full_over` ms, else its root line."""
    explained = []
    with sql.connect() as connection:
        for statement, parameters in ran:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            lines = [row[0] for row in connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)]
            took = float(re.search(r"Execution Time: ([\d.]+)", lines[-1])[1])
            explained.append((took, statement, lines))
    out = []
    for took, statement, lines in sorted(explained, key=lambda e: -e[0]):
        head = " ".join(statement.split())[:160]
        if took >= full_over:
            shape = [line for line in lines if not line.strip().startswith(("Buffers", "Planning", "Output"))]
            out.append(f"- {took:.2f} ms: `{head}…`\n\n```\n" + "\n".join(shape) + "\n```")
        else:
            out.append(f"- {took:.2f} ms: `{head}…` ({lines[0].strip()[:90]})")
    return "\n".join(out) + "\n"


def _arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.page_plans", description=__doc__)
    parser.add_argument("url", help="the database a bench world was built in (bench.http_world.build)")
    parser.add_argument("--user", default=AUDITORS[-1], help="whose pages (the overview is QA's)")
    parser.add_argument("--path", action="append", help="only these paths (repeatable)")
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--no-plans", action="store_true", help="medians and statements only")
    parser.add_argument("--full-over", type=float, default=1.0, help="show whole plans of statements slower (ms)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    main()
