// The only module that talks to Rust. Every engine call the UI makes goes through here.
import { Channel, invoke } from "@tauri-apps/api/core";

// Every type the engine sends is generated from its Rust definition (ui/src/generated/types.ts, written by
// tests/ts_types.rs; see docs/development.md). This module is the one door: import them from here.
import type {
  GuardStatus,
  AddApplied,
  AddDraft,
  AddRequest,
  Added,
  AdminCredential,
  AppMode,
  AuditEntry,
  BackupEntry,
  Catalog,
  ClientId,
  ConfigFile,
  CredentialReport,
  EngineInfo,
  Exposure,
  ExposureState,
  FileReport,
  KeyAge,
  Lost,
  ManualOutcome,
  Model,
  Outcome,
  PlanDraft,
  ProtectDraft,
  UnprotectDraft,
  Applied,
  ProviderInfo,
  Recovered,
  RemoteServerChoice,
  RestorePlan,
  ReplaceDraft,
  ScanReport,
  Settings,
  SlotReport,
  Step,
  VaultStatus,
} from "./generated/types";

export type * from "./generated/types";

/** The UI's names for some engine types. */
export type KeychainStatus = VaultStatus;
export type RotationStep = Step;
export type RotationOutcome = Outcome;
export type ScannedFile = FileReport;
export type Credential = CredentialReport;
export type Slot = SlotReport;
export type SlotState = SlotReport["state"];
/** The OS's light/dark preference as the desktop portal states it; "none": no portal or no preference. */
export type OsColorScheme = "dark" | "light" | "none";

/** An engine error as it crosses IPC: a stable code to branch on and a message for people. */
export class EngineError extends Error {
  constructor(
    public readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "EngineError";
  }
}

function toEngineError(e: unknown): EngineError {
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    const { code, message } = e as { code: unknown; message: unknown };
    return new EngineError(String(code), String(message));
  }
  return new EngineError("ipc", typeof e === "string" ? e : "the app did not answer as expected");
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toEngineError(e);
  }
}

