// Generated from the engine's Rust types by tests/ts_types.rs (ts-rs): do not edit by hand.
// Regenerate: REKEY_BLESS=1 cargo test -p rekey --test ts_types

/**
 * What `rekey add` did.
 */
export type AddApplied = { server: string, credential: string, reference?: string, files: Array<FileResult>, 
/**
 * The key is linked to its provider (at least one file was written).
 */
linked: boolean, restart: Array<[string, string]>, };

/**
 * An add-a-server plan the window shows, and the draft id that confirms or cancels exactly that plan.
 */
export type AddDraft = { draft: string, plan: AddPlan, };

/**
 * One config file the plan changes.
 */
export type AddFile = { path: string, client: ClientId, client_name: string, format: Format, 
/**
 * The file does not exist yet: it is created (private).
 */
created: boolean, 
/**
 * The remote server runs through `npx -y mcp-remote`.
 */
via_mcp_remote: boolean, 
/**
 * The change, line by line (`- ` removed, `+ ` added), the key masked.
 */
diff: Array<string>, };

/**
 * Everything `rekey add` shows before it asks.
 */
export type AddPlan = { provider: string, provider_name: string, server: string, protected: boolean, 
/**
 * Protected: the reference the configs hold (`rekey://<id>`).
 */
reference?: string, 
/**
 * The key's credential id (what `rekey scan`, `rekey rotate` call it).
 */
credential: string, masked: string, 
/**
 * The keychain entry that keeps the key (`ref:<id>`, or `credential:<id>` when literal).
 */
account: string, 
/**
 * Protected: the program the entries start (`<rekey> exec -- …`).
 */
rekey_bin?: string, files: Array<AddFile>, 
/**
 * The link the key gets, for rotation (no secret in it).
 */
link: Link, notes: Array<string>, restart: Array<[string, string]>, 
/**
 * What the provider said of the key before anything was written. A refused key is written only
 * when the user says to write it anyway ([`apply_add`]'s `write_anyway`).
 */
verification: Verification, };

/**
 * What the user asks for.
 */
export type AddRequest = { 
/**
 * The provider id (`bitscale`).
 */
provider: string, 
/**
 * The server's name in the configs (default: the template's).
 */
name: string | null, 
/**
 * The template's fields (`agent_id`, `url`, …).
 */
ids: { [key in string]: string }, clients: Array<ClientId>, 
/**
 * Write the key itself into the configs instead of a `rekey://` reference.
 */
literal: boolean, 
/**
 * The provider's API URL for the link (self-hosted servers, tests).
 */
base_url: string | null, };

/**
 * What adding a server to one client did.
 */
export type Added = { client: string, path: string, error?: string, };

/**
 * A provider that rotates with an admin credential, and whether one is in the keychain (masked only).
 */
export type AdminCredential = { provider: string, name: string, stored: boolean, masked?: string, };

/**
 * One place to update by hand after the rotation (`plan --json`'s and `rotate --json`'s
 * `also_update[]`; the field names are stable).
 */
export type AlsoUpdate = { certainty: Certainty, client: ClientId, client_name: string, 
/**
 * What holds it: "Claude Code plugin linear@official, option api_key".
 */
source: string, 
/**
 * Where the value lives.
 */
lives_in: string, 
/**
 * What the user does there.
 */
update: string, 
/**
 * The file it was found in (Rekey never writes it).
 */
file: string, };

/**
 * Whether the app runs as the demo (`rekey-app --demo`), and its throwaway home.
 */
export type AppMode = { demo: boolean, home?: string, };

/**
 * What Protect or Unprotect did.
 */
export type Applied = { reference: string, files: Array<FileResult>, restart: Array<[string, string]>, 
/**
 * What the user should know besides the files (a keychain entry kept because a config that does
 * not parse may still use it, …).
 */
notes?: Array<string>, 
/**
 * Protect: backups older than this change that still hold the key in plaintext (the ones it made
 * itself are removed once it is verified); `rekey backups --purge` deletes them.
 */
older_backups?: Array<BackupEntry>, };

/**
 * One line of the audit log (never a secret). Every field is written (`null` when unknown); lines from
 * versions that wrote fewer fields read with the defaults.
 */
