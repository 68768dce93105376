#!/usr/bin/env python3
"""Workers benchmark: 1, 2 and 3 `veille run` processes sharing one
PostgreSQL database, against ../shared/tools/feedserver.py.

3,000 synthetic feeds (gzip) on 127.0.0.1 with 100 ms latency per
response, a fresh database per configuration. For each: wall time of the
whole run (all workers started together, until the last one ends),
articles stored per second, CPU time of the veille processes per article,
and CPU of the whole machine (veille, PostgreSQL and the feed server) per
article, from /proc/stat. Then a worker is killed mid-run: the other two
finish, and a run after the lease has expired must leave every source
fetched once and every article stored once.

Needs PostgreSQL: the URL of a server in VEILLE_BENCH_POSTGRES_URL (a user
that may create databases), or it starts one with .ci/postgres.sh.
Run with `python3 benches/workers_bench.py` after `cargo build --release`.
"""
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse

from loopback import BINARY, FEEDSERVER, ROOT, SKIPPED, feedserver, get

FEEDS = int(os.environ.get("VEILLE_BENCH_FEEDS", "3000"))
LATENCY_MS = 100
CONCURRENCY = 16
LEASE_SECS = 15


def postgres_admin_url():
    url = os.environ.get("VEILLE_BENCH_POSTGRES_URL")
    if url:
        return url
    out = subprocess.run([os.path.join(ROOT, ".ci", "postgres.sh")], capture_output=True, text=True, check=True)
    return out.stdout.strip().split("=", 1)[1]


def fresh_database(admin, name):
    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True, capture_output=True)
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    parts = urllib.parse.urlsplit(admin)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def sql(url, query, check=True):
    out = subprocess.run(["psql", url, "-Atc", query], check=check, capture_output=True, text=True)
    return out.stdout.strip()


def process_cpu(pid):
    """CPU seconds a process has used."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def busy_jiffies():
    """Busy CPU time of the whole machine, in seconds."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def write_config(work, database, urls):
    path = os.path.join(work, "config.toml")
    with open(path, "w") as f:
        # All feeds share one host here: the per-host limit (shared by the
        # workers) is set above what the workers can use together, as real
        # sources spread over many hosts.
        f.write(f'[database]\nurl = "{database}"\nlease_secs = {LEASE_SECS}\n\n'
                f'[fetch]\nconcurrency = {CONCURRENCY}\nper_host_concurrency = {CONCURRENCY * 4}\n'
                f'timeout_secs = 30\n\n[publish]\ndir = "public"\nbase_url = "https://example.org/"\n\n')
        for i, url in enumerate(urls):
            f.write(f'[[source]]\nname = "feed-{i}"\nurl = "{url}"\n\n')
        f.write('[[feed]]\nslug = "all"\ntitle = "All"\nquery = "-zzzzzz"\nlimit = 100\n')
    return path


