import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import type { Exposure, ExposureState } from "./api";
import { api, byAge, byExposure, carryExposure, exposureBadge, exposureText, incompleteRotation, pendingChoice, stateBadges, EngineError, groupByClient, type AuditEntry, type ClientId, type ConfigFile } from "./api";

afterEach(() => clearMocks());

const file = (client: ClientId, path: string, exists = false): ConfigFile => ({
  client,
  client_name: client.toUpperCase(),
  path,
  format: "json",
  scope: "user",
  exists,
});

describe("api", () => {
  it("calls the engine_info command and returns its answer", async () => {
    const seen: string[] = [];
    mockIPC((cmd) => {
      seen.push(cmd);
      if (cmd === "engine_info") return { version: "9.9.9", platform: "linux", config_files: [] };
    });
    const info = await api.engineInfo();
    expect(seen).toEqual(["engine_info"]);
    expect(info.version).toBe("9.9.9");
  });

  it("turns a serialized engine error into an EngineError with its stable code", async () => {
    mockIPC(() => {
      throw { code: "keychain_locked", message: "the OS keychain is locked" };
    });
    const err = await api.keychainStatus().catch((e) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err.code).toBe("keychain_locked");
    expect(err.message).toBe("the OS keychain is locked");
  });

  it("does not pass through unknown error payloads as messages", async () => {
    mockIPC(() => {
      throw { weird: true };
    });
    const err = await api.engineInfo().catch((e) => e);
    expect(err.code).toBe("ipc");
  });
});

describe("groupByClient", () => {
  it("groups files per client in first-seen order", () => {
    const groups = groupByClient([file("cursor", "/a"), file("zed", "/b"), file("cursor", "/c", true)]);
    expect(groups.map((g) => g.client)).toEqual(["cursor", "zed"]);
    expect(groups[0].files.map((f) => f.path)).toEqual(["/a", "/c"]);
    expect(groups[0].name).toBe("CURSOR");
  });
});

import { serverLabel, usageLabels, type ScanReport } from "./api";

describe("usageLabels", () => {
  it("names each client and server once", () => {
    const slot = (file: string, server: string) => ({ file, server, entry: `/mcpServers/${server}`, kind: "env" as const, location: "env.K", masked: "sk-l…9f2c", state: "secret" as const, credential: "cred_1" });
    const report: ScanReport = {
      clients: [
        { id: "cursor", name: "Cursor", installed: true, files: 1, restart_hint: "" },
        { id: "claude-desktop", name: "Claude Desktop", installed: true, files: 1, restart_hint: "" },
      ],
      files: [
        { path: "/c", client: "cursor", format: "jsonc", scope: "user", status: "ok", servers: [] },
        { path: "/d", client: "claude-desktop", format: "json", scope: "user", status: "ok", servers: [] },
      ],
      credentials: [],
      held_elsewhere: [],
      stale_rekey: [],
      summary: { plaintext_keys: 0, plaintext_usages: 0, protected_usages: 0, exposed_keys: 0 },
    };
    const c = { id: "cred_1", masked: "sk-l…9f2c", superseded: false, usages: 3, slots: [slot("/d", "bs"), slot("/c", "bs"), slot("/d", "bs")] };
    expect(usageLabels(c, report)).toEqual(["Claude Desktop › bs", "Cursor › bs"]);
  });
  it("tells the same server under two Claude Code projects apart", () => {
    const slot = (project?: string) => ({ file: "/h/.claude.json", server: "gh", project, entry: project ? `/projects/${project.replaceAll("/", "~1")}/mcpServers/gh` : "/mcpServers/gh", kind: "env" as const, location: "env.GITHUB_TOKEN", masked: "ghp_…6789", state: "secret" as const });
    const report: ScanReport = {
      clients: [{ id: "claude-code", name: "Claude Code", installed: true, files: 1, restart_hint: "" }],
      files: [{ path: "/h/.claude.json", client: "claude-code", format: "json", scope: "user", status: "ok", servers: [] }],
      credentials: [],
      held_elsewhere: [],
      stale_rekey: [],
      summary: { plaintext_keys: 0, plaintext_usages: 0, protected_usages: 0, exposed_keys: 0 },
    };
    const c = { id: "cred_1", masked: "ghp_…6789", superseded: false, usages: 3, slots: [slot("/src/a"), slot("/src/b"), slot()] };
    expect(usageLabels(c, report)).toEqual(["Claude Code › gh (project /src/a)", "Claude Code › gh (project /src/b)", "Claude Code › gh"]);
    expect(serverLabel({ server: "gh" })).toBe("gh");
  });
});

describe("byAge", () => {
  it("puts keys past the max age first, then the oldest", () => {
    const creds = [{ id: "a" }, { id: "b" }, { id: "c" }, { id: "d" }];
    const ages = [
      { credential: "a", since: "", days: 3, due: false },
      { credential: "b", since: "", days: 120, due: true },
      { credential: "c", since: "", days: 40, due: false },
      { credential: "d", since: "", days: 95, due: true },
    ];
    expect(byAge(creds, ages).map((c) => c.id)).toEqual(["b", "d", "c", "a"]);
    expect(byAge(creds, []).map((c) => c.id)).toEqual(["a", "b", "c", "d"]);
  });
});

