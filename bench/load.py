"""Load benchmark (issue 10): gunicorn with the production settings on 127.0.0.1 and SQLite (PostgreSQL with
BENCH_DATABASE_URL, as `make bench-postgres` sets it), concurrent clients.

    .venv/bin/python -m bench.load                              # 16 clients for 60 s on a city of 5,000 subjects
    .venv/bin/python -m bench.load --clients 4 --seconds 3 --subjects 300 --json   # the CI-sized run

Three phases against one gunicorn: the trivial route (/healthz) alone, the pool list alone (its throughput is
reported as a ratio to the trivial route's), then the mixed load: 80% reads (pool list, search, subject pages),
20% writes (milestone ticks, expert scores, document uploads). Each client writes only its own milestones and
assignments, so after the run the last value each client saw acknowledged must be the one in the database; a
document upload counts as acknowledged when the page it redirects to says it was stored. Goal: no 5xx, no lost
write, mixed p99 under 500 ms.
"""
import argparse
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import date
from http.cookies import SimpleCookie
from urllib.parse import quote, urlencode

from bench.common import PASSWORD, STEMS, factory, generate_city, make_app, percentiles
from models import Application, Document, Milestone, PlanItem, ReviewAssignment, Role, Subject, User, db, local_now

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')
PDF = b"%PDF-1.4\n% load test evidence\n"


