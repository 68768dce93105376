"""What the Python benchmarks share: paths, the loopback feed server
(../shared/tools/feedserver.py, not part of a clone) and HTTP reads from it."""

import contextlib
import os
import subprocess
import sys
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FEEDSERVER = os.path.join(ROOT, "..", "shared", "tools", "feedserver.py")
BINARY = os.path.join(ROOT, "target", "release", "veille")
SKIPPED = "skipped: ../shared/tools/feedserver.py is not here (it is not part of a clone)"


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode()


@contextlib.contextmanager
def feedserver(feeds, latency_ms, lifetime_s):
    """Runs the feed server on a free port; yields (process, base URL)."""
    server = subprocess.Popen(
        [sys.executable, FEEDSERVER, "--port", "0", "--feeds", str(feeds), "--latency-ms", str(latency_ms),
         "--gzip", "--lifetime", str(lifetime_s)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        base = server.stdout.readline().split()[1]
        yield server, base
    finally:
        server.terminate()
        server.wait()
