// The only module that talks to Rust. Every engine call the UI makes goes through here.
import { Channel, invoke } from "@tauri-apps/api/core";

export type Platform = "linux" | "macos" | "windows";
export type Format = "json" | "jsonc" | "toml";

export interface ConfigFile {
  client: string;
  client_name: string;
  path: string;
  format: Format;
  scope: "user" | "project";
  variant?: string;
  exists: boolean;
}

export interface EngineInfo {
  version: string;
  platform: Platform;
  config_files: ConfigFile[];
}

export interface KeychainStatus {
  available: boolean;
  backend: string;
  error_code?: string;
  message?: string;
}

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
  appMode: () => call<{ demo: boolean; home?: string }>("app_mode"),
  keychainStatus: () => call<KeychainStatus>("keychain_status"),
  scan: () => call<ScanReport>("scan"),
  links: () => call<Record<string, string>>("links"),
  planRotation: (credential: string) => call<{ draft: string; plan: RotationPlan }>("plan_rotation", { credential }),
  cancelRotation: (draft: string) => call<void>("cancel_rotation", { draft }),
  confirmRotation: (draft: string, typed: string, despiteUnparsed: boolean, onStep: (s: RotationStep) => void) => {
    const channel = new Channel<RotationStep>();
    channel.onmessage = onStep;
    return call<RotationOutcome>("confirm_rotation", { draft, typed, despiteUnparsed, onStep: channel });
  },
  /** The rotation's one-time reveal: the token comes with its outcome and works once. */
  revealNewKey: (token: string) => call<string>("reveal_new_key", { token }),
  /** Finish an incomplete rotation after fixing what it listed. */
  finishRotation: (rotation: string) => call<Recovered>("finish_rotation", { rotation }),
  history: () => call<AuditEntry[]>("history"),
  /** null while start-up recovery runs; then what it did (or why it could not run). */
  recoveryReport: () => call<{ Ok?: Recovered[]; Err?: string } | null>("recovery_report"),
  /** Key usages a client's own rewrite removed (e.g. Claude Desktop wiping mcpServers), with a backup. */
  lostUsages: () => call<Lost[]>("lost_usages"),
  dismissLost: (path: string) => call<void>("dismiss_lost", { path }),
  restoreBackup: (id: string) => call<BackupEntry>("restore_backup", { id }),
  providers: () => call<ProviderInfo[]>("providers"),
  linkCredential: (credential: string, provider: string, baseUrl: string | null, ids: Record<string, string>) =>
    call<void>("link_credential", { credential, provider, baseUrl, ids }),
  verifyCredential: (credential: string) => call<void>("verify_credential", { credential }),
  backups: () => call<BackupEntry[]>("backups"),
  keyAges: () => call<KeyAge[]>("key_ages"),
  /** Manual replace: the pasted key goes to Rust once and never comes back. */
  replaceManually: (credential: string, secret: string) =>
    call<{ path: string; ok: boolean; backup?: string; error?: string }[]>("replace_manually", { credential, secret }),
  openFolder: (path: string) => call<void>("open_folder", { path }),
  /** True until settings exist: the window then opens the setup wizard. */
  firstRun: () => call<boolean>("first_run"),
  settings: () => call<Settings>("settings"),
  launchAtLogin: () => call<boolean>("launch_at_login"),
  activepiecesServers: (baseUrl: string | null, projectId: string) =>
    call<{ id: string; name: string }[]>("activepieces_servers", { baseUrl, projectId }),
  addActivepiecesServer: (baseUrl: string | null, projectId: string, serverId: string, clients: string[]) =>
    call<{ client: string; path: string; error?: string }[]>("add_activepieces_server", { baseUrl, projectId, serverId, clients }),
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
  /** Tray actions and the live view reach the window here: "rotate:<credential>", "configs-changed". */
  subscribe: (onEvent: (e: string) => void) => {
    const channel = new Channel<string>();
    channel.onmessage = onEvent;
    return call<void>("subscribe", { channel });
  },
};

export interface Settings {
  project_folders: string[];
  max_key_age_days: number;
  grace_minutes: number;
  /** Desktop notifications when a key becomes due (at most once a day per key). */
  notify_due: boolean;
}

export interface AdminCredential {
  provider: string;
  name: string;
  stored: boolean;
  masked?: string;
}

export interface KeyAge {
  credential: string;
  since: string;
  days: number;
  /** Older than the max key age setting (90 days by default). */
  due: boolean;
}

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

