import { describe, expect, it } from "vitest";
import { landingIndex, glance, historyOutcome, justNow, keyHistoryLine, keyMatches, keyName, pathParts, nextIndex, providerLabel, ageText, codeParts } from "./view";
import type { AuditEntry, Credential, ProviderInfo, ScanReport, Slot } from "./api";

const slot = (server: string, state: "secret" | "placeholder" = "secret"): Slot => ({
  file: "/h/.cursor/mcp.json", server, entry: `/mcpServers/${server}`, kind: "env", location: "env.KEY", masked: "sk-l…abcd", state,
});
const cred = (id: string, servers: string[], provider?: string): Credential => ({
  id, masked: "sk-l…abcd", provider, superseded: false, usages: servers.length, slots: servers.map((s) => slot(s)),
});

describe("view helpers", () => {
  it("names a key after the servers that use it", () => {
    expect(keyName(cred("a", ["github", "github"]))).toBe("github");
    expect(keyName(cred("a", ["github", "linear"]))).toBe("github, linear");
    expect(keyName(cred("a", ["a", "b", "c"]))).toBe("a +2");
    expect(keyName(cred("a", []))).toBe("Unnamed key");
  });

  it("says the provider, as a guess when the key is not linked", () => {
    const providers: ProviderInfo[] = [
      { id: "bitscale", name: "BitScale", auth: "current-key", grace: false, ids: [], default_base_url: "", model: "rotate-in-place", help: "" },
    ];
    expect(providerLabel(cred("a", ["x"], "bitscale"), "bitscale", providers)).toBe("BitScale");
    expect(providerLabel(cred("a", ["x"], "bitscale"), undefined, providers)).toBe("probably BitScale");
    expect(providerLabel(cred("a", ["x"]), undefined, providers)).toBe("provider unknown");
  });

  it("counts due, unfinished and plaintext keys for the header", () => {
    const report: ScanReport = { clients: [], files: [], credentials: [cred("a", ["s"]), cred("b", ["t"]), cred("c", [])], held_elsewhere: [], stale_rekey: [], summary: { plaintext_keys: 0, plaintext_usages: 0, protected_usages: 0, exposed_keys: 0 } };
    const entry = (o: Partial<AuditEntry>): AuditEntry => ({ time: "", kind: "rotate", key: null, rotation: "r", provider: "p", credential: "x", new_credential: null, new_key: null, outcome: "verified", model: null, old_key_id: null, new_key_id: null, message: null, left: [], files: [], ...o });
    const history: AuditEntry[] = [
      entry({ rotation: "r1", credential: "a", outcome: "unknown" }),
      entry({ rotation: "r0", credential: "x", new_credential: "b", outcome: "incomplete" }),
    ];
    const ages = [
      { credential: "a", since: "", days: 100, due: true },
      { credential: "gone", since: "", days: 100, due: true },
    ];
    expect(glance(report, ages, history)).toEqual({ due: 1, unfinished: 2, plaintext: 2, superseded: 0, exposed: 0 });
    expect(glance(null, [], [])).toEqual({ due: 0, unfinished: 0, plaintext: 0, superseded: 0, exposed: 0 });
    // Keys in git (tracked, committed, pushed) are counted; an ignored or untracked file is not.
    const at = (state: "pushed" | "tracked" | "untracked") => ({ state, repo: "/r", path: ".mcp.json", tracked: state !== "untracked", ignored: false, history_complete: true });
    const inGit: ScanReport = { ...report, credentials: [{ ...cred("a", ["s"]), exposure: at("pushed") }, { ...cred("b", ["t"]), exposure: at("tracked") }, { ...cred("c", []), exposure: at("untracked") }] };
    expect(glance(inGit, [], []).exposed).toBe(2);
    // A rotation whose new key failed its check waits for the user (roll back, keep both, or look): the
    // header does not say "all keys are up to date".
    const failed = [entry({ rotation: "r2", credential: "x", new_credential: "c", outcome: "verify-failed", model: "create-then-revoke" })];
    expect(glance(report, [], failed).unfinished).toBe(1);
  });

  it("moves through a list with the arrow keys, wrapping", () => {
    expect(nextIndex("ArrowDown", 2, 3)).toBe(0);
    expect(nextIndex("ArrowUp", 0, 3)).toBe(2);
    expect(nextIndex("End", 0, 3)).toBe(2);
    expect(nextIndex("x", 0, 3)).toBeNull();
    expect(nextIndex("ArrowDown", 0, 0)).toBeNull();
    expect(ageText({ credential: "", since: "", days: 1, due: false })).toBe("1 day old");
  });
});