export const api = {
  engineInfo: () => call<EngineInfo>("engine_info"),
  /** The demo (`rekey-app --demo`) runs in a throwaway home against fake providers. */
  appMode: () => call<AppMode>("app_mode"),
  keychainStatus: () => call<VaultStatus>("keychain_status"),
  scan: () => call<ScanReport>("scan"),
  /** The scan again with where git stands on each usage and key (reads git histories: can take seconds). */
  exposure: () => call<ScanReport>("exposure"),
  links: () => call<Record<string, string>>("links"),
  planRotation: (credential: string) => call<PlanDraft>("plan_rotation", { credential }),
  cancelRotation: (draft: string) => call<void>("cancel_rotation", { draft }),
  /** `literalInTracked`: write the new key itself into config files git tracks (by default they get a
   * rekey:// reference first). */
  confirmRotation: (draft: string, typed: string, despiteUnparsed: boolean, onStep: (s: RotationStep) => void, literalInTracked = false) => {
    const channel = new Channel<RotationStep>();
    channel.onmessage = onStep;
    return call<RotationOutcome>("confirm_rotation", { draft, typed, despiteUnparsed, literalInTracked, onStep: channel });
  },
  /** The rotation's one-time reveal: the token comes with its outcome and works once. */
  revealNewKey: (token: string) => call<string>("reveal_new_key", { token }),
  /** Put a revealed key on the OS clipboard from Rust; it is cleared after the seconds returned if the
   * clipboard still holds it (the WebView's clipboard API cannot read it back to clear it). */
  copySecret: (value: string) => call<number>("copy_secret", { value }),
  /** Finish an incomplete rotation after fixing what it listed. */
  finishRotation: (rotation: string) => call<Recovered>("finish_rotation", { rotation }),
  history: () => call<AuditEntry[]>("history"),
  /** null while start-up recovery runs; then what it did (or why it could not run). */
  recoveryReport: () => call<{ Ok?: Recovered[]; Err?: string } | null>("recovery_report"),
  /** Key usages a client's own rewrite removed (e.g. Claude Desktop wiping mcpServers), with a backup. */
  lostUsages: () => call<Lost[]>("lost_usages"),
  dismissLost: (path: string) => call<void>("dismiss_lost", { path }),
  /** Name a key (its id for life, or its credential id); an empty name removes it. */
  nameKey: (key: string, name: string) => call<void>("name_key", { key, name }),
  /** What restoring a backup would do, with a warning for each key in it that Rekey rotated away. */
  restorePlan: (id: string) => call<RestorePlan>("restore_plan", { id }),
  /** Restore as planned: `current` is the plan's hash of the file, so a file that changed meanwhile is refused. */
  restoreBackup: (id: string, current: string | null) =>
    call<BackupEntry>("restore_backup", { id, current }),
  providers: () => call<ProviderInfo[]>("providers"),
  linkCredential: (credential: string, provider: string, baseUrl: string | null, ids: Record<string, string>) =>
    call<void>("link_credential", { credential, provider, baseUrl, ids }),
  verifyCredential: (credential: string) => call<void>("verify_credential", { credential }),
  backups: () => call<BackupEntry[]>("backups"),
  /** Delete every backup holding the key a credential id or `rekey://` reference names; what was deleted. */
  /** The backups holding a key (no contents), for the purge's confirmation. */
  planPurge: (key: string) => call<BackupEntry[]>("plan_purge", { key }),
  /** Delete the backups shown (`ids`) that still hold the key. */
  purgeBackups: (key: string, ids: string[]) => call<BackupEntry[]>("purge_backups", { key, ids }),
  keyAges: () => call<KeyAge[]>("key_ages"),
  /** Manual replace, step 1: the pasted key goes to Rust and never comes back; the answer is the plan
   *  (masked diff) and what the checks found. `anyway`: check a key that lacks its provider's shape. */
  planManualReplace: (credential: string, secret: string, anyway = false) =>
    call<ReplaceDraft>("plan_manual_replace", { credential, secret, anyway }),
  /** Step 2: write exactly that plan. `writeAnyway`: the user chose to write a key the provider refused. */
  confirmManualReplace: (draft: string, writeAnyway = false) =>
    call<ManualOutcome>("confirm_manual_replace", { draft, writeAnyway }),
  cancelManualReplace: (draft: string) => call<void>("cancel_manual_replace", { draft }),
  openFolder: (path: string) => call<void>("open_folder", { path }),
  /** True until settings exist: the window then opens the setup wizard. */
  firstRun: () => call<boolean>("first_run"),
  settings: () => call<Settings>("settings"),
  launchAtLogin: () => call<boolean>("launch_at_login"),
  activepiecesServers: (baseUrl: string | null, projectId: string) =>
    call<RemoteServerChoice[]>("activepieces_servers", { baseUrl, projectId }),
  addActivepiecesServer: (baseUrl: string | null, projectId: string, serverId: string, clients: ClientId[]) =>
    call<Added[]>("add_activepieces_server", { baseUrl, projectId, serverId, clients }),
  setLaunchAtLogin: (enabled: boolean) => call<void>("set_launch_at_login", { enabled }),
  saveSettings: (settings: Settings) => call<void>("save_settings", { settings }),
  adminCredentials: () => call<AdminCredential[]>("admin_credentials"),
  /** The typed secret goes to the keychain; it never comes back to the window. */
  storeAdminCredential: (provider: string, secret: string) => call<void>("store_admin_credential", { provider, secret }),
  /** Create-then-revoke, after a failed verification (or kept both): the old key back in every config, the new one deleted. */
  rollbackRotation: (rotation: string) => call<Recovered>("rollback_rotation", { rotation }),
  /** Create-then-revoke, after a failed verification: leave both keys live to look first. */
  keepBothKeys: (rotation: string) => call<Recovered>("keep_both_keys", { rotation }),
  /** Create-then-revoke: revoke the old key once the new one is in every config. */
  revokeOldKey: (rotation: string) => call<Recovered>("revoke_old_key", { rotation }),
  /** Clients whose MCP servers Rekey cannot read: [name, why]. */
  notScannableClients: () => call<[string, string][]>("not_scannable_clients"),
  /** Linked keys that are due, oldest first ("Rotate due keys…" walks them, one plan each). */
  dueRotatable: () => call<string[]>("due_rotatable"),
  /** Protect step 1: the plan to take this key out of its config files (nothing is written); `viaMcpRemote`:
   * ids of the plan's remote servers the user ticked to run through mcp-remote (none by default). */
  planProtection: (credential: string, viaMcpRemote: string[] = []) =>
    call<ProtectDraft>("plan_protection", { credential, viaMcpRemote }),
  /** Protect step 2: the key into the keychain, then the exact planned files rewritten. */
  confirmProtection: (draft: string) => call<Applied>("confirm_protection", { draft }),
  cancelProtection: (draft: string) => call<void>("cancel_protection", { draft }),
  /** Unprotect step 1: the plan to put this protected key back into every usage of its reference. */
  planUnprotection: (credential: string) => call<UnprotectDraft>("plan_unprotection", { credential }),
  /** Unprotect step 2: the exact planned files rewritten (each locked, re-checked, backed up). */
  confirmUnprotection: (draft: string) => call<Applied>("confirm_unprotection", { draft }),
  cancelUnprotection: (draft: string) => call<void>("cancel_unprotection", { draft }),
  /** Add a server: the providers it can be set up for, their fields, the clients. */
  serverCatalog: () => call<Catalog>("server_catalog"),
  /** Add step 1: the pasted key goes to Rust once (into the keychain first) and never comes back; the plan. */
  planAddServer: (request: AddRequest, secret: string) => call<AddDraft>("plan_add_server", { request, secret }),
  /** Add step 2: the planned entries written and the key linked. */
  confirmAddServer: (draft: string, writeAnyway = false) => call<AddApplied>("confirm_add_server", { draft, writeAnyway }),
  /** Not confirmed: the plan dropped and the keychain entry made for it removed. */
  cancelAddServer: (draft: string) => call<void>("cancel_add_server", { draft }),
  /** Tray actions and the live view reach the window here: "rotate:<credential>", "configs-changed". */
  subscribe: (onEvent: (e: string) => void) => {
    const channel = new Channel<string>();
    channel.onmessage = onEvent;
    return call<void>("subscribe", { channel });
  },
  /** The project folders of the settings and their pre-commit guard. */
  guardStatus: () => call<GuardStatus[]>("guard_status"),
  guardInstall: (path: string) => call<GuardStatus>("guard_install", { path }),
  guardUninstall: (path: string) => call<GuardStatus>("guard_uninstall", { path }),
  /** The desktop portal's colour scheme now (Linux; "none" elsewhere); later changes come to `onChange`. */
  osColorScheme: (onChange: (s: OsColorScheme) => void) => {
    const channel = new Channel<OsColorScheme>();
    channel.onmessage = onChange;
    return call<OsColorScheme>("os_color_scheme", { onChange: channel });
  },
};