export type AuditEntry = { time: string, 
/**
 * What kind of change this line records (`rotate` in lines written before other kinds were).
 */
kind: Kind, 
/**
 * The change's id: a rotation's id (`rekey finish <id>`), or the id of another kind of change.
 */
rotation: string, 
/**
 * The key's id for life ([`super::keys`]), when known.
 */
key: string | null, 
/**
 * The provider (empty when the key is linked to none).
 */
provider: string, 
/**
 * The credential's id before the change.
 */
credential: string, new_credential: string | null, 
/**
 * The new key, masked.
 */
new_key: string | null, 
/**
 * The step the change ended at (another kind than a rotation: `written`, `incomplete` when some
 * usage could not be changed, `failed` when nothing changed, `unknown` when it was interrupted).
 */
outcome: Step, model: Model | null, 
/**
 * Create-then-revoke: the provider's ids of the old and the new key (not secrets).
 */
old_key_id: string | null, new_key_id: string | null, message: string | null, 
/**
 * Usages still on the old key when the rotation ended (`incomplete`).
 */
left: Array<string>, 
/**
 * The config files that were written.
 */
files: Array<string>, };

export type BackupEntry = { id: string, 
/**
 * The config file this is a copy of, as the user knows it (not resolved through symlinks).
 */
original: string, created: string, hash: string, size: number, 
/**
 * Did the copy parse when it was taken?
 */
parsed: boolean, };

/**
 * Everything the wizard and `rekey add --list` show.
 */
export type Catalog = { templates: Array<Offered>, 
/**
 * (provider id, why it cannot be added)
 */
left_out: Array<[string, string]>, 
/**
 * The clients a server can be added to: (id, name).
 */
clients: Array<[ClientId, string]>, };

/**
 * How sure the plan is that a place outside the configs holds the key being rotated.
 */
export type Certainty = "holds" | "may-hold";

export type Change = { server: string, 
/**
 * Claude Code local scope: the project the server entry belongs to.
 */
project?: string, location: string, kind: SlotKind, before: string, after: string, };

export type Check = { ok: boolean, message: string, };

/**
 * How the new key was checked, in the outcome.
 */
export type Checked = "verified" | "written-anyway" | "not-linked";

/**
 * Stable identifiers of the supported clients.
 */
export type ClientId = "claude-desktop" | "claude-code" | "cursor" | "vscode" | "windsurf" | "gemini-cli" | "zed" | "cline" | "roo-code" | "lm-studio" | "codex" | "opencode" | "kiro" | "antigravity" | "trae" | "copilot-cli" | "amazon-q" | "warp" | "qwen-code" | "devin-desktop" | "junie" | "crush" | "amp" | "kilo-code" | "augment" | "boltai" | "visual-studio" | "goose" | "continue" | "librechat";

export type ClientReport = { id: ClientId, name: string, 
/**
 * At least one of its config files exists.
 */
installed: boolean, files: number, restart_hint: string, };

/**
 * The first commit found holding the key.
 */
export type CommitRef = { 
/**
 * The commit's id (hex).
 */
id: string, 
/**
 * When it was made (RFC 3339, UTC).
 */
date: string, 
/**
 * The path the file had in that commit.
 */
path: string, };

/**
 * A client's config file as the engine reports it.
 */
export type ConfigFile = { client_name: string, exists: boolean, client: ClientId, path: string, format: Format, scope: Scope, 
/**
 * Which variant this is when a client has several ("Insiders", "MSIX", "legacy settings.json").
 */
variant?: string, };

export type CredentialReport = { 
/**
 * The fingerprint of this value (`cred_…`): it changes when the key's value does. Commands take
 * it, and keep taking it after a rotation as long as it names one key (see `key`).
 */
id: string, 
/**
 * The key's id for life (`bitscale-1a2b3c4d`): it follows the key through rotations, replaces,
 * protect and unprotect. Hold this one in scripts. (Set by `Context::scan`.)
 */
key?: string, 
/**
 * The name the user gave the key, if any.
 */
name?: string, 
/**
 * This value is one the key had before: Rekey rotated or replaced it away (a config restored
 * from a backup, a client that wrote its old copy back). It is most likely no longer valid.
 */
superseded: boolean, masked: string, provider?: string, usages: number, slots: Array<SlotReport>, 
/**
 * The most serious exposure of the key: of its usages, and of every history it was found in.
 */
exposure?: Exposure, };