def start_workers(config, n):
    return [subprocess.Popen(["/usr/bin/time", "-f", "%U %S", BINARY, "-q", "-c", config, "run"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for _ in range(n)]


def finish(workers):
    """Waits for the workers; returns (their CPU seconds, exit codes)."""
    cpu, codes = 0.0, []
    for w in workers:
        _, err = w.communicate()
        codes.append(w.returncode)
        if os.environ.get("VEILLE_BENCH_VERBOSE") and err.strip():
            print(err[-2000:])
        last = err.strip().splitlines()[-1].split() if err.strip() else []
        if len(last) == 2:
            cpu += float(last[0]) + float(last[1])
    return cpu, codes


def children_of(pid):
    """Process ids whose parent is `pid` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append(int(entry))
            except OSError:
                pass
    return found


def counts(database):
    return [int(x) for x in sql(database,
        "SELECT (SELECT count(*) FROM articles) || '|' || (SELECT count(DISTINCT (source_id, dedup_key)) FROM articles)"
        " || '|' || (SELECT count(*) FROM sources WHERE last_success_at IS NULL)"
        " || '|' || (SELECT count(*) FROM fetches WHERE http_status = 200)").split("|")]


def main():
    if not os.path.exists(FEEDSERVER):
        print(SKIPPED)
        return
    if not os.path.exists(BINARY):
        print("build first: cargo build --release")
        return 1
    admin = postgres_admin_url()
    with feedserver(FEEDS, LATENCY_MS, 3600) as (server, base):
        urls = get(base + "/urls").split()
        print(f"{FEEDS} feeds, {LATENCY_MS} ms latency, concurrency {CONCURRENCY} per worker, PostgreSQL\n")
        print("workers   wall s  articles  articles/s  veille CPU ms/article  machine CPU ms/article  "
              "feed server CPU s  server 200s")
        reference = None
        for n in (1, 2, 3) if not os.environ.get("VEILLE_BENCH_KILL_ONLY") else ():
            work = tempfile.mkdtemp(prefix="veille-workers-")
            database = fresh_database(admin, f"veille_bench_{n}")
            config = write_config(work, database, urls)
            get(base + "/stats/reset")
            busy = busy_jiffies()
            server_cpu = process_cpu(server.pid)
            start = time.time()
            cpu, codes = finish(start_workers(config, n))
            wall = time.time() - start
            machine = busy_jiffies() - busy
            server_cpu = process_cpu(server.pid) - server_cpu
            articles, distinct, unfetched, fetched = counts(database)
            stats = __import__("json").loads(get(base + "/stats"))
            ok = codes == [0] * n and articles == distinct and unfetched == 0 and fetched == FEEDS
            reference = reference or articles
            print(f"{n:>7} {wall:>8.2f} {articles:>9} {articles / wall:>11.0f} {cpu * 1000 / articles:>22.3f}"
                  f" {machine * 1000 / articles:>23.3f} {server_cpu:>18.1f}  {stats['feed_200']:>11}"
                  + ("" if ok and articles == reference else f"  PROBLEM codes={codes} unfetched={unfetched} "
                     f"distinct={distinct} fetched={fetched}"))

        # Kill one of three workers a third of the way through.
        work = tempfile.mkdtemp(prefix="veille-workers-")
        database = fresh_database(admin, "veille_bench_kill")
        config = write_config(work, database, urls)
        start = time.time()
        workers = start_workers(config, 3)
        # (The table appears once the first worker has migrated the database.)
        while int(sql(database, "SELECT count(*) FROM fetches", check=False) or 0) < FEEDS // 3:
            time.sleep(0.2)
        victim = workers[0]
        # /usr/bin/time's child is the worker: kill it, not time.
        found = children_of(victim.pid)
        if not found:
            _, err = victim.communicate()
            print(f"the worker to kill had already ended (exit {victim.returncode}): {err.strip()[-500:]}")
            return 1
        child = found[0]
        os.kill(child, 9)
        held = int(sql(database, "SELECT count(*) FROM sources WHERE leased_by LIKE '%:"
                       + str(child) + ":%' AND last_fetched_at IS NULL"))
        survivors = workers[1:]
        finish([victim])
        _, codes = finish(survivors)
        problems = [w for w in survivors if w.returncode != 0]
        if problems:
            print(f"a surviving worker failed: exit codes {codes}")
        after_survivors = counts(database)
        time.sleep(LEASE_SECS)
        finish(start_workers(config, 1))
        articles, distinct, unfetched, fetched = counts(database)
        print(f"\nkilled 1 of 3 workers after {FEEDS // 3} fetches ({time.time() - start:.1f} s in all): it held "
              f"{held} sources (leased for {LEASE_SECS} s); when the other two ended, {after_survivors[2]} "
              f"sources were still unfetched (those whose lease had not run out when they came to them); "
              f"after a run once the lease was over: {unfetched} unfetched, {articles} articles ({distinct} "
              f"distinct; {reference} in the runs above), {fetched} successful fetches of {FEEDS} sources")


if __name__ == "__main__":
    sys.exit(main())
