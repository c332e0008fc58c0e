#!/usr/bin/env python3
"""Write a realistic ~/.claude.json of about SIZE_MB megabytes, in the shape Claude Code writes it
(JSON.stringify(state, null, 2): 2-space indentation, one array item per line): app state, big integers,
unicode, many projects with long prompt histories (files of 65-240 MB exist in the wild), the key to rotate
in the user-scope mcpServers near the top *and* in one project's mcpServers in the middle of the file.
Deterministic for a given size. Usage: gen_claude_json.py OUT SIZE_MB KEY
With WRAPPED=<path> in the environment, the project's server is a protected one instead: started through
`<path> exec --` with a rekey:// reference in its env (the shape `rekey protect` writes)."""
import json, os, random, sys

out, size_mb, key = sys.argv[1], float(sys.argv[2]), sys.argv[3]
target = int(size_mb * 1024 * 1024)
rnd = random.Random(42)
words = "the a fix add test refactor build deploy config server client rotate key token cache stream parse error retry docker exec \u00e9t\u00e9 \u6f22\u5b57 \U0001f600".split()


def prompt():
    return " ".join(rnd.choice(words) for _ in range(rnd.randint(5, 60)))


def server(k):
    return {"type": "stdio", "command": "uvx", "args": ["bitscale-mcp"], "env": {"BITSCALE_API_KEY": k}}


def indented(value, level):
    """json.dumps(value, indent=2) as it appears nested `level` levels deep (Python's indent=2 output is
    byte-for-byte JSON.stringify(value, null, 2) for these values)."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return text.replace("\n", "\n" + "  " * level)


head = {
    "numStartups": 4711,
    "installMethod": "npm-global",
    "autoUpdates": True,
    "userID": "ab" * 32,
    "oauthAccount": {"accountUuid": "00000000-0000-4000-8000-000000000000", "emailAddress": "dev@example.com"},
    "mcpServers": {"bitscale": server(key)},
}

with open(out, "w", encoding="utf-8") as f:
    f.write("{\n")
    for name, value in head.items():
        f.write("  %s: %s,\n" % (json.dumps(name), indented(value, 1)))
    # Numbers JavaScript would round (Claude Code never writes these, other writers do): must survive.
    f.write('  "hugeCounter": 12345678901234567890,\n  "preciseRatio": 0.1000000000000000055511151231257827,\n')
    f.write('  "projects": {\n')
    written, i, middle_done = f.tell(), 0, False
    while written < target:
        if i:
            f.write(",\n")
        hist = [{"display": prompt(), "pastedContents": {}} for _ in range(rnd.randint(20, 120))]
        servers = {}
        if not middle_done and written >= target // 2:
            servers = {"bitscale": server(key)}
            if os.environ.get("WRAPPED"):
                servers = {"bitscale": {"type": "stdio", "command": os.environ["WRAPPED"],
                                        "args": ["exec", "--", "uvx", "bitscale-mcp"],
                                        "env": {"BITSCALE_API_KEY": "rekey://k_0123456789abcdef"}}}
            middle_done = True
        proj = {"allowedTools": ["Bash(npm test)", "Edit"], "history": hist, "mcpContextUris": [],
                "mcpServers": servers, "enabledMcpjsonServers": [], "disabledMcpjsonServers": [],
                "hasTrustDialogAccepted": True, "projectOnboardingSeenCount": rnd.randint(0, 9),
                "lastCost": rnd.random() * 10, "lastSessionId": "%032x" % rnd.getrandbits(128)}
        f.write("    %s: %s" % (json.dumps("/home/dev/code/project-%05d" % i), indented(proj, 2)))
        written = f.tell()
        i += 1
    f.write('\n  },\n  "lastReleaseNotesSeen": "2.0.0"\n}\n')