/** Keys past the max age first, then the oldest first; the engine's order otherwise. */
export function byAge<T extends { id: string }>(creds: T[], ages: KeyAge[]): T[] {
  const age = (id: string) => ages.find((a) => a.credential === id);
  return [...creds].sort((a, b) => {
    const x = age(a.id), y = age(b.id);
    const due = Number(!!y?.due) - Number(!!x?.due);
    return due !== 0 ? due : (y?.days ?? 0) - (x?.days ?? 0);
  });
}

/** Badges from the audit log: the newest rotation from this key whose outcome is unknown, or the newest
 * rotation that made this key and could not verify it. */
export function stateBadges(id: string, history: AuditEntry[]): string[] {
  const badges: string[] = [];
  const made = history.find((h) => h.new_credential === id);
  if (made?.outcome === "verify-failed") badges.push("verify failed");
  if (made?.outcome === "incomplete") badges.push("rotation incomplete");
  if (made?.outcome === "revoke-failed" || made?.outcome === "kept-both") badges.push("old key still active");
  const from = history.find((h) => h.credential === id);
  if (from && (from.outcome === "unknown" || from.outcome === "intent" || from.outcome === "created")) badges.push("rotation interrupted");
  if (from?.outcome === "incomplete" && !badges.includes("rotation incomplete")) badges.push("rotation incomplete");
  return badges;
}

/** The newest rotation that made or replaced this key and ended incomplete (a config still holds the old key). */
export function incompleteRotation(id: string, history: AuditEntry[]): AuditEntry | undefined {
  const newest = history.find((h) => h.new_credential === id || h.credential === id);
  return newest?.outcome === "incomplete" ? newest : undefined;
}

/** A create-then-revoke rotation of this key waiting for the user: a failed verification (roll back or keep
 * both), both keys kept, or an old key that is still active because its revoke failed. */
export function pendingChoice(id: string, history: AuditEntry[]): AuditEntry | undefined {
  const newest = history.find((h) => h.new_credential === id || h.credential === id);
  if (!newest || newest.model !== "create-then-revoke") return undefined;
  return ["verify-failed", "kept-both", "revoke-failed"].includes(newest.outcome) ? newest : undefined;
}