class Client:
    """One user's browser: a keep-alive connection, the session cookie and the CSRF token."""

    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""
        self.token = ""

    def request(self, method, path, body=None, headers=None):
        headers = {"Cookie": self.cookie, **(headers or {})} if self.cookie else dict(headers or {})
        if self.token and method == "POST":
            headers["X-CSRFToken"] = self.token
        for attempt in (1, 2):  # a keep-alive connection the server closed is reopened once
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        for header in response.msg.get_all("Set-Cookie") or []:
            morsel = SimpleCookie(header).get("session")
            if morsel is not None:
                self.cookie = f"session={morsel.value}"
        text = data.decode("utf-8", "replace")
        match = TOKEN.search(text)
        if match:
            self.token = match.group(1)
        return response.status, response.getheader("Location"), text

    def login(self, username):
        self.request("GET", "/login")
        status, _, _ = self.request("POST", "/login", urlencode({"username": username, "password": PASSWORD}),
                                    {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise SystemExit(f"login as {username} failed: {status}")
        self.request("GET", "/pool/")  # the token of the logged-in session


def prepare(app, subjects, clients):
    """The city, one staff account and (for every other client) one expert per client, each client owning its
    milestones and review assignments."""
    generate_city(subjects)
    year = local_now().year
    from blueprints.plans import operations as plans
    with app.test_request_context(), db.connection_context(), db.atomic():
        staff0 = User.get(User.username == "staff0")
        plan = plans.create_plan(year, title="基准市培育计划", by=staff0)
        pooled = list(Subject.select().order_by(Subject.id).limit(clients * 8))
        plans.add_items(plan, [(s, "municipal") for s in pooled], owner=staff0, by=staff0)
        owned = {}
        for index in range(clients):
            user = factory.user(Role.STAFF, username=f"load{index}", display_name=f"经办人{index}")
            items = PlanItem.select(PlanItem.id).where(PlanItem.subject.in_([s.id for s in pooled[index::clients]]))
            milestones = {m.id: m.due_date for m in Milestone.select().where(Milestone.item.in_(items))}
            assignments = []
            if index % 2 == 0:  # half the clients also score (keeps logins under the per-IP limit)
                expert = factory.user(Role.EXPERT, username=f"expert{index}", display_name=f"专家{index}")
                for subject in pooled[index::clients][:4]:
                    application = Application.create(subject=subject, year=year, rung="municipal",
                                                     status="under_review", claimed_score=85)
                    assignments.append(ReviewAssignment.create(application=application, expert=expert, conflict=False,
                                                               declared_at=local_now()).id)
            owned[index] = {"staff": user.username, "expert": f"expert{index}" if assignments else None,
                            "milestones": milestones, "assignments": assignments, "subjects": [s.id for s in pooled]}
    return owned


def start_server(env, port):
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", os.path.join(ROOT, "gunicorn.conf.py"), "app:create_app()"],
        cwd=ROOT, env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": ""},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if Client(port).request("GET", "/healthz")[0] == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start: " + process.stderr.read().decode()[-2000:])


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Session:
    """One simulated person: a staff browser and, for half of them, an expert's; what they own and saw stored."""

    def __init__(self, port, owned, seed):
        self.rng = random.Random(seed)
        self.owned = owned
        self.staff = Client(port)
        self.expert = Client(port) if owned["expert"] else None
        self.milestones, self.scores, self.documents = {}, {}, []
        self.serial = self.acknowledged = 0
        self.staff.login(owned["staff"])
        if self.expert:
            self.expert.login(owned["expert"])


class Worker(threading.Thread):
    """Runs one session in one mode until `stop`, recording (kind, milliseconds, status)."""

    def __init__(self, session, mode, stop):
        super().__init__(daemon=True)
        self.session, self.mode, self.stop = session, mode, stop
        self.rng, self.owned, self.staff, self.expert = session.rng, session.owned, session.staff, session.expert
        self.samples, self.errors = [], Counter()

    def run(self):
        while not self.stop.is_set():
            step = self.choose()
            while step:  # a request, then the one it leads to (the page after an upload), each a sample of its own
                kind, call = step
                start = time.perf_counter()
                try:
                    status = call()
                except Exception as error:  # noqa: BLE001 - a dropped connection is counted, not fatal
                    self.errors[type(error).__name__] += 1
                    break
                status, step = status if isinstance(status, tuple) else (status, None)
                self.samples.append((kind, (time.perf_counter() - start) * 1000, status))

    def choose(self):
        if self.mode == "trivial":
            return "healthz", lambda: self.staff.request("GET", "/healthz")[0]
        if self.mode == "pool":
            return "pool list", lambda: self.staff.request("GET", "/pool/")[0]
        roll = self.rng.random()
        if roll < 0.35:
            return "pool list", lambda: self.staff.request("GET", f"/pool/?page={self.rng.randint(1, 20)}")[0]
        if roll < 0.55:
            term = quote(f"{self.rng.choice(STEMS)}{self.rng.randint(0, 99):02d}")
            return "search", lambda: self.staff.request("GET", f"/pool/?q={term}", headers={"HX-Request": "true"})[0]
        if roll < 0.80:
            subject = self.rng.choice(self.owned["subjects"])
            return "subject page", lambda: self.staff.request("GET", f"/pool/subjects/{subject}")[0]
        if roll < 0.88 or (roll < 0.94 and not self.expert):
            return "milestone tick", self.tick
        if roll < 0.94:
            return "score", self.score
        return "document", self.upload

    def tick(self):
        self.session.serial += 1
        milestone, due = self.rng.choice(list(self.owned["milestones"].items()))
        note = f"load-{self.owned['staff']}-{self.session.serial}"
        status, _, body = self.staff.request(
            "POST", f"/plans/milestones/{milestone}",
            urlencode({"due_date": due.isoformat(), "done_date": date.today().isoformat(), "evidence_note": note}),
            {"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"})
        if status == 200 and "milestone-error" not in body and note in body:
            self.session.milestones[milestone] = note
            self.session.acknowledged += 1
        return status

    def score(self):
        self.session.serial += 1
        assignment = self.rng.choice(self.owned["assignments"])
        value, comment = self.rng.randint(60, 99), f"load-{self.owned['expert']}-{self.session.serial}"
        status, _, body = self.expert.request(
            "POST", f"/review/{assignment}/score", urlencode({"score": value, "comments": comment}),
            {"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"})
        if status == 200 and 'id="score-error"' not in body:
            self.session.scores[assignment] = (float(value), comment)
            self.session.acknowledged += 1
        return status

    def upload(self):
        self.session.serial += 1
        subject = self.rng.choice(self.owned["subjects"])
        name = f"load-{self.owned['staff']}-{self.session.serial}.pdf"
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n佐证\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: application/pdf\r\n\r\n").encode() + PDF + f"\r\n--{boundary}--\r\n".encode()
        status, location, _ = self.staff.request("POST", f"/pool/subjects/{subject}/documents", body,
                                                 {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        if status != 302 or not location:
            return status

        def page_after():  # the page the upload redirects to says whether it was stored
            page_status, _, page = self.staff.request("GET", location)
            if page_status == 200 and "文件已上传" in page:
                self.session.documents.append(name)
                self.session.acknowledged += 1
            return page_status

        return status, ("page after upload", page_after)


WRK = shutil.which("wrk") or ("/usr/bin/wrk" if os.path.exists("/usr/bin/wrk") else None)
LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNITS = {"us": 0.001, "ms": 1, "s": 1000}
SIZES = {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}


def wrk_phase(port, path, seconds, cookie, connections=16):
    """`wrk` (Debian's, a C load generator) with `connections` keep-alive connections on one route for `seconds`:
    {rps, p50_ms, p99_ms, errors (non-2xx/3xx and socket errors), bytes per response}."""
    command = [WRK, "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "10s",
               "-H", f"Cookie: {cookie}", f"http://127.0.0.1:{port}{path}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = {p: float(v) * UNITS[u] for p, v, u in LATENCY.findall(output)}
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", output)
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors += sum(int(n) for n in socket.groups()) if socket else 0
    return {"rps": rps, "p50_ms": round(latency.get("50", 0), 1), "p99_ms": round(latency.get("99", 0), 1),
            "errors": errors,
            "bytes": round(float(transfer.group(1)) * SIZES[transfer.group(2)] / rps) if transfer and rps else 0}


def alternating_best(port, cookie, seconds, connections, rounds=3):
    """The trivial route's and the pool list's best of `rounds` alternating `wrk` runs of `seconds` each, after a
    warm-up run of each (every worker compiles its templates first). The best of several, because a run's rate
    depends on how its keep-alive connections happened to spread over the workers: twice the rate between two runs
    of one route was seen."""
    for path in ("/healthz", "/pool/"):
        wrk_phase(port, path, 2, cookie, connections)
    runs = {"/healthz": [], "/pool/": []}
    for _ in range(rounds):
        for path, results in runs.items():
            results.append(wrk_phase(port, path, seconds, cookie, connections))
    return [max(results, key=lambda run: run["rps"]) for results in runs.values()]


def run_phase(sessions, mode, seconds):
    stop = threading.Event()
    workers = [Worker(session, mode, stop) for session in sessions]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    time.sleep(seconds)
    stop.set()
    for worker in workers:
        worker.join(timeout=60)
    return workers, time.perf_counter() - start


def summarise(workers, elapsed):
    samples = [s for w in workers for s in w.samples]
    statuses = Counter(status // 100 for _, _, status in samples)
    p = percentiles([ms for _, ms, _ in samples]) if samples else {"p50": 0, "p95": 0, "max": 0}
    ordered = sorted(ms for _, ms, _ in samples)
    p99 = ordered[max(int(len(ordered) * 0.99) - 1, 0)] if ordered else 0
    errors = Counter()
    for w in workers:
        errors.update(w.errors)
    return {"requests": len(samples), "rps": round(len(samples) / elapsed, 1), "p50_ms": round(p["p50"], 1),
            "p95_ms": round(p["p95"], 1), "p99_ms": round(p99, 1), "status_5xx": statuses.get(5, 0),
            "status_4xx": statuses.get(4, 0), "connection_errors": sum(errors.values()),
            "by_kind": dict(Counter(kind for kind, _, _ in samples)),
            "p99_by_kind_ms": {kind: round(sorted(ms for k, ms, _ in samples if k == kind)[
                max(int(n * 0.99) - 1, 0)], 1) for kind, n in Counter(k for k, _, _ in samples).items()},
            "p50_by_kind_ms": {kind: round(sorted(ms for k, ms, _ in samples if k == kind)[n // 2], 1)
                               for kind, n in Counter(k for k, _, _ in samples).items()}}


def verify(app, sessions):
    """Every acknowledged write is in the database: the last value each session saw stored for each of its
    milestones and assignments, and every document it saw stored. Returns (objects checked, lost)."""
    checked = lost = 0
    with app.app_context(), db.connection_context():
        for session in sessions:
            for milestone, note in session.milestones.items():
                checked += 1
                lost += Milestone.get_by_id(milestone).evidence_note != note
            for assignment, (value, comment) in session.scores.items():
                checked += 1
                row = ReviewAssignment.get_by_id(assignment)
                lost += (row.score, row.comments) != (value, comment)
            for name in session.documents:
                checked += 1
                lost += Document.select().where(Document.original_name == name).count() != 1
    return checked, lost


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--subjects", type=int, default=5000)
    parser.add_argument("--json", action="store_true", help="print one JSON line of figures (for make bench, CI)")
    parser.add_argument("--python-clients", action="store_true",
                        help="load /healthz and /pool/ with Python threads instead of wrk")
    args = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="greenladder-load-")
    app = make_app(directory)  # SQLite in `directory`, or BENCH_DATABASE_URL's PostgreSQL made afresh
    env = {**os.environ, "GREENLADDER_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
           "DATABASE_URL": app.config["DATABASE_URL"], "UPLOAD_DIR": app.config["UPLOAD_DIR"]}
    with app.app_context():
        owned = prepare(app, args.subjects, args.clients)
    port = free_port()
    server = start_server(env, port)
    try:
        sessions = [Session(port, owned[index], index) for index in range(args.clients)]
        side = max(args.seconds / 6, 1)  # the single-route phases: long enough for a steady rate
        if WRK and not args.python_clients:
            # one staff session's cookie; a 302 to the login page would count as an answer, so the page is checked
            # before and after, and the bytes per answer are printed beside the page's size
            staff = sessions[0].staff
            status, _, page = staff.request("GET", "/pool/")
            assert status == 200 and "培育库" in page, "the pool list does not answer the staff session"
            page_bytes = len(page.encode())
            trivial, pool = alternating_best(port, staff.cookie, max(side / 2, 2), args.clients)
            assert staff.request("GET", "/pool/")[0] == 200
            pool["page_bytes"] = page_bytes
            for phase in (trivial, pool):
                phase.update(status_5xx=phase["errors"], p95_ms=phase["p99_ms"])
            generator = "wrk"
        else:
            trivial = summarise(*run_phase(sessions, "trivial", side))
            pool = summarise(*run_phase(sessions, "pool", side))
            generator = "python threads"
        mixed = summarise(*run_phase(sessions, "mixed", args.seconds))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    checked, lost = verify(app, sessions)
    shutil.rmtree(directory, ignore_errors=True)  # the city's database and uploads
    acknowledged = sum(session.acknowledged for session in sessions)
    figures = {"clients": args.clients, "seconds": args.seconds, "subjects": args.subjects,
               "generator": generator, "trivial_rps": trivial["rps"], "pool_rps": pool["rps"],
               "trivial_p99_ms": trivial["p99_ms"] if "p99_ms" in trivial else None,
               "pool_p99_ms": pool["p99_ms"] if "p99_ms" in pool else None,
               "pool_bytes": pool.get("bytes"), "pool_page_bytes": pool.get("page_bytes"),
               "pool_to_trivial": round(pool["rps"] / trivial["rps"], 3) if trivial["rps"] else 0,
               **{f"mixed_{k}": v for k, v in mixed.items()}, "writes_acknowledged": acknowledged,
               "objects_checked": checked, "writes_lost": lost,
               "status_5xx": trivial["status_5xx"] + pool["status_5xx"] + mixed["status_5xx"]}
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
        return
    engine = "PostgreSQL" if env["DATABASE_URL"].startswith("postgres") else "SQLite"
    print(f"gunicorn (production settings, {os.path.basename(ROOT)}/gunicorn.conf.py) on {engine}, {args.clients} clients, "
          f"{args.subjects} subjects")
    tail = "p99" if generator == "wrk" else "p95"
    print(f"load of the single routes: {generator}, {args.clients} connections, one gunicorn")
    print(f"trivial route /healthz        {trivial['rps']:8.1f} req/s   {tail} {trivial['p95_ms']:6.1f} ms")
    print(f"pool list /pool/              {pool['rps']:8.1f} req/s   {tail} {pool['p95_ms']:6.1f} ms   "
          f"= {figures['pool_to_trivial']:.2f} of the trivial route"
          + ("  ok" if figures["pool_to_trivial"] >= 0.5 else "  UNDER TARGET (0.5)"))
    if pool.get("bytes"):
        print(f"  (bytes per pool answer {pool['bytes']:,} against the page's {pool['page_bytes']:,}: the list itself)")
    print(f"mixed 80% reads / 20% writes  {mixed['rps']:8.1f} req/s   p50 {mixed['p50_ms']:.1f} ms   "
          f"p95 {mixed['p95_ms']:.1f} ms   p99 {mixed['p99_ms']:.1f} ms"
          + ("  ok" if mixed["p99_ms"] <= 150 else "  OVER TARGET (p99 150 ms)"))
    print(f"requests by kind: {mixed['by_kind']}")
    print(f"p50 by kind (ms): {mixed['p50_by_kind_ms']}")
    print(f"p99 by kind (ms): {mixed['p99_by_kind_ms']}")
    print(f"5xx: {figures['status_5xx']}   4xx: {mixed['status_4xx']}   connection errors: "
          f"{mixed['connection_errors']}   writes acknowledged: {acknowledged} "
          f"(final state of {checked} objects checked)   lost: {lost}")


if __name__ == "__main__":
    main()
