#!/usr/bin/env python3
"""Fetch benchmark: veille against ../shared/tools/feedserver.py.

1,000 synthetic feeds on 127.0.0.1 with 100 ms latency per response. For
each concurrency (16 and 64) on a fresh database: a first run, a second run
with nothing changed (every source forced with --all: validators must turn
all of them into 304s), and a third after /advance (new items everywhere).
Reports wall time, CPU time (user + system) and peak memory of each
`veille run`, as measured by /usr/bin/time, and the server's counters.

Usage: python3 benches/fetch_bench.py [--feeds 1000] [--latency-ms 100]
Builds the release binary first. Prints "skipped" when ../shared is absent.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

from loopback import BINARY, FEEDSERVER, ROOT, SKIPPED, feedserver, get


def timed_run(config, extra):
    """Runs veille; returns (wall s, cpu s, peak MiB, exit code)."""
    cmd = ["/usr/bin/time", "-f", "%e %U %S %M", BINARY, "-q", "-c", config, "run"] + extra
    p = subprocess.run(cmd, capture_output=True, text=True)
    last = p.stderr.strip().splitlines()[-1].split()
    wall, user, system, rss_kb = float(last[0]), float(last[1]), float(last[2]), int(last[3])
    return wall, user + system, rss_kb / 1024, p.returncode


def bench(feeds, latency, concurrency, runs=("first", "unchanged", "advance")):
    with feedserver(feeds, latency, 900) as (_, base):
        urls = get(base + "/urls").split()
        work = tempfile.mkdtemp(prefix="veille-bench-")
        config = os.path.join(work, "config.toml")
        with open(config, "w") as f:
            # All feeds share one host here, so the per-host limit is set to
            # the global one (real sources spread over many hosts).
            f.write(f'[fetch]\nconcurrency = {concurrency}\nper_host_concurrency = {concurrency}\n'
                    f'timeout_secs = 30\n\n[publish]\ndir = "public"\nbase_url = "https://example.org/"\n\n')
            for i, url in enumerate(urls):
                f.write(f'[[source]]\nname = "feed-{i}"\nurl = "{url}"\n\n')
            f.write('[[feed]]\nslug = "all"\ntitle = "All"\nquery = "-zzzzzz"\nlimit = 100\n')
        rows = []
        plan = [("first", "first run (fresh database)", [], None),
                ("unchanged", "unchanged, --all", ["--all"], "/stats/reset"),
                ("advance", "after /advance, --all", ["--all"], "/advance")]
        for key, label, extra, before in plan:
            if key not in runs:
                continue
            if before:
                get(base + before)
                if before == "/advance":
                    get(base + "/stats/reset")
            wall, cpu, rss, code = timed_run(config, extra)
            stats = json.loads(get(base + "/stats"))
            rows.append((label, wall, cpu, rss, code, stats))
        return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--latency-ms", type=int, default=100)
    args = ap.parse_args()
    if not os.path.exists(FEEDSERVER):
        print(SKIPPED)
        return 0
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    # Parse-and-store time: the same first run with no network latency.
    local = bench(args.feeds, 0, 16, runs=("first",))[0]
    parse_store = local[1]
    print(f"parse-and-store time (first run, 0 ms latency): {parse_store:.2f} s wall, {local[2]:.2f} s CPU")
    for concurrency in (16, 64):
        ideal = math.ceil(args.feeds / concurrency) * args.latency_ms / 1000
        target = 1.5 * (ideal + parse_store)
        print(f"\n{args.feeds} feeds, {args.latency_ms} ms latency, concurrency {concurrency}: "
              f"ideal network bound {ideal:.1f} s; target for the first run 1.5 x ({ideal:.1f} + {parse_store:.2f}) = {target:.1f} s")
        print(f"{'run':<28} {'wall s':>7} {'cpu s':>7} {'peak MiB':>9} {'exit':>4} "
              f"{'200':>5} {'304':>5} {'conditional':>11}")
        for label, wall, cpu, rss, code, s in bench(args.feeds, args.latency_ms, concurrency):
            print(f"{label:<28} {wall:>7.2f} {cpu:>7.2f} {rss:>9.1f} {code:>4} "
                  f"{s['feed_200']:>5} {s['feed_304']:>5} {s['feed_conditional']:>11}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