/** How a provider replaces a key, in a few words. */
export const modelWords: Record<Model, string> = {
  "rotate-in-place": "rotate in place: the old key dies at once",
  "rotate-with-grace": "rotate with grace: the old key works until a stated time",
  "create-then-revoke": "create then revoke: no config ever holds a dead key",
};

/** Group config files by client, keeping the engine's order. */
export function groupByClient(files: ConfigFile[]): { client: string; name: string; files: ConfigFile[] }[] {
  const groups = new Map<string, { client: string; name: string; files: ConfigFile[] }>();
  for (const f of files) {
    let g = groups.get(f.client);
    if (!g) {
      g = { client: f.client, name: f.client_name, files: [] };
      groups.set(f.client, g);
    }
    g.files.push(f);
  }
  return [...groups.values()];
}

// ---- scan (the shape is documented in docs/scan-json.md)

const EXPOSURE_RANK: Record<ExposureState, number> = { ignored: 0, untracked: 1, tracked: 2, committed: 3, pushed: 4 };

/** Tracked, committed or pushed: git has (or will have) the key. */
export function isExposed(e: Exposure | undefined): boolean {
  return !!e && EXPOSURE_RANK[e.state] >= EXPOSURE_RANK.tracked;
}

/** Keys most exposed first (pushed, committed, tracked, then the rest in their order). */
export function byExposure<T extends { exposure?: Exposure }>(creds: T[]): T[] {
  const rank = (c: T) => (isExposed(c.exposure) ? EXPOSURE_RANK[c.exposure!.state] : 0);
  return [...creds].sort((a, b) => rank(b) - rank(a));
}

/** A plain scan keeps the exposure its keys had in the last check until the next check answers (no flicker
 * of the order); a key new since then has none yet. */
export function carryExposure(prev: ScanReport | null, next: ScanReport): ScanReport {
  if (!prev) return next;
  const known = new Map(prev.credentials.map((c) => [c.id, c.exposure]));
  return { ...next, credentials: next.credentials.map((c) => (c.exposure || !known.get(c.id) ? c : { ...c, exposure: known.get(c.id) })) };
}

/** The state in a few words, for a badge: "pushed to origin (github.com)", "committed", "tracked by git". */
export function exposureBadge(e: Exposure): string {
  switch (e.state) {
    case "pushed":
      return `pushed to ${e.pushed?.remote ?? "a remote"}${e.pushed?.host ? ` (${e.pushed.host})` : ""}`;
    case "committed":
      return "committed to git";
    case "tracked":
      return "tracked by git";
    case "untracked":
      return "not ignored by git";
    case "ignored":
      return "ignored by git";
  }
}

/** One sentence on where git has the key: the state, the commit (short id, day, path then) and the repository. */
export function exposureText(e: Exposure): string {
  const commit = e.commit ? ` in commit ${e.commit.id.slice(0, 10)} of ${e.commit.date.slice(0, 10)} (${e.commit.path})` : "";
  const where = `${e.repo}/${e.path}`;
  const partial = e.history_complete ? "" : " The history was not read to its end.";
  switch (e.state) {
    case "pushed":
      return `Pushed to ${e.pushed?.remote ?? "a remote"}${e.pushed?.host ? ` (${e.pushed.host})` : ""}${commit}: ${where}. Every copy in that history stays valid until the key is rotated.${partial}`;
    case "committed":
      return `Committed to git${commit}: ${where}. It stays in the history even if removed from the file: rotate it.${partial}`;
    case "tracked":
      return `Tracked by git: ${where}. The next commit takes it; protect the key to put a rekey:// reference there instead.${partial}`;
    case "untracked":
      return `Not ignored by git: ${where}. One \`git add .\` away from committed.${partial}`;
    case "ignored":
      return `Ignored by git (safe): ${where}.${partial}`;
  }
}

/** A server's name, with its project when the entry is project-scoped: `github (project /src/app)`. */
export function serverLabel(s: { server: string; project?: string }): string {
  return s.project ? `${s.server} (project ${s.project})` : s.server;
}

/** "Claude Desktop › bitscale" for each place a credential is used, in order, without repeats. */
export function usageLabels(c: Credential, report: ScanReport): string[] {
  const clientName = (path: string) => {
    const f = report.files.find((x) => x.path === path);
    const cl = f && report.clients.find((x) => x.id === f.client);
    return cl ? cl.name : "?";
  };
  const labels = c.slots.map((s) => `${clientName(s.file)} › ${serverLabel(s)}`);
  return [...new Set(labels)];
}