/**
 * What the app's first screen shows: the engine's version and where it looks for MCP configs.
 */
export type EngineInfo = { version: string, platform: Platform, config_files: Array<ConfigFile>, 
/**
 * The `rekey` CLI protected entries start ([`protect::rekey_bin`]), shown in Settings.
 */
rekey_cli?: string, 
/**
 * Why the CLI cannot be found (then `rekey_cli` is absent).
 */
rekey_cli_error?: string, };

/**
 * The exposure of one usage (or of a key: its most serious).
 */
export type Exposure = { state: ExposureState, 
/**
 * The work tree.
 */
repo: string, 
/**
 * The file's path in the repository (`/`-separated); for a key found only in a history, the path
 * it had there.
 */
path: string, tracked: boolean, ignored: boolean, commit?: CommitRef, pushed?: Pushed, 
/**
 * False when the history could not be read to its end (deadline, missing objects): a key reported
 * as not committed may be.
 */
history_complete: boolean, };

/**
 * How exposed a usage (or a key) is, least serious first.
 */
export type ExposureState = "ignored" | "untracked" | "tracked" | "committed" | "pushed";

/**
 * One value the user gives.
 */
export type Field = { 
/**
 * The name (`agent_id`): `--id agent_id=…`, `{agent_id}` in the template, the link id.
 */
id: string, label: string, kind: FieldKind, required: boolean, 
/**
 * Used when the user leaves it empty.
 */
default?: string, 
/**
 * The value is one of the provider link's ids.
 */
link: boolean, help: string, };

/**
 * What kind of value a field takes (and how it is checked).
 */
export type FieldKind = "id" | "url";

/**
 * One config file that changes.
 */
export type FileChange = { path: string, client: ClientId, format: Format, usages: Array<Usage>, 
/**
 * Servers whose `command` changes (wrapped in `rekey exec --`, or unwrapped).
 */
commands: Array<string>, 
/**
 * Remote servers that will run through `rekey exec -- npx -y mcp-remote` (or go back to their URL).
 */
mcp_remote: Array<string>, };

export type FilePlan = { path: string, client: ClientId, format: Format, hash: string, changes: Array<Change>, };

export type FileReport = { path: string, client: ClientId, format: Format, scope: Scope, variant?: string, status: FileStatus, error?: string, 
/**
 * BLAKE3 hash of the bytes scanned (hex); a write re-checks the file against what was scanned.
 */
hash?: string, servers: Array<ServerReport>, };

/**
 * The outcome for one file of a change.
 */
export type FileResult = { path: string, ok: boolean, backup?: string, error?: string, };

export type FileStatus = "ok" | "invalid" | "unreadable";

/**
 * File format of a config file.
 */
export type Format = "json" | "jsonc" | "toml" | "yaml";

/**
 * A project folder and its guard, for the app's Settings.
 */
export type GuardStatus = { path: string, 
/**
 * It is inside a git work tree (else there is nothing to guard).
 */
repo: boolean, 
/**
 * Rekey's hook is installed where git looks for this repository's hooks.
 */
guarded: boolean, 
/**
 * A hook of the project's own runs first.
 */
chained: boolean, 
/**
 * What is wrong, in a sentence: git's answer when it is not a repository (or git is missing, or
 * refuses the folder), or a guard whose `rekey` is gone (every commit stops until it is installed
 * again).
 */
problem?: string, };

/**
 * A place outside the configs Rekey rewrites that holds (or may hold) a key. `rekey scan --json`'s
 * `held_elsewhere[]`; the field names are stable.
 */
export type HeldElsewhere = { client: ClientId, 
/**
 * What holds it, in the client's words: "Claude Code plugin linear@official, option api_key".
 */
source: string, 
/**
 * The file it was found in (Rekey never writes it).
 */
file: string, 
/**
 * Where the value lives.
 */
lives_in: string, 
/**
 * How the user updates it there.
 */
update: string, 
/**
 * The credential id, when Rekey could read the value (not for encrypted or keychain values).
 */
credential?: string, 
/**
 * The masked value: plain `.env` values only (never anything from `.credentials.json`).
 */
masked?: string, 
/**
 * The provider guessed from the names around it (and the value, when known).
 */
provider?: string, };

/**
 * How old a key is: since the rotation that made it, else since Rekey first saw it.
 */
