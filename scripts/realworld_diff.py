#!/usr/bin/env python3
"""Differential check: veille's parser against Python feedparser on every
real-world feed in ../shared/corpus/realworld (captures from feed-rs, ROME
and SimplePie).

Usage: scripts/realworld_diff.py [VEILLE_BINARY] [CORPUS_REALWORLD_DIR]

For every file it compares, item by item, what both read: the number of
items, and each item's title, link and date (published, else updated, as an
instant). Text is compared after HTML unescaping, Unicode NFC and whitespace
collapsing, so only real differences count. Prints one line per difference
and, last, the counts per kind. Needs `pip install feedparser`.
"""
import calendar
import html
import json
import os
import subprocess
import sys
import unicodedata
from datetime import datetime

import feedparser

here = os.path.dirname(os.path.abspath(__file__))
veille = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "target", "release", "veille")
root = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "..", "shared", "corpus", "realworld")
if not os.path.isdir(root):
    print(f"skipped: {root} is not here")
    sys.exit(0)


def text(value):
    if value is None:
        return None
    value = unicodedata.normalize("NFC", html.unescape(value))
    value = " ".join(value.split())
    return value or None


def feedparser_items(path):
    d = feedparser.parse(path)
    items = []
    for e in d.entries:
        stamp = e.get("published_parsed") or e.get("updated_parsed")
        items.append({
            "title": text(e.get("title")),
            "link": e.get("link") or None,
            "date": calendar.timegm(stamp) if stamp else None,
        })
    return items


def veille_items(path):
    out = subprocess.run([veille, "parse", "--json", path], capture_output=True, text=True)
    if out.returncode != 0:
        return None, out.stderr.strip()
    doc = json.loads(out.stdout)
    items = []
    for i in doc["items"]:
        when = i.get("published") or i.get("updated")
        stamp = int(datetime.fromisoformat(when.replace("Z", "+00:00")).timestamp()) if when else None
        items.append({"title": text(i.get("title")), "link": i.get("link") or None, "date": stamp})
    return items, None


counts = {"files": 0, "items": 0, "count": 0, "title": 0, "link": 0, "date": 0, "error": 0}
for folder, _, names in sorted(os.walk(root)):
    for name in sorted(names):
        if not name.endswith((".xml", ".rss", ".atom", ".json")) or name.endswith(".serde.json"):
            continue
        path = os.path.join(folder, name)
        rel = os.path.relpath(path, root)
        counts["files"] += 1
        theirs = feedparser_items(path)
        ours, error = veille_items(path)
        if ours is None:
            if theirs:
                counts["error"] += 1
                print(f"{rel}: veille fails ({error}); feedparser reads {len(theirs)} items")
            continue
        counts["items"] += len(theirs)
        if len(ours) != len(theirs):
            counts["count"] += 1
            print(f"{rel}: {len(ours)} items, feedparser {len(theirs)}")
        for n, (mine, fp) in enumerate(zip(ours, theirs)):
            for field in ("title", "link", "date"):
                if mine[field] != fp[field]:
                    counts[field] += 1
                    print(f"{rel}[{n}].{field}: veille {mine[field]!r} | feedparser {fp[field]!r}")
print(
    f"{counts['files']} files, {counts['items']} feedparser items; differences: "
    f"{counts['error']} files veille cannot read, {counts['count']} item counts, "
    f"{counts['title']} titles, {counts['link']} links, {counts['date']} dates"
)