describe("exposure", () => {
  const ex = (state: ExposureState, more: Partial<Exposure> = {}): Exposure => ({
    state, repo: "/home/me/app", path: ".mcp.json", tracked: state !== "untracked" && state !== "ignored", ignored: state === "ignored", history_complete: true, ...more,
  });
  it("puts keys in git first, most exposed first, and keeps the order of the rest", () => {
    const creds = [
      { id: "a" },
      { id: "b", exposure: ex("ignored") },
      { id: "c", exposure: ex("tracked") },
      { id: "d", exposure: ex("untracked") },
      { id: "e", exposure: ex("pushed") },
      { id: "f", exposure: ex("committed") },
    ];
    expect(byExposure(creds).map((c) => c.id)).toEqual(["e", "f", "c", "a", "b", "d"]);
  });
  it("names the remote and its host, the commit and the repository", () => {
    const e = ex("pushed", { pushed: { remote: "origin", host: "github.com" }, commit: { id: "0123456789abcdef", date: "2026-11-02T10:00:00Z", path: "old/.mcp.json" } });
    expect(exposureBadge(e)).toBe("pushed to origin (github.com)");
    expect(exposureText(e)).toBe("Pushed to origin (github.com) in commit 0123456789 of 2026-11-02 (old/.mcp.json): /home/me/app/.mcp.json. Every copy in that history stays valid until the key is rotated.");
    expect(exposureBadge(ex("pushed", { pushed: { remote: "backup" } }))).toBe("pushed to backup");
    expect(exposureText(ex("committed", { history_complete: false }))).toContain("not read to its end");
  });
  it("keeps the last check's exposure on a plain scan until the next check answers", () => {
    const report = (creds: { id: string; exposure?: Exposure }[]) => ({ credentials: creds }) as unknown as ScanReport;
    const prev = report([{ id: "a", exposure: ex("pushed") }, { id: "b" }]);
    const next = carryExposure(prev, report([{ id: "a" }, { id: "b" }, { id: "c" }]));
    expect(next.credentials.map((c) => c.exposure?.state)).toEqual(["pushed", undefined, undefined]);
    expect(carryExposure(null, prev)).toBe(prev);
  });
});

describe("stateBadges", () => {
  const entry = (o: Partial<AuditEntry>): AuditEntry => ({ time: "", kind: "rotate", key: null, rotation: "r", provider: "bitscale", credential: "x", new_credential: null, new_key: null, outcome: "verified", model: null, old_key_id: null, new_key_id: null, message: null, left: [], files: [], ...o });
  it("marks an interrupted rotation from a key and a failed verification of a key", () => {
    expect(stateBadges("a", [entry({ credential: "a", outcome: "unknown" })])).toEqual(["rotation interrupted"]);
    expect(stateBadges("b", [entry({ credential: "a", new_credential: "b", outcome: "verify-failed" })])).toEqual(["verify failed"]);
    // Only the newest entry counts: a later verified rotation clears it.
    expect(stateBadges("b", [entry({ new_credential: "b", outcome: "verified" }), entry({ new_credential: "b", outcome: "verify-failed" })])).toEqual([]);
    expect(stateBadges("c", [])).toEqual([]);
  });
});

describe("incomplete rotations", () => {
  const entry = (o: Partial<AuditEntry>): AuditEntry => ({ time: "", kind: "rotate", key: null, rotation: "r", provider: "bitscale", credential: "x", new_credential: null, new_key: null, outcome: "verified", model: null, old_key_id: null, new_key_id: null, message: null, left: [], files: [], ...o });
  it("mark both the old and the new key until a Finish is logged", () => {
    const inc = entry({ rotation: "r1", credential: "old", new_credential: "new", outcome: "incomplete", left: ["a.json (s) still holds the old key"] });
    expect(stateBadges("old", [inc])).toEqual(["rotation incomplete"]);
    expect(stateBadges("new", [inc])).toEqual(["rotation incomplete"]);
    expect(incompleteRotation("old", [inc])?.rotation).toBe("r1");
    expect(incompleteRotation("new", [inc])?.left).toEqual(["a.json (s) still holds the old key"]);
    // History is newest first: the Finish's verified line clears it.
    const done = entry({ rotation: "r1", credential: "old", new_credential: "new", outcome: "verified" });
    expect(stateBadges("new", [done, inc])).toEqual([]);
    expect(incompleteRotation("new", [done, inc])).toBeUndefined();
  });
});

describe("create-then-revoke choices", () => {
  const entry = (o: Partial<AuditEntry>): AuditEntry => ({ time: "", kind: "rotate", key: null, rotation: "r", provider: "neon", credential: "old", new_credential: "new", new_key: null, outcome: "verified", model: "create-then-revoke", old_key_id: null, new_key_id: null, message: null, left: [], files: [], ...o });
  it("wait for the user after a failed verify, a kept pair or a failed revoke, until a later line clears them", () => {
    for (const outcome of ["verify-failed", "kept-both", "revoke-failed"] as const) {
      expect(pendingChoice("new", [entry({ outcome })])?.rotation).toBe("r");
      expect(pendingChoice("old", [entry({ outcome })])?.outcome).toBe(outcome);
    }
    expect(stateBadges("new", [entry({ outcome: "revoke-failed" })])).toEqual(["old key still active"]);
    expect(stateBadges("new", [entry({ outcome: "kept-both" })])).toEqual(["old key still active"]);
    // Newest first: the revoke that worked clears it; an in-place provider's failed verify is not a choice.
    expect(pendingChoice("new", [entry({ outcome: "revoked" }), entry({ outcome: "revoke-failed" })])).toBeUndefined();
    expect(pendingChoice("new", [entry({ outcome: "verify-failed", model: "rotate-in-place" })])).toBeUndefined();
    expect(stateBadges("old", [entry({ outcome: "created" })])).toEqual(["rotation interrupted"]);
  });
});
