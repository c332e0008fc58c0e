#!/usr/bin/env python3
"""Generate the exposure benchmark's home: N git repositories of C commits each (bench/run.sh git).

Usage: gen_repos.py <dir> <repos> <commits>

Each repository is a project an MCP client knows (listed in <dir>/home/.claude.json): 120 source files in
nested folders, each commit changing one to three of them; every 150th commit also edits the project's
`.mcp.json` (the key it holds appears in commit 1000 and was pushed, then removed and put back in the work
tree); `refs/remotes/origin/main` points 90 % of the way up the history (the rest is local). Written with
`git fast-import` (seconds for the whole set).
"""
import json, os, random, subprocess, sys

root, n_repos, n_commits = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
home = os.path.join(root, "home")
os.makedirs(home, exist_ok=True)
rng = random.Random(21)
projects = {}


def mcp(key):
    env = {"TOOL_API_KEY": key} if key else {"TOOL_API_KEY": "${TOOL_API_KEY}"}
    return json.dumps({"mcpServers": {"tool": {"command": "uvx", "args": ["tool-mcp"], "env": env}}}, indent=2) + "\n"


for r in range(n_repos):
    repo = os.path.join(home, "work", f"project{r:02d}")
    os.makedirs(repo, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
    key = f"sk-live-gitbench{r:02d}-0123456789abcdef"
    files = [f"src/{d}/mod{i}.py" for d in ("core", "api", "ui", "util", "db", "cli") for i in range(20)]
    out = []
    t = 1_700_000_000
    for c in range(1, n_commits + 1):
        t += 600
        out.append(f"commit refs/heads/main\nmark :{c}\ncommitter Bench <b@x> {t} +0000\n")
        msg = f"change {c}\n"
        out.append(f"data {len(msg)}\n{msg}")
        if c > 1:
            out.append(f"from :{c - 1}\n")
        changed = files if c == 1 else rng.sample(files, rng.randint(1, 3))
        for f in changed:
            body = f"# {f} at {c}\n" + "".join(f"def f{j}(x):\n    return x + {c * j}\n" for j in range(20))
            out.append(f"M 100644 inline {f}\ndata {len(body.encode())}\n{body}")
        if c in (1, 1000) or c % 150 == 0:
            body = mcp(key if c == 1000 else None) + ("" if c == 1 else f"// {c}\n" * 0)
            body = body.replace('"tool-mcp"', f'"tool-mcp@{c}"')
            out.append(f"M 100644 inline .mcp.json\ndata {len(body.encode())}\n{body}")
    pushed = int(n_commits * 0.9)
    out.append(f"reset refs/remotes/origin/main\nfrom :{pushed}\n\n")
    data = "".join(out).encode()
    subprocess.run(["git", "-C", repo, "fast-import", "--quiet"], input=data, check=True)
    subprocess.run(["git", "-C", repo, "reset", "-q", "--hard", "main"], check=True)
    subprocess.run(["git", "-C", repo, "remote", "add", "origin", f"https://github.com/bench/project{r:02d}.git"], check=True)
    # The key is in the work tree again (the file as a user pasted it back), not committed since.
    with open(os.path.join(repo, ".mcp.json"), "w") as f:
        f.write(mcp(key))
    projects[repo] = {"allowedTools": [], "history": []}

json.dump({"projects": projects}, open(os.path.join(home, ".claude.json"), "w"), indent=2)