export type KeyAge = { credential: string, since: string, days: number, 
/**
 * Older than the `max_key_age_days` setting.
 */
due: boolean, };

/**
 * The kinds of change.
 */
export type Kind = "rotate" | "finish" | "rollback" | "keep-both" | "revoke-old" | "replace" | "protect" | "unprotect" | "add" | "restore" | "purge";

/**
 * How a credential is tied to a provider account: kept in Rekey's data dir, never with a secret in it.
 */
export type Link = { provider: string, 
/**
 * Overrides the provider's production URL (self-hosted servers, tests).
 */
base_url?: string, 
/**
 * Which stored admin credential to use (`rekey login <provider> --account NAME`).
 */
account?: string, 
/**
 * The provider's ids: `server_id`, `tenant`, `integration`, `account_id`, `token_id`, `agent_id`,
 * and for Cloudflare Access `client_id` and `app_url` (an application behind Access to verify against).
 */
ids: { [key in string]: string }, };

/**
 * MCP servers holding keys that were in a file and are gone from it now, though the file still parses.
 */
export type Lost = { path: string, client: string, 
/**
 * The servers (with key usages) that disappeared.
 */
servers: Array<string>, 
/**
 * The backup a restore puts back: the content seen before the rewrite (or the newest that parsed).
 */
backup?: BackupEntry, };

/**
 * What a manual replace did: for the user, and for the change pipeline's history. No secret.
 */
export type ManualOutcome = { credential: string, new_credential: string, new_masked: string, files: Array<FileResult>, check: Checked, 
/**
 * The key did not have its provider's shape and the user used it anyway.
 */
shape_overridden: boolean, 
/**
 * The provider link moved from `credential` to `new_credential`.
 */
link_moved: boolean, };

/**
 * A manual replace the user is asked to confirm: every usage with its masked diff, and what the checks
 * found. Serializes no secret; it holds the new key (never serialized) until it is applied or dropped.
 */
export type ManualPlan = { 
/**
 * The key's id now, and the id it will have (credential ids are fingerprints of the value).
 */
credential: string, new_credential: string, old_masked: string, new_masked: string, 
/**
 * The linked provider, else the one the scan guessed.
 */
provider?: string, provider_name?: string, linked: boolean, shape: ShapeCheck, 
/**
 * The plan was made with "use it anyway" (the shape check is overridden; the key was checked).
 */
anyway: boolean, verification: Verification, files: Array<FilePlan>, 
/**
 * Usages of the old value Rekey cannot rewrite (references to other stores).
 */
skipped: Array<string>, 
/**
 * Config files that hold the old value but could not be parsed or read: they stay on the old value
 * until the user fixes them.
 */
unparsed: Array<Unparsed>, };

/**
 * How a provider replaces a key (issue 11): what the plan and the confirm step tell the user.
 */
export type Model = "rotate-in-place" | "rotate-with-grace" | "create-then-revoke";

/**
 * A template and its provider's name, as the wizard lists it.
 */
export type Offered = { 
/**
 * The provider's name (`BitScale`).
 */
name: string, 
/**
 * The provider id (`rekey providers`).
 */
provider: string, 
/**
 * The server's default name in the configs.
 */
server: string, summary: string, 
/**
 * Where the entry's shape is documented.
 */
source: string, fields: Array<Field>, run: Run, 
/**
 * The link's base URL, made from fields (`{instance}/api`); `None`: the provider's default (or
 * `--base-url`).
 */
link_base?: string, };

/**
 * What a rotation did.
 */
export type Outcome = { rotation: string, step: Step, new_credential: string | null, new_masked: string | null, stored_in_keychain: boolean, files: Array<FileResult>, verify_error?: string, 
/**
 * Usages still on the old key (`incomplete`): what the user must fix before Finish.
 */
left?: Array<string>, restart: Array<[string, string]>, 
/**
 * The plan's places outside the configs that hold (or may hold) the old key: a to-do for the user,
 * never counted as `incomplete` (Rekey cannot write there).
 */
also_update: Array<AlsoUpdate>, 
/**
 * The one-time token the app exchanges for the new key (`reveal`), once. Only the window that ran
 * the rotation gets it; the journal keeps its hash.
 */
reveal_token?: string, 
/**
 * The new secret, only when it must be shown because the keychain refused it (then this is the one
 * place it exists). Serialized for the app's one-time display in that case only.
 *
 * (Before it: how the key was replaced, and what became of the old key, in plain words.)
 */
secret_to_show?: string, model: Model, 
/**
 * What became of the old key: "old key revoked", "old key still valid until …", "old key still
 * active: revoke it (…)", "old key stopped working at once".
 */
old_key: string, };

