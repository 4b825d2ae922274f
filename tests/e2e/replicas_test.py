#!/usr/bin/env python3
"""Three replicas of zhisuan on one PostgreSQL database, with real Slurm clusters and a local center (issue 15).

Checks, against the real binary on loopback:
- exactly one replica leads; every replica answers the API and accepts submissions;
- the same idempotency key sent to all three at once gives one job;
- the leader is killed with SIGKILL at seeded random moments (10 times; the killed replica is started again as a
  follower): every acknowledged job is present and finishes, none runs twice (each job appends its id to one
  file, which must hold every id exactly once), and the time from each kill to the first dispatch by the new
  leader is reported;
- a paused leader (SIGSTOP past its lease) is fenced: another takes over, and when resumed the old one acts no
  more and leaves with exit status 75;
- PostgreSQL restarted under load: replicas say unhealthy (503) and refuse writes with 503 and a clear message
  while it is down, lose nothing acknowledged, and recover by themselves when it is back.

Usage: replicas_test.py PATH/TO/zhisuan PATH/TO/data PATH/TO/postgres-fixture-dir  (ctest: slurm + postgres)
"""
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import e2e_lib

ZHISUAN, DATA, PG_DIR = sys.argv[1], sys.argv[2], sys.argv[3]
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
SLURM = os.environ["ZHISUAN_SLURM_DIR"]
WORK = tempfile.mkdtemp(prefix="zhisuan-replicas.")
os.chmod(WORK, 0o755)
RNG = random.Random(15)
TALLY = e2e_lib.Tally()
check = TALLY.check
replicas = []


def psql(url, sql):
    subprocess.run(["psql", "-qX", url, "-c", sql], check=True, capture_output=True)


SERVER_URL = open(os.path.join(PG_DIR, "url")).read().strip()
DB_NAME = f"zr_{os.getpid()}"
psql(SERVER_URL, f"DROP DATABASE IF EXISTS {DB_NAME}")
psql(SERVER_URL, f"CREATE DATABASE {DB_NAME} TEMPLATE template0")
DB = SERVER_URL.rsplit("/", 1)[0] + "/" + DB_NAME

# The lifecycle test's centers without the simulated one: every job here runs a real command.
os.makedirs(f"{WORK}/data")
for name in os.listdir(DATA):
    src = os.path.join(DATA, name)
    (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, os.path.join(WORK, "data", name))
centers = open(os.path.join(HERE, "lifecycle", "centers.yaml")).read()
keep = []
for block in centers.split("\n  - id: ")[1:]:
    cid = block.split("\n", 1)[0].strip()
    if cid in ("slurm-east", "slurm-west", "local-lab"):
        keep.append("  - id: " + block.rstrip() + "\n")
open(f"{WORK}/data/centers.yaml", "w").write("centers:\n" + "".join(keep))
open(f"{WORK}/backends.yaml", "w").write(f"""allow_service_user: true
centers:
  slurm-east: {{slurm_conf: {SLURM}/east/slurm.conf, spool: {SLURM}/east/jobs, jobcomp: {SLURM}/east/jobcomp.txt}}
  slurm-west: {{slurm_conf: {SLURM}/west/slurm.conf, spool: {SLURM}/west/jobs, jobcomp: {SLURM}/west/jobcomp.txt}}
  local-lab: {{root: {WORK}/local}}
""")
RAN = f"{WORK}/ran.txt"
open(RAN, "w").close()
os.chmod(RAN, 0o666)


def cli(*args):
    return subprocess.run([ZHISUAN, "--db", DB, "--data", f"{WORK}/data", *args], capture_output=True, text=True)


