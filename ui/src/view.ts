// Pure helpers for the shell's screens: names, summaries and plain words. No IPC here (that is api.ts).
import { isExposed, stateBadges, type AuditEntry, type Credential, type KeyAge, type ProviderInfo, type RotationStep, type ScanReport } from "./api";

export type Screen = "keys" | "clients" | "history" | "backups" | "settings";

export const screens: { id: Screen; label: string }[] = [
  { id: "keys", label: "Keys" },
  { id: "clients", label: "Clients" },
  { id: "history", label: "History" },
  { id: "backups", label: "Backups" },
  { id: "settings", label: "Settings" },
];

/** A key's name for people: the MCP servers that use it ("github", "github, linear", "github +2"). */
export function keyName(c: Credential): string {
  if (c.name) return c.name;
  const servers = [...new Set(c.slots.map((s) => s.server))];
  if (servers.length === 0) return "Unnamed key";
  if (servers.length <= 2) return servers.join(", ");
  return `${servers[0]} +${servers.length - 1}`;
}

/** The provider's display name: the linked one, else the guess from the key's shape (said as a guess). */
export function providerLabel(c: Credential, linkedTo: string | undefined, providers: ProviderInfo[]): string {
  const name = (id: string) => providers.find((p) => p.id === id)?.name ?? id;
  if (linkedTo) return name(linkedTo);
  if (c.provider) return `probably ${name(c.provider)}`;
  return "provider unknown";
}

/** "new today", "1 day old", "120 days old". */
/** "rotated just now" (or "replaced just now") for a key a change made in the last ten minutes. */
export function justNow(id: string, history: { kind: string; time: string; new_credential: string | null }[], now = Date.now()): string | null {
  const h = history.find((x) => x.new_credential === id);
  if (!h || now - new Date(h.time).getTime() > 10 * 60_000) return null;
  return h.kind === "replace" ? "replaced just now" : h.kind === "rotate" ? "rotated just now" : null;
}

export function ageText(a: KeyAge): string {
  if (a.days === 0) return "new today";
  return `${a.days} ${a.days === 1 ? "day" : "days"} old`;
}

export interface Glance {
  due: number;
  /** Keys whose newest rotation was interrupted (outcome unknown) or ended incomplete. */
  unfinished: number;
  /** Credentials with at least one literal (plaintext) use in a config file. */
  plaintext: number;
  /** Values in configs that Rekey rotated or replaced away (a restored copy, a client writing an old
   * copy back): those servers most likely run on a dead key. */
  superseded: number;
  /** Keys tracked, committed or pushed in a git repository. */
  exposed: number;
}

/** What the header shows at a glance. */
export function glance(report: ScanReport | null, ages: KeyAge[], history: AuditEntry[]): Glance {
  const creds = report?.credentials ?? [];
  const ids = new Set(creds.map((c) => c.id));
  return {
    due: ages.filter((a) => a.due && ids.has(a.credential)).length,
    unfinished: creds.filter((c) =>
      stateBadges(c.id, history).some((b) =>
        b === "rotation interrupted" || b === "rotation incomplete" || b === "old key still active" || b === "verify failed"),
    ).length,
    plaintext: creds.filter((c) => c.slots.some((s) => s.state === "secret")).length,
    superseded: creds.filter((c) => c.superseded).length,
    exposed: creds.filter((c) => isExposed(c.exposure)).length,
  };
}

/** What each kind of change is called in the History. */
export const kindText: Record<string, string> = {
  rotate: "Rotation",
  finish: "Finish",
  rollback: "Rollback",
  "keep-both": "Keep both",
  "revoke-old": "Revoke old key",
  replace: "Manual replace",
  protect: "Protect",
  unprotect: "Unprotect",
  add: "Server added",
  restore: "Restore",
  purge: "Backups purged",
};