/**
 * A rotation plan the window shows, and the draft id that confirms or cancels exactly that plan.
 */
export type PlanDraft = { draft: string, plan: RotationPlan, };

/**
 * The OS whose conventions a path follows.
 */
export type Platform = "linux" | "macos" | "windows";

/**
 * A protect plan the window shows, and the draft id that confirms or cancels exactly that plan.
 */
export type ProtectDraft = { draft: string, plan: ProtectPlan, };

/**
 * Everything `rekey protect` shows before it asks.
 */
export type ProtectPlan = { credential: string, masked: string, provider?: string, 
/**
 * The new reference id: the keychain entry is `ref:<id>`, configs hold `rekey://<id>`.
 */
reference: string, 
/**
 * The program wrapped entries start (`rekey exec -- …`).
 */
rekey_bin: string, files: Array<FileChange>, 
/**
 * Usages that stay literal, each with why.
 */
cannot: Array<Refused>, 
/**
 * Remote servers (the client connects to a URL) whose key can be protected by running them through
 * mcp-remote, each chosen or not (off unless asked for).
 */
remote: Array<RemoteOption>, 
/**
 * The `npx` found on PATH, which converted entries start.
 */
npx?: string, notes: Array<string>, restart: Array<[string, string]>, };

/**
 * What the UI and `rekey providers --json` show of one provider (the field names are stable).
 */
export type ProviderInfo = { id: string, name: string, 
/**
 * How the rotate call authenticates.
 */
auth: RotateAuth, 
/**
 * The provider can keep the old key working for a while (grace period).
 */
grace: boolean, 
/**
 * The ids a link needs, e.g. `["server_id"]`.
 */
ids: Array<string>, default_base_url: string, 
/**
 * How the key is replaced (for a link without ids).
 */
model: Model, 
/**
 * What the user needs to know before linking ("" when nothing).
 */
help: string, };

/**
 * Where a pushed key went.
 */
export type Pushed = { 
/**
 * The remote whose tracking refs reach the commit (`origin`).
 */
remote: string, 
/**
 * Its fetch URL's host (`github.com`); never the URL, which may hold a token. None for a local path.
 */
host?: string, };

/**
 * What recovery (or Finish) did with one rotation.
 */
export type Recovered = { rotation: string, provider: string, step: Step, message: string, left?: Array<string>, };

/**
 * A usage that stays as it is, and why.
 */
export type Refused = { file: string, client: ClientId, server: string, location: string, reason: string, };

/**
 * A remote usage that can be protected by running it through mcp-remote, if the user chooses it.
 */
export type RemoteOption = { 
/**
 * What a choice names (`--via-mcp-remote` takes all; the app sends the ids ticked).
 */
id: string, file: string, client: ClientId, server: string, project?: string, 
/**
 * The host the server's URL names (the rest of a URL may hold a token Rekey does not recognise).
 */
host: string, 
/**
 * Whether this plan runs it through mcp-remote.
 */
chosen: boolean, };

/**
 * An Activepieces MCP server as the window sees it (the token in its URL never leaves the engine).
 */
export type RemoteServerChoice = { id: string, name: string, };

/**
 * A manual-replace plan the window shows, and the draft id that confirms or cancels exactly that plan.
 */
export type ReplaceDraft = { draft: string, plan: ManualPlan, };

/**
 * What will change, file by file. Serializes no secret values.
 */
export type ReplacePlan = { files: Array<FilePlan>, 
/**
 * Usages of the old value Rekey cannot rewrite (references to other stores).
 */
skipped: Array<string>, 
/**
 * Config files that hold the old value but could not be parsed or read: they stay on the old value
 * until the user fixes them.
 */
unparsed: Array<Unparsed>, };

/**
 * What a restore would do, shown before the user confirms.
 */
