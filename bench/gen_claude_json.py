#!/usr/bin/env python3
"""Write a realistic ~/.claude.json of about SIZE_MB megabytes: app state, many projects with long
prompt histories (the shape that grew to 15-100 MB in the wild), big integers, unicode, and one
mcpServers entry holding the key to rotate. Deterministic for a given size."""
import json, random, sys

out, size_mb, key = sys.argv[1], float(sys.argv[2]), sys.argv[3]
target = int(size_mb * 1024 * 1024)
rnd = random.Random(42)
words = "the a fix add test refactor build deploy config server client rotate key token cache stream parse error retry \u00e9t\u00e9 \u6f22\u5b57 \U0001f600".split()

def prompt():
    return " ".join(rnd.choice(words) for _ in range(rnd.randint(5, 60)))

with open(out, "w", encoding="utf-8") as f:
    f.write('{\n  "numStartups": 4711,\n  "installMethod": "npm-global",\n  "autoUpdates": true,\n')
    f.write('  "userID": "%s",\n  "hugeCounter": 12345678901234567890,\n  "preciseRatio": 0.1000000000000000055511151231257827,\n' % ("ab" * 32))
    f.write('  "oauthAccount": {"accountUuid": "00000000-0000-4000-8000-000000000000", "emailAddress": "dev@example.com"},\n')
    f.write('  "mcpServers": {\n    "bitscale": {\n      "command": "uvx",\n      "args": ["bitscale-mcp"],\n')
    f.write('      "env": {\n        "BITSCALE_API_KEY": "%s"\n      }\n    }\n  },\n  "projects": {\n' % key)
    written, i = f.tell(), 0
    while written < target:
        if i:
            f.write(",\n")
        hist = [{"display": prompt(), "pastedContents": {}} for _ in range(rnd.randint(20, 120))]
        proj = {"allowedTools": ["Bash(npm test)", "Edit"], "history": hist, "mcpServers": {},
                "hasTrustDialogAccepted": True, "lastCost": rnd.random() * 10, "lastSessionId": "%032x" % rnd.getrandbits(128)}
        f.write('    %s: %s' % (json.dumps("/home/dev/code/project-%05d" % i), json.dumps(proj, ensure_ascii=False)))
        written = f.tell()
        i += 1
    f.write('\n  },\n  "lastReleaseNotesSeen": "2.0.0"\n}\n')