export const outcomeText: Record<RotationStep, string> = {
  intent: "interrupted",
  unknown: "outcome unknown",
  failed: "refused by the provider",
  held: "interrupted after the key was saved",
  shown: "keychain refused the key",
  written: "written, not verified",
  verified: "done",
  "verify-failed": "verification failed",
  incomplete: "incomplete",
  // Create-then-revoke rotations (the engine's `Step` has them; the history showed the raw word before).
  created: "interrupted after the new key was created",
  revoked: "done, old key revoked",
  "revoke-failed": "done, but the old key is still active: revoke it",
  "rolled-back": "rolled back to the old key",
  "kept-both": "both keys kept",
};

/** How a history line ended, in words: a rotation's steps, or (any other kind of change) done, partly done,
 * nothing changed, interrupted. */
export function historyOutcome(h: { kind: string; outcome: RotationStep }): string {
  if (h.kind === "rotate" || h.kind === "finish" || h.kind === "rollback" || h.kind === "keep-both" || h.kind === "revoke-old") {
    return outcomeText[h.outcome] ?? h.outcome;
  }
  const other: Partial<Record<RotationStep, string>> = {
    written: "done",
    verified: "done",
    incomplete: "partly done: see the message",
    failed: "nothing changed",
    unknown: "interrupted: check the files",
  };
  return other[h.outcome] ?? outcomeText[h.outcome] ?? h.outcome;
}

/** One line of a key's own History: what the change did to this key, then how it ended. A protect is
 * not a rotation (it was shown as "rotated away · written, not verified" before). */
export function keyHistoryLine(h: { kind: string; outcome: RotationStep; credential: string }, id: string): string {
  const what: Record<string, [string, string]> = {
    rotate: ["rotated away", "made by a rotation"],
    replace: ["replaced by hand", "put in by a manual replace"],
    protect: ["moved to the keychain (protected)", "moved to the keychain (protected)"],
    unprotect: ["put back in the configs (unprotected)", "put back in the configs (unprotected)"],
  };
  const [before, after] = what[h.kind] ?? [kindText[h.kind] ?? h.kind, kindText[h.kind] ?? h.kind];
  return `${h.credential === id ? before : after} · ${historyOutcome(h)}`;
}

/** Does a key whose texts (name, provider, masked value, clients, servers, files) are `parts` match the
 * filter `query`? Every word of the query must appear in one of them, in any case. */
export function keyMatches(query: string, parts: string[]): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const hay = parts.map((p) => p.toLowerCase());
  return words.every((w) => hay.some((h) => h.includes(w)));
}

/** A path cut after each `/`, `\\` and `.`: where a long path may wrap (see Path.svelte). */
export function pathParts(path: string): string[] {
  return path.match(/[^/\\.]*(?:[/\\.]+|$)/g)?.filter(Boolean) ?? [path];
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Local date and time, or the text itself when it is not a date. */
export function when(iso: string): string {
  const d = new Date(iso);
  return isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** The next index for arrow-key navigation in a list of `n` items (wraps; Home/End jump). */
export function nextIndex(key: string, i: number, n: number): number | null {
  if (n === 0) return null;
  switch (key) {
    case "ArrowDown":
      return (i + 1) % n;
    case "ArrowUp":
      return (i - 1 + n) % n;
    case "Home":
      return 0;
    case "End":
      return n - 1;
    default:
      return null;
  }
}

/** A text with `code` spans in backticks, as alternating plain and code parts (odd indexes are code), so the
 * window shows code as code instead of backticks. An unpaired backtick stays as it is. */
export function codeParts(text: string): string[] {
  const parts = text.split("`");
  if (parts.length % 2 === 0) return [text];
  return parts;
}

/** Which History entry a change's notice lands on: the newest entry of that key (`key`: its id now, which
 * a rotation or a replace gave it), or the newest of all (`true`); -1 while it is not listed yet (the rescan
 * that brings it is still running). */
export function landingIndex(entries: { credential: string; new_credential?: string | null }[], key: string | true): number {
  if (key === true) return entries.length ? 0 : -1;
  return entries.findIndex((h) => h.new_credential === key || h.credential === key);
}