describe("justNow", () => {
  const now = Date.parse("2026-12-07T12:00:00Z");
  const h = (kind: string, time: string) => ({ kind, time, new_credential: "c2" });
  it("says a key was just made by a rotation or a replace, for ten minutes", () => {
    expect(justNow("c2", [h("rotate", "2026-12-07T11:55:00Z")], now)).toBe("rotated just now");
    expect(justNow("c2", [h("replace", "2026-12-07T11:59:00Z")], now)).toBe("replaced just now");
    expect(justNow("c2", [h("rotate", "2026-12-07T11:40:00Z")], now)).toBeNull();
    expect(justNow("c1", [h("rotate", "2026-12-07T11:59:00Z")], now)).toBeNull();
  });
});

describe("pathParts", () => {
  it("cuts after separators and dots, and joins back to the path", () => {
    expect(pathParts("/home/u/.cursor/mcp.json")).toEqual(["/", "home/", "u/.", "cursor/", "mcp.", "json"]);
    expect(pathParts("C:\\Users\\me\\a.json")).toEqual(["C:\\", "Users\\", "me\\", "a.", "json"]);
    expect(pathParts("plain")).toEqual(["plain"]);
    const p = "/tmp/rekey-demo-1/config/Claude/claude_desktop_config.json";
    expect(pathParts(p).join("")).toBe(p);
  });
});

describe("keyMatches", () => {
  const parts = ["bitscale", "BitScale", "sk-l…ZF0A", "Claude Desktop › bitscale", "/home/u/.cursor/mcp.json"];
  it("matches every word of the query, in any case, in any of the key's texts", () => {
    expect(keyMatches("", parts)).toBe(true);
    expect(keyMatches("BITSCALE", parts)).toBe(true);
    expect(keyMatches("claude bit", parts)).toBe(true);
    expect(keyMatches("cursor", parts)).toBe(true);
    expect(keyMatches("neon", parts)).toBe(false);
    expect(keyMatches("claude neon", parts)).toBe(false);
  });
});

describe("keyHistoryLine", () => {
  it("says what each kind of change did to the key, not 'rotated away' for all", () => {
    expect(keyHistoryLine({ kind: "protect", outcome: "written", credential: "c1" }, "c1")).toBe("moved to the keychain (protected) · done");
    expect(keyHistoryLine({ kind: "rotate", outcome: "written", credential: "c1" }, "c1")).toBe("rotated away · written, not verified");
    expect(keyHistoryLine({ kind: "rotate", outcome: "verified", credential: "c0" }, "c1")).toBe("made by a rotation · done");
    expect(keyHistoryLine({ kind: "replace", outcome: "verified", credential: "c0" }, "c1")).toBe("put in by a manual replace · done");
    expect(keyHistoryLine({ kind: "rollback", outcome: "rolled-back", credential: "c1" }, "c1")).toBe("Rollback · rolled back to the old key");
  });
});

describe("historyOutcome", () => {
  it("words a rotation's step as before and any other kind of change plainly", () => {
    expect(historyOutcome({ kind: "rotate", outcome: "failed" })).toBe("refused by the provider");
    expect(historyOutcome({ kind: "protect", outcome: "failed" })).toBe("nothing changed");
    expect(historyOutcome({ kind: "unprotect", outcome: "written" })).toBe("done");
    expect(historyOutcome({ kind: "restore", outcome: "unknown" })).toBe("interrupted: check the files");
  });
});

describe("superseded values", () => {
  it("count in the glance and a named key shows its name", () => {
    const c = { id: "cred_9", key: "bitscale-0a1b2c3d", name: "Work BitScale", masked: "bs_…0001", superseded: true, usages: 1, slots: [] } as unknown as Credential;
    const report = { credentials: [c] } as unknown as ScanReport;
    expect(glance(report, [], []).superseded).toBe(1);
    expect(keyName(c)).toBe("Work BitScale");
  });
});

describe("code in texts", () => {
  it("turns backticked spans into code parts, and leaves an unpaired backtick alone", () => {
    expect(codeParts("run `rekey add` first")).toEqual(["run ", "rekey add", " first"]);
    expect(codeParts("no code")).toEqual(["no code"]);
    expect(codeParts("a ` alone")).toEqual(["a ` alone"]);
  });
});

describe("landingIndex", () => {
  const entries = [
    { credential: "a", new_credential: "b" },
    { credential: "c", new_credential: null },
    { credential: "b" },
  ];
  it("lands on the newest entry of the key, by its id now, or the newest of all", () => {
    expect(landingIndex(entries, "b")).toBe(0);
    expect(landingIndex(entries, "c")).toBe(1);
    expect(landingIndex(entries, true)).toBe(0);
  });
  it("waits (-1) while the entry is not listed yet", () => {
    expect(landingIndex(entries, "z")).toBe(-1);
    expect(landingIndex([], true)).toBe(-1);
  });
});
