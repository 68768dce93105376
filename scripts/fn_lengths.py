#!/usr/bin/env python3
"""Lengths of the functions in src/, longest first: from the `fn` line to
its closing brace, test modules (`#[cfg(test)] mod …`) left out.

    scripts/fn_lengths.py [--over 60] [src]

Prints one line per function longer than --over, then the counts over 60
and over 90. A rough reader of Rust: it skips strings, chars and comments
when matching braces, which is all veille's code needs.
"""
import re
import sys
from pathlib import Path

FN = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?fn\s+(\w+)")
TEST_MOD = re.compile(r"^\s*mod\s+\w+\s*(;|\{)")


def code_only(text):
    """`text` with strings, chars and comments blanked (newlines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "r" and re.match(r'r(#*)"', text[i:i + 10]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            hashes = re.match(r'r(#*)"', text[i:]).group(1)
            end = '"' + hashes
            j = text.find(end, i + 2 + len(hashes))
            j = n if j < 0 else j + len(end)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "'" and re.match(r"'(\\.|[^\\'])'|'\\u\{[0-9a-fA-F]+\}'|'\\x[0-9a-fA-F]{2}'", text[i:i + 12]):
            m = re.match(r"'(\\.|[^\\'])'|'\\u\{[0-9a-fA-F]+\}'|'\\x[0-9a-fA-F]{2}'", text[i:i + 12])
            out.append(" " * len(m.group(0)))
            i += len(m.group(0))
        else:
            out.append(c)
            i += 1
    return "".join(out)


def block_end(lines, start):
    """Index of the line closing the first block opened at or after `start`."""
    depth, opened = 0, False
    for k in range(start, len(lines)):
        for ch in lines[k]:
            if ch == "{":
                depth, opened = depth + 1, True
            elif ch == "}":
                depth -= 1
                if opened and depth == 0:
                    return k
            elif ch == ";" and not opened and depth == 0:
                return None  # a declaration without a body
    return None


def functions(path):
    lines = code_only(path.read_text()).split("\n")
    skip_until = -1
    for k, line in enumerate(lines):
        if k <= skip_until:
            continue
        if line.strip().startswith("#[cfg(test)]"):
            for m in range(k + 1, min(k + 4, len(lines))):
                if TEST_MOD.match(lines[m]):
                    end = block_end(lines, m) if lines[m].rstrip().endswith("{") else m
                    skip_until = end if end is not None else m
                    break
            continue
        m = FN.match(line)
        if m:
            end = block_end(lines, k)
            if end is not None:
                yield m.group(6), k + 1, end - k + 1


def main():
    args = sys.argv[1:]
    over = 60
    if "--over" in args:
        i = args.index("--over")
        over = int(args[i + 1])
        del args[i:i + 2]
    root = Path(args[0] if args else "src")
    found = []
    for path in sorted(root.rglob("*.rs")):
        if path.name == "tests.rs" or "tests" in path.parts[len(root.parts):-1]:
            continue
        for name, line, length in functions(path):
            found.append((length, f"{path}:{line}", name))
    found.sort(reverse=True)
    for length, where, name in found:
        if length > over:
            print(f"{length:4} {where} {name}")
    print(f"over 60: {sum(1 for f in found if f[0] > 60)}, over 90: {sum(1 for f in found if f[0] > 90)}")


if __name__ == "__main__":
    main()