export type RestorePlan = { backup: BackupEntry, 
/**
 * One line per value of the copy that Rekey rotated or replaced away (never the value).
 */
warnings: Array<string>, 
/**
 * The keys (ids for life) the file holds now or the copy holds: their changes wait for this one.
 */
keys: Array<string>, 
/**
 * A digest of what the plan showed: the file's content when planned and the warnings (`None`: the
 * file does not exist now). The app sends it back with the confirmation, so a file that changed, or
 * a warning that appeared, while the user looked is not restored over.
 */
current?: string, };

/**
 * How the rotate call proves who it is.
 */
export type RotateAuth = "current-key" | "admin-credential";

/**
 * Everything the user confirms. Holds the current secret and admin credential for the call, which are
 * never serialized.
 */
export type RotationPlan = { credential: string, masked: string, provider: string, provider_name: string, link: Link, 
/**
 * How the key is replaced, and what the user risks, in plain words (the confirm step says it).
 */
model: Model, risk: string, 
/**
 * Seconds the old key keeps working after the call (providers with a grace period only).
 */
grace_seconds?: number, replace: ReplacePlan, preflight: Array<Check>, warnings: Array<string>, 
/**
 * Clients whose files change, and what to do so they pick the new key up.
 */
restart: Array<[string, string]>, 
/**
 * Places outside the configs Rekey rewrites that hold this key, or may hold it: the user updates
 * them by hand after the rotation (Rekey cannot write there, so they never make it `incomplete`).
 */
also_update: Array<AlsoUpdate>, 
/**
 * The `rekey://` references that hold this key (protected usages): the rotation puts the new key in
 * their keychain entries, and their configs do not change.
 */
protected?: Array<string>, 
/**
 * Config files git tracks that hold this key literally: before the provider's call the rotation
 * protects the key there (a `rekey://` reference, the server run through `rekey exec`), so the new
 * key is never written into a file the next commit takes; the other configs get the new key.
 * Empty after [`RotationPlan::write_literal_in_tracked`].
 */
protect_first?: Array<string>, 
/**
 * Where git has this key (committed, pushed, a tracked file), when it does: see
 * [`crate::exposure`]. After the rotation Rekey checks that the provider refuses the old key.
 */
exposure?: Exposure, 
/**
 * What the user should know about the plan ("0 files change; …").
 */
notes?: Array<string>, };

/**
 * How the server starts.
 */
export type Run = { "kind": "stdio", command: string, args: Array<string>, env: Array<[string, string]>, } | { "kind": "remote", url: string, headers: Array<[string, string]>, header_env: string, };

/**
 * The whole picture: `clients`, `files`, `credentials`, `held_elsewhere` (the stable JSON shape of
 * `rekey scan --json`).
 */
export type ScanReport = { clients: Array<ClientReport>, files: Array<FileReport>, credentials: Array<CredentialReport>, 
/**
 * Places outside the configs Rekey rewrites that hold a key ([`outside`]).
 */
held_elsewhere: Array<HeldElsewhere>, 
/**
 * Counts for the overview: what is left in plaintext, what is protected.
 */
summary: Summary, 
/**
 * Protected entries whose `rekey` (the `command` of `rekey exec --`) no longer exists or cannot run:
 * their servers cannot start until Rekey is reinstalled or the entry is protected again.
 * Protected entries whose `rekey` is gone (filled by the engine's joined scan, `Context::scan`).
 */
stale_rekey: Array<StaleRekey>, };

/**
 * Global (per user) or project (per folder) scope.
 */
export type Scope = "user" | "project";

export type ServerReport = { name: string, 
/**
 * Claude Code local scope: the project path the entry belongs to.
 */
project?: string, slots: Array<SlotReport>, };

/**
 * Rekey's settings file (`settings.json` in the data dir). Holds no secrets.
 */
export type Settings = { 
/**
 * Project folders to scan for `.mcp.json`, `.cursor/mcp.json`, `.vscode/mcp.json`, …
 */
project_folders: Array<string>, 
/**
 * Keys older than this are due for rotation (listed first, counted in the tray).
 */
max_key_age_days: number, 
/**
 * How long an old key keeps working after a rotation, for providers with a grace period
 * (Cloudflare Access), unless a rotation says otherwise.
 */
grace_minutes: number, 
/**
 * Desktop notifications when a key becomes due (at most once a day per key).
 */
notify_due: boolean, };

