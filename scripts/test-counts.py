#!/usr/bin/env python3
"""Reads the output of `cargo test` and prints how many tests ran in each suite (test binary or doc-tests).
Exits 1 when a suite ignored a test (under `./dev test` every test runs: one that is ignored there proves
nothing) or when no suite reported at all."""
import re
import sys

suite = None
rows = []
running = re.compile(r"^\s*(Running|Doc-tests)\s+(?:unittests\s+)?(\S+)(?:\s+\(\S*/deps/([A-Za-z0-9_]+)-[0-9a-f]+\))?")
result = re.compile(
    r"^test result: (\w+)\. (\d+) passed; (\d+) failed; (\d+) ignored; \d+ measured; (\d+) filtered out"
)
with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
    for line in f:
        m = running.match(line)
        if m:
            name = m.group(2)
            if m.group(1) == "Doc-tests":
                name = "doc-tests " + name
            elif name.startswith("src/") and m.group(3):
                # A crate's own unit tests: src/lib.rs of which crate (the binary's file name says).
                name = f"{m.group(3)} ({name})"
            suite = name
            continue
        m = result.match(line)
        if m and suite:
            rows.append((suite, int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5))))
            suite = None

if not rows:
    print("test counts: no suite reported a result", file=sys.stderr)
    sys.exit(1)
width = max(len(r[0]) for r in rows)
print("\ntests run, per suite:")
for name, passed, failed, ignored, filtered in rows:
    extra = []
    if failed:
        extra.append(f"{failed} FAILED")
    if ignored:
        extra.append(f"{ignored} IGNORED")
    if filtered:
        extra.append(f"{filtered} left to the bench")
    print(f"  {name:<{width}}  {passed + failed:4d} ran" + ("  (" + ", ".join(extra) + ")" if extra else ""))
total = sum(r[1] + r[2] for r in rows)
ignored = sum(r[3] for r in rows)
print(f"  {'total':<{width}}  {total:4d} ran in {len(rows)} suites")
if ignored:
    print(f"test counts: {ignored} test(s) ignored: under ./dev test every test must run", file=sys.stderr)
    sys.exit(1)