export interface ProviderInfo {
  id: string;
  name: string;
  auth: string;
  grace: boolean;
  model: Model;
  /** What the admin credential must be, where the ids come from ("" when nothing to add). */
  help: string;
  /** The ids a link needs, e.g. ["server_id"]. */
  ids: string[];
  default_base_url: string;
}

export interface BackupEntry {
  id: string;
  original: string;
  created: string;
  size: number;
  parsed: boolean;
}

export interface Lost {
  path: string;
  client: string;
  servers: string[];
  backup?: BackupEntry;
}

/** One line of the audit log (audit.jsonl): never a secret. */
export interface AuditEntry {
  time: string;
  rotation: string;
  provider: string;
  credential: string;
  new_credential?: string;
  new_key?: string;
  outcome: RotationStep;
  model?: Model;
  message?: string;
  /** Usages still on the old key when the rotation ended (outcome "incomplete"). */
  left?: string[];
  files: string[];
}

export type RotationStep =
  | "intent"
  | "unknown"
  | "failed"
  | "held"
  | "shown"
  | "written"
  | "verified"
  | "verify-failed"
  | "incomplete"
  | "created"
  | "revoked"
  | "revoke-failed"
  | "rolled-back"
  | "kept-both";

export type Model = "rotate-in-place" | "rotate-with-grace" | "create-then-revoke";

/** A place outside the configs that holds (or may hold) the key: the user updates it by hand. */
export interface AlsoUpdate {
  certainty: "holds" | "may-hold";
  client: string;
  client_name: string;
  source: string;
  lives_in: string;
  update: string;
  file: string;
}

export interface RotationPlan {
  credential: string;
  masked: string;
  provider: string;
  provider_name: string;
  model: Model;
  /** What the user risks, in plain words (the confirm step says it). */
  risk: string;
  grace_seconds?: number;
  replace: {
    files: { path: string; client: string; changes: { server: string; project?: string; location: string; before: string; after: string }[] }[];
    /** Configs that hold the key but do not parse: the rotation needs an explicit go-ahead and ends incomplete. */
    unparsed: { path: string; client: string; line: number; reason: string }[];
  };
  preflight: { ok: boolean; message: string }[];
  warnings: string[];
  restart: [string, string][];
  also_update: AlsoUpdate[];
}

export interface RotationOutcome {
  rotation: string;
  step: RotationStep;
  new_credential?: string;
  new_masked?: string;
  stored_in_keychain: boolean;
  files: { path: string; ok: boolean; error?: string }[];
  verify_error?: string;
  /** Usages still on the old key (step "incomplete"). */
  left?: string[];
  restart: [string, string][];
  /** Exchanged once for the new key (`revealNewKey`). */
  reveal_token?: string;
  /** Only when the keychain refused the key: this is its one copy. */
  secret_to_show?: string;
  model: Model;
  /** What became of the old key: "old key revoked", "old key still valid until …", … */
  old_key: string;
  also_update: AlsoUpdate[];
}

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

export type SlotState = "secret" | "placeholder" | "reference";

export interface Slot {
  file: string;
  server: string;
  /** Claude Code local scope: the project the server belongs to. */
  project?: string;
  kind: string;
  location: string;
  masked: string;
  state: SlotState;
  lives_in?: string;
  credential?: string;
  provider?: string;
}

export interface ScannedFile {
  path: string;
  client: string;
  format: Format;
  scope: "user" | "project";
  variant?: string;
  status: "ok" | "invalid" | "unreadable";
  error?: string;
  servers: { name: string; project?: string; slots: Slot[] }[];
}

export interface Credential {
  id: string;
  masked: string;
  provider?: string;
  usages: number;
  slots: Slot[];
}

export interface ScanReport {
  clients: { id: string; name: string; installed: boolean; files: number; restart_hint: string }[];
  files: ScannedFile[];
  credentials: Credential[];
  /** Places outside the configs Rekey rewrites that hold a key (extension settings, plugin secrets). */
  held_elsewhere: HeldElsewhere[];
}

export interface HeldElsewhere {
  client: string;
  source: string;
  file: string;
  lives_in: string;
  update: string;
  credential?: string;
  masked?: string;
  provider?: string;
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

/** What start-up recovery did with one interrupted rotation. */
export interface Recovered {
  rotation: string;
  provider: string;
  step: RotationStep;
  message: string;
  left?: string[];
}