/**
 * Does the new key look like its provider's keys?
 */
export type ShapeCheck = { "state": "matches", provider: string, } | { "state": "unknown" } | { "state": "mismatch", reason: string, };

/**
 * The shape of the place a secret sits in.
 */
export type SlotKind = "env" | "header" | "arg-flag" | "arg-value" | "arg-header" | "url-path" | "url-query" | "dsn-password";

export type SlotReport = { file: string, server: string, 
/**
 * Claude Code local scope: the project (key of `projects` in `~/.claude.json`) the server belongs to.
 * The same server name often appears under several projects of one file.
 */
project?: string, 
/**
 * Where the server entry is in the file, as parsed: a JSON pointer (RFC 6901) of its key path, scope
 * included (`/projects/~1home~1me~1app/mcpServers/bitscale`; a TOML entry's logical path however it
 * was written; a YAML list item's index). Edits of the entry act on this entry only.
 */
entry: string, kind: SlotKind, location: string, 
/**
 * `sk-l…9f2c`; never the value.
 */
masked: string, credential?: string, provider?: string, 
/**
 * Where git stands on this usage's file and key (a file inside a work tree; filled by
 * `Context::scan_exposure`, see [`crate::exposure`]).
 */
exposure?: Exposure, } & ({ "state": "secret" } | { "state": "reference", lives_in: string, } | { "state": "placeholder" });

/**
 * A server entry that starts `rekey exec --` from a path that no longer exists or cannot run.
 */
export type StaleRekey = { file: string, client: ClientId, server: string, project?: string, 
/**
 * The `rekey` path the entry starts.
 */
command: string, 
/**
 * `missing` or `not-executable`.
 */
problem: string, 
/**
 * What to tell the user.
 */
warning: string, };

/**
 * Where a change (a rotation, or any other kind: see [`super::Kind`]) got to.
 */
export type Step = "intent" | "unknown" | "failed" | "held" | "shown" | "written" | "verified" | "verify-failed" | "incomplete" | "created" | "revoked" | "revoke-failed" | "rolled-back" | "kept-both";

/**
 * How many keys are still in plaintext in the configs, and how many usages are protected (`rekey://`).
 */
export type Summary = { 
/**
 * Credentials with at least one literal usage (state `secret`) in a config.
 */
plaintext_keys: number, 
/**
 * Usages (slots) that hold a key literally (state `secret`).
 */
plaintext_usages: number, 
/**
 * Usages that hold a `rekey://` reference (state `reference`, "protected: in the keychain").
 */
protected_usages: number, 
/**
 * Keys tracked, committed or pushed in a git repository (0 until exposure is assessed).
 */
exposed_keys: number, };

/**
 * A config file the scan could not parse (or read) whose bytes hold the old value.
 */
export type Unparsed = { path: string, client: ClientId, 
/**
 * 1-based line of the first place the value appears (raw, JSON- or TOML-escaped, or percent-encoded).
 */
line: number, 
/**
 * Why it could not be used (the parse error, with its position).
 */
reason: string, };

/**
 * An unprotect plan the window shows, and the draft id that confirms or cancels exactly that plan.
 */
export type UnprotectDraft = { draft: string, plan: UnprotectPlan, };

/**
 * Everything `rekey unprotect` (and the app's Unprotect) shows before it asks.
 */
export type UnprotectPlan = { 
/**
 * The reference ids whose usages go back to the literal key.
 */
references: Array<string>, credential?: string, masked: string, files: Array<FileChange>, restart: Array<[string, string]>, };

/**
 * One usage that changes.
 */
export type Usage = { server: string, project?: string, 
/**
 * The server entry's JSON pointer in its file (scope included): what changes is this entry only.
 */
entry: string, location: string, before: string, after: string, };

/**
 * Whether the keychain can be used right now, for the UI and `rekey doctor`.
 */
export type VaultStatus = { available: boolean, 
/**
 * The backend in use on this OS.
 */
backend: string, 
/**
 * Why it is unavailable (a stable error code and a message), when it is.
 */
error_code?: string, message?: string, };

/**
 * What the provider said of the new key, before anything is written.
 */
export type Verification = { "state": "not-linked" } | { "state": "not-checked", reason: string, } | { "state": "verified", provider: string, } | { "state": "failed", provider: string, code: string, message: string, };