class Replica:
    def __init__(self, n):
        self.n = n
        self.out_path = f"{WORK}/replica{n}.out"
        self.err = open(f"{WORK}/replica{n}.err", "a")
        self.proc, self.port = e2e_lib.serve(
            [ZHISUAN, "--db", DB, "--data", f"{WORK}/data", "serve", "--port", "0", "--backends",
             f"{WORK}/backends.yaml", "--state-dir", f"{WORK}/state"], self.out_path, self.err, what=f"replica {n}")

    def alive(self):
        return self.proc.poll() is None

    def call(self, method, path, body=None, token=None, headers=None, timeout=10):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = dict(headers or {})
        if token:
            h["Authorization"] = f"Bearer {token}"
        if body is not None:
            h["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
            r = conn.getresponse()
            data = r.read()
            try:
                return r.status, json.loads(data)
            except ValueError:
                return r.status, data.decode(errors="replace")
        except OSError as e:
            return 0, str(e)
        finally:
            conn.close()

    def health(self):
        return self.call("GET", "/api/v1/health", timeout=3)


def leader(wait_s=15):
    """The replica that says it leads (and that the others name), waiting up to wait_s."""
    deadline = time.time() + wait_s
    while time.time() < deadline:
        for r in replicas:
            if r.alive():
                status, h = r.health()
                if status == 200 and isinstance(h, dict) and h.get("replica", {}).get("leading"):
                    return r
        time.sleep(0.05)
    return None


def spec(tag=""):
    return {"kind": "batch", "devices": 1, "accelerator": {"models": ["kunpeng-920-7260-2s"]},
            "work": {"reference_hours": 0.01, "reference": "kunpeng-920-7260-2s"}, "walltime_h": 0.5,
            "command": ["/bin/sh", "-c", f'echo "$ZHISUAN_JOB_ID" >> {RAN}; sleep 0.3']}


acked = {}  # id -> replica number that acknowledged it
acked_mu = threading.Lock()


def submit(r, token, key=None):
    status, body = r.call("POST", "/api/v1/jobs", spec(), token, {"Idempotency-Key": key} if key else None)
    if status in (200, 201) and isinstance(body, dict) and "id" in body:
        with acked_mu:
            acked[body["id"]] = r.n
        return body["id"]
    return None


try:
    ops = cli("token", "create", "--tenant", "ops", "--role", "operator").stdout.strip()
    acme = cli("token", "create", "--tenant", "acme").stdout.strip()
    check("tokens are created on the PostgreSQL database", ops.startswith("zs_") and acme.startswith("zs_"))
    replicas = [Replica(n) for n in range(3)]
    lead = leader()
    check("one of three replicas leads", lead is not None)
    leading = [r.n for r in replicas if r.health()[1].get("replica", {}).get("leading")]
    check("exactly one leads, and every replica names it", len(leading) == 1 and all(
        r.health()[1]["replica"]["leader"] == lead.health()[1]["replica"]["id"] for r in replicas))

    # Every replica accepts, and the jobs run (the leader picks up what followers committed).
    first = [submit(r, acme) for r in replicas]
    check("every replica accepts a submission", all(first), str(first))

    # A token revoked from another process stops working on every replica (followers have no scheduling loop
    # to notice it: their lease thread reloads tokens).
    temp = cli("token", "create", "--tenant", "acme", "--label", "temp").stdout.strip()
    before = [r.call("GET", "/api/v1/me", token=temp)[0] for r in replicas]
    token_id = next(t["id"] for t in json.loads(cli("token", "list", "--json").stdout) if t["label"] == "temp")
    cli("token", "revoke", token_id)
    after = None
    for _ in range(40):
        after = [r.call("GET", "/api/v1/me", token=temp)[0] for r in replicas]
        if after == [401, 401, 401]:
            break
        time.sleep(0.05)
    check("a token revoked by the CLI stops working on every replica within 2 s", before == [200] * 3 and
          after == [401] * 3, f"before {before}, after {after}")

    # One key, three replicas, at the same moment: one job.
    results = [None] * 3
    def race(i):
        results[i] = replicas[i].call("POST", "/api/v1/jobs", spec(), acme, {"Idempotency-Key": "race-1"})
    threads = [threading.Thread(target=race, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = {b.get("id") for s, b in results if isinstance(b, dict)}
    statuses = sorted(s for s, _ in results)
    check("one idempotency key sent to three replicas at once is one job", len(ids) == 1 and None not in ids
          and statuses.count(201) == 1, f"{results}")
    for s, b in results:
        if isinstance(b, dict) and "id" in b:
            acked[b["id"]] = -1

    # --- the leader killed at random moments ------------------------------------------------------------------
    failovers = []
    for round_ in range(10):
        for i in range(4):
            submit([r for r in replicas if r.alive()][i % 3], acme)
        time.sleep(RNG.uniform(0.0, 1.2))
        old = leader()
        if old is None:
            check(f"round {round_}: a leader before the kill", False)
            break
        old.proc.kill()
        killed_at = time.time()
        old.proc.wait()
        # A job submitted to a follower right after the kill: its dispatch is the new leader's first.
        follower = next(r for r in replicas if r.alive())
        probe = submit(follower, acme)
        dispatched_at = None
        while time.time() - killed_at < 30 and probe is not None:
            status, job = follower.call("GET", f"/api/v1/jobs/{probe}", token=acme)
            if isinstance(job, dict) and job.get("state") in ("dispatched", "running", "succeeded"):
                dispatched_at = time.time()
                break
            time.sleep(0.05)
        failovers.append(dispatched_at - killed_at if dispatched_at else None)
        replicas[old.n] = Replica(old.n)  # back as a follower
    print("  kill -9 of the leader -> first dispatch by the new leader (s): " +
          ", ".join(f"{f:.2f}" if f else "none" for f in failovers), flush=True)
    check("after every kill another replica took over and dispatched", all(f is not None for f in failovers))
    good = [f for f in failovers if f]
    if good:
        print(f"  failover: median {sorted(good)[len(good) // 2]:.2f} s, max {max(good):.2f} s", flush=True)

    # --- a paused leader is fenced ----------------------------------------------------------------------------
    paused = leader()
    epoch_before = paused.health()[1]["replica"]["epoch"]
    paused.proc.send_signal(signal.SIGSTOP)
    new = None
    deadline = time.time() + 20
    while time.time() < deadline and new is None:
        for r in replicas:
            if r is not paused and r.alive():
                s, h = r.health()
                if s == 200 and h.get("replica", {}).get("leading"):
                    new = r
        time.sleep(0.1)
    check("a paused leader's lease passes to another replica", new is not None)
    for i in range(4):
        submit(new, acme)
    paused.proc.send_signal(signal.SIGCONT)
    try:
        code = paused.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        code = None
    err = open(paused.err.name).read()
    check("resumed, the former leader acts no more and leaves (exit 75)", code == 75, f"exit {code}")
    check("it says why it left", "another replica took over" in err)
    check("the new leader's epoch is higher", new.health()[1]["replica"]["epoch"] > epoch_before)
    replicas[paused.n] = Replica(paused.n)

    # --- PostgreSQL restarted under load ----------------------------------------------------------------------
    stop_load = threading.Event()
    outcomes = []
    def load():
        k = 0
        while not stop_load.is_set():
            r = replicas[k % 3]
            k += 1
            status, body = r.call("POST", "/api/v1/jobs", spec(), acme, {"Idempotency-Key": f"load-{k}"}, timeout=15)
            if status in (200, 201) and isinstance(body, dict):
                with acked_mu:
                    acked[body["id"]] = r.n
            outcomes.append((status, body if status not in (200, 201) else None))
            time.sleep(0.02)
    loader = threading.Thread(target=load)
    loader.start()
    time.sleep(1)
    subprocess.run([f"{SOURCE}/scripts/pg.sh", "stop", PG_DIR], check=True)
    time.sleep(2)
    down_health = [r.health() for r in replicas]
    during = len(outcomes)
    time.sleep(2)
    refused = [o for o in outcomes[during:] if o[0] not in (200, 201)]
    subprocess.run([f"{SOURCE}/scripts/pg.sh", "start", PG_DIR], check=True)
    recovered_in = None
    back = time.time()
    while time.time() - back < 30:
        if all(r.health()[0] == 200 for r in replicas):
            status, body = replicas[0].call("POST", "/api/v1/jobs", spec(), acme)
            if status == 201:
                acked[body["id"]] = 0
                recovered_in = time.time() - back
                break
        time.sleep(0.2)
    stop_load.set()
    loader.join()
    check("with PostgreSQL down every replica says unhealthy (503)",
          all(s == 503 for s, _ in down_health), str([s for s, _ in down_health]))
    check("with PostgreSQL down writes are refused with 503 and a clear message",
          len(refused) > 0 and all(s == 503 and isinstance(b, dict) and "postgresql" in json.dumps(b) for s, b in refused),
          str(refused[:3]))
    check("replicas recover by themselves when PostgreSQL is back", recovered_in is not None)
    if recovered_in is not None:
        print(f"  healthy and accepting {recovered_in:.1f} s after PostgreSQL restarted", flush=True)

    # --- everything acknowledged is there, finishes, and ran once ---------------------------------------------
    final = None
    deadline = time.time() + 240
    lead = leader()
    while time.time() < deadline:
        status, listing = lead.call("GET", "/api/v1/jobs?limit=1000", token=ops)
        jobs = {j["id"]: j for j in listing.get("jobs", [])} if isinstance(listing, dict) else {}
        if all(i in jobs and jobs[i]["state"] in ("succeeded", "failed", "cancelled") for i in acked):
            final = jobs
            break
        time.sleep(0.5)
    missing = [i for i in acked if final is None or i not in final]
    check(f"every acknowledged job ({len(acked)}) is present and ended", final is not None and not missing,
          f"missing or unfinished: {missing[:10]}")
    if final:
        bad = {i: final[i]["state"] for i in acked if final[i]["state"] != "succeeded"}
        check("every acknowledged job succeeded", not bad, str(bad)[:300])
    ran = [int(line) for line in open(RAN).read().split()]
    twice = sorted({i for i in ran if ran.count(i) > 1})
    check("no job ran twice", not twice, f"ran twice: {twice}")
    check("every acknowledged job ran", set(acked) <= set(ran), str(sorted(set(acked) - set(ran)))[:200])
    status, audit = lead.call("GET", "/api/v1/audit?action=leader.take&limit=100", token=ops)
    takes = len(audit.get("entries", [])) if isinstance(audit, dict) else 0
    check("every change of leader is in the audit log", takes >= 12, f"{takes} leader.take entries")
finally:
    for r in replicas:
        if r.alive():
            r.proc.send_signal(signal.SIGCONT)
            r.proc.kill()
    subprocess.run(["pkill", "-f", f"{WORK}/local"], capture_output=True)
    try:
        psql(SERVER_URL, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    except Exception:
        pass
    shutil.rmtree(WORK, ignore_errors=True)
sys.exit(TALLY.done("replicas", "checks"))
