#!/usr/bin/env python3
"""Fetch benchmark: veille beside Newsboat, against ../shared/tools/feedserver.py.

Synthetic feeds on 127.0.0.1 with 100 ms latency per response. For each
size (200 and 1,000 feeds by default), in one sitting and against the same
feed server: a first run on a fresh database, a second run with nothing
changed (every source forced with --all: validators must turn all of them
into 304s), and a third after /advance (new items everywhere), for veille
(`run --all`) and for Newsboat (`-x reload`, `reload-threads` = the
concurrency). Reports wall time, CPU time (user + system) and peak memory
of each run as measured by /usr/bin/time, the server's counters, and
veille / Newsboat ratios.

Usage: python3 benches/fetch_bench.py [--feeds 200,1000] [--latency-ms 100]
       [--concurrency 16] [--repeat 1] [--no-newsboat]
Builds the release binary first. Prints "skipped" when ../shared is absent;
Newsboat (the Debian package) is skipped with a note when not installed.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import shutil
import sqlite3
import statistics
import tempfile

from loopback import BINARY, FEEDSERVER, ROOT, SKIPPED, feedserver, get


def timed(cmd, env=None):
    """Runs `cmd` under /usr/bin/time; returns (wall s, cpu s, peak MiB, exit code)."""
    p = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M"] + cmd, capture_output=True, text=True, env=env)
    last = p.stderr.strip().splitlines()[-1].split()
    wall, user, system, rss_kb = float(last[0]), float(last[1]), float(last[2]), int(last[3])
    return wall, user + system, rss_kb / 1024, p.returncode


def three_runs(base, run_once):
    """The first run, the unchanged one and the one after /advance, each
    with the server's counters reset before it: {key: row}."""
    rows = {}
    for key, before in (("first", None), ("unchanged", "/stats/reset"), ("advance", "/advance")):
        if before:
            get(base + before)
            if before == "/advance":
                get(base + "/stats/reset")
        rows[key] = run_once()
    return rows


def newsboat_bench(base, urls, concurrency):
    """Newsboat's three runs against the running server."""
    work = tempfile.mkdtemp(prefix="newsboat-bench-")
    try:
        with open(os.path.join(work, "urls"), "w") as f:
            f.write("\n".join(urls) + "\n")
        with open(os.path.join(work, "config"), "w") as f:
            f.write(f"reload-threads {concurrency}\n")
        env = dict(os.environ, HOME=work, XDG_CONFIG_HOME=work, XDG_DATA_HOME=work)
        cmd = ["newsboat", "-x", "reload", "-u", os.path.join(work, "urls"),
               "-c", os.path.join(work, "cache.db"), "-C", os.path.join(work, "config")]
        return three_runs(base, lambda: timed(cmd, env) + (json.loads(get(base + "/stats")),))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def side_by_side(feeds, latency, concurrency, with_newsboat):
    """veille's three runs, then Newsboat's, on one server: {key: (veille row, newsboat row)}."""
    with feedserver(feeds, latency, 3600) as (_, base):
        urls = get(base + "/urls").split()
        mine = veille_bench(base, urls, concurrency)
    # A fresh server for Newsboat, so that it sees the same first state.
    theirs = {}
    if with_newsboat:
        with feedserver(feeds, latency, 3600) as (_, base):
            urls = get(base + "/urls").split()
            theirs = newsboat_bench(base, urls, concurrency)
    return mine, theirs


def new_articles(db):
    """Articles the last run stored for the first time."""
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT items_new FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0]


def veille_bench(base, urls, concurrency):
    """veille's three runs against the running server."""
    work = tempfile.mkdtemp(prefix="veille-bench-")
    try:
        config = os.path.join(work, "config.toml")
        with open(config, "w") as f:
            f.write(f'[fetch]\nconcurrency = {concurrency}\nper_host_concurrency = {concurrency}\n'
                    f'timeout_secs = 30\n\n[publish]\ndir = "public"\nbase_url = "https://example.org/"\n\n')
            for i, url in enumerate(urls):
                f.write(f'[[source]]\nname = "feed-{i}"\nurl = "{url}"\n\n')
            f.write('[[feed]]\nslug = "all"\ntitle = "All"\nquery = "-zzzzzz"\nlimit = 100\n')

        def run_once():
            row = timed([BINARY, "-q", "-c", config, "run", "--all"])
            stats = json.loads(get(base + "/stats"))
            stats["new"] = new_articles(os.path.join(work, "veille.db"))
            return row + (stats,)

        return three_runs(base, run_once)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feeds", default="200,1000")
    ap.add_argument("--latency-ms", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-newsboat", action="store_true")
    args = ap.parse_args()
    if not os.path.exists(FEEDSERVER):
        print(SKIPPED)
        return 0
    with_newsboat = not args.no_newsboat and shutil.which("newsboat") is not None
    if not with_newsboat:
        print("note: Newsboat is not installed (apt install newsboat); veille alone")
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    cpu_first = {}
    for feeds in [int(n) for n in args.feeds.split(",")]:
        ideal = math.ceil(feeds / args.concurrency) * args.latency_ms / 1000
        runs = [side_by_side(feeds, args.latency_ms, args.concurrency, with_newsboat) for _ in range(args.repeat)]
        print(f"\n{feeds} feeds, {args.latency_ms} ms latency, concurrency {args.concurrency} "
              f"(network bound {ideal:.1f} s), median of {args.repeat}:")
        print(f"{'run':<10} {'tool':<9} {'wall s':>7} {'cpu s':>7} {'peak MiB':>9} {'exit':>4} "
              f"{'200':>5} {'304':>5}   {'wall/NB':>7} {'cpu/NB':>7} {'wall/bound':>10}")
        for key in ("first", "unchanged", "advance"):
            rows = {"veille": [r[0][key] for r in runs]}
            if with_newsboat:
                rows["newsboat"] = [r[1][key] for r in runs]
            med = {tool: (statistics.median(x[0] for x in rs), statistics.median(x[1] for x in rs),
                          max(x[2] for x in rs), max(x[3] for x in rs), rs[-1][4]) for tool, rs in rows.items()}
            for tool, (wall, cpu, rss, code, s) in med.items():
                ratio = ""
                if tool == "veille" and s.get("new"):
                    ratio_new = f"  {cpu * 1000 / s['new']:.2f} ms CPU per new article ({s['new']} new)"
                else:
                    ratio_new = ""
                if tool == "veille" and "newsboat" in med:
                    ratio = f"{wall / med['newsboat'][0]:>7.2f} {cpu / med['newsboat'][1]:>7.2f} {wall / ideal:>10.2f}"
                elif tool == "veille":
                    ratio = f"{'':>7} {'':>7} {wall / ideal:>10.2f}"
                print(f"{key:<10} {tool:<9} {wall:>7.2f} {cpu:>7.2f} {rss:>9.1f} {code:>4} "
                      f"{s['feed_200']:>5} {s['feed_304']:>5}   {ratio}{ratio_new}")
            if key == "first":
                cpu_first[feeds] = med["veille"][1]
    sizes = sorted(cpu_first)
    if len(sizes) >= 2:
        a, b = sizes[0], sizes[-1]
        print(f"\nveille first-run CPU from {a} to {b} feeds: x{cpu_first[b] / cpu_first[a]:.2f} "
              f"for x{b / a:.1f} the feeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
