// A rotation's progress as the user sees it: its activities in order, each pending / running / done /
// failed, from the engine's step events (src/change/step.rs). Pure, so every outcome path is unit-tested
// (progress.test.ts); RotateFlow.svelte renders it.

export type Activity = { id: string; text: string; doneAt: string[] };
export type Mark = "pending" | "running" | "done" | "failed";

/** What the plan needs to say: provider, model, how many config files and protected servers. */
export type PlanShape = { providerName: string; createThenRevoke: boolean; files: number; protectedServers: number };

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The activities of a rotation, with texts true for the key at hand (a key whose usages are all
 * protected writes no config file). */
export function activities(p: PlanShape): Activity[] {
  const writes =
    [
      p.files ? `Write the new key into ${plural(p.files, "config file", "config files")}` : "",
      p.protectedServers
        ? `Put it in the keychain ${p.protectedServers === 1 ? "entry" : "entries"} of ${plural(p.protectedServers, "protected server", "protected servers")}`
        : "",
    ]
      .filter(Boolean)
      .join("; ") || "Record the new key";
  const list: Activity[] = [
    p.createThenRevoke
      ? { id: "call", text: `Create a new key at ${p.providerName} (the old one keeps working)`, doneAt: ["created", "held", "written", "verified", "verify-failed", "revoked", "revoke-failed", "incomplete"] }
      : { id: "call", text: `Rotate the key at ${p.providerName}`, doneAt: ["held", "written", "verified", "verify-failed", "incomplete", "shown"] },
    { id: "keep", text: "Save the new key in the keychain", doneAt: ["held", "written", "verified", "verify-failed", "revoked", "revoke-failed", "incomplete"] },
    { id: "write", text: writes, doneAt: ["written", "verified", "verify-failed", "revoked", "revoke-failed"] },
    { id: "verify", text: `Check the new key with ${p.providerName}`, doneAt: ["verified", "revoked", "revoke-failed"] },
  ];
  if (p.createThenRevoke) list.push({ id: "revoke", text: "Revoke the old key", doneAt: ["revoked"] });
  return list;
}

/** Where a rotation that ended badly stopped: that activity is marked failed. */
const failedAt: Record<string, string> = {
  failed: "call",
  unknown: "call",
  shown: "keep",
  incomplete: "write",
  "verify-failed": "verify",
  "revoke-failed": "revoke",
};

/**
 * The mark of each activity. `received`: every step reported so far (the channel's, the outcome's, a later
 * choice's: their order is not guaranteed); `last`: the step the rotation ended at (or is at); `running`:
 * whether it is still running.
 */
export function marks(list: Activity[], received: string[], last: string | undefined, running: boolean): Mark[] {
  const done = list.map((a) => a.doneAt.some((d) => received.includes(d)));
  const firstOpen = done.indexOf(false);
  const failed = running || last === undefined ? undefined : failedAt[last];
  return list.map((a, i) => (a.id === failed ? "failed" : done[i] ? "done" : running && i === firstOpen ? "running" : "pending"));
}

/** A failed check of the new key, in one plain sentence of what happened and what to do; the engine's own
 * text (a DNS or TLS error chain, an HTTP status) goes under "Details". `network`: Rekey could not reach the
 * provider, so the key may well work. `retry`: whether the screen offers to check again (a
 * create-then-revoke rotation offers its own choices instead, explained beside them). */
export function verifyProblem(error: string, provider: string, retry = true): { sentence: string; network: boolean } {
  const e = error.toLowerCase();
  if (/(dns|resolve|lookup|connect|timed out|timeout|unreachable|tls|certificate|network|refused)/.test(e) && !/\b(401|403)\b/.test(e)) {
    return {
      sentence: `Rekey could not reach ${provider} to check the new key.${retry ? " The key is saved; when your connection works, check it again." : ""}`,
      network: true,
    };
  }
  if (/\b(401|403)\b|unauthori[sz]ed|forbidden|rejected|invalid/.test(e)) {
    return {
      sentence: `${provider} did not accept the new key.${retry ? ` It can take a moment to become active: check it again, or look at ${provider}'s console.` : ""}`,
      network: false,
    };
  }
  return {
    sentence: `The check of the new key with ${provider} failed.${retry ? ` Check it again, or look at ${provider}'s console.` : ""}`,
    network: false,
  };
}

/** A rotation that stopped, in one plain sentence of what happened and what to do, by the engine's stable
 * error code; `retry` when nothing changed and trying again is safe (never when the provider may have
 * rotated: a second call would rotate again and lose the first new key). */
export function rotationProblem(code: string, provider: string): { sentence: string; retry: boolean } {
  const p = provider;
  const table: Record<string, [string, boolean]> = {
    connection_failed: [`Rekey could not reach ${p}. Nothing was sent and nothing changed: check your connection, then try again.`, true],
    rate_limited: [`${p} asked Rekey to slow down. Nothing was rotated: wait a minute, then try again.`, true],
    unauthorized: [`${p} did not accept the credential Rekey used. Nothing was rotated: check that the key (or the admin credential in Settings) still works.`, false],
    forbidden: [`${p} accepted the credential but it may not rotate keys. Nothing was rotated: give it that permission in ${p}'s console, or use an admin credential.`, false],
    not_found: [`${p} does not know the key or account in the link. Nothing was rotated: check the ids in the key's provider link.`, false],
    server_error: [`${p} failed on its side. The key was most likely not rotated: verify the key, then try again.`, true],
    plan_changed: [`A config changed since you saw the plan. Nothing was rotated: look at the new plan and confirm again.`, true],
    preflight_failed: [`A check before the rotation failed. Nothing was rotated: fix what the plan says, then try again.`, true],
    rotation_running: [`This key is being changed elsewhere (the app or the rekey CLI). Nothing was rotated: wait for that change to end.`, true],
    keychain_locked: [`Your OS keychain is locked. Nothing was rotated: unlock it, then try again.`, true],
    keychain_unavailable: [`Rekey cannot reach your OS keychain, where the new key must be kept first. Nothing was rotated: see Settings.`, false],
    missing_admin_credential: [`${p} rotates with an admin credential, and none is stored. Nothing was rotated: add it in Settings, then try again.`, true],
    outcome_unknown: [`No answer came back from ${p}: the key may or may not have been rotated. Do not try again: verify the old key, or look in ${p}'s console.`, false],
    gateway_error: [`A gateway in front of ${p} failed after the call may have reached it: the key may or may not have been rotated. Do not try again: verify the old key first.`, false],
    malformed_response: [`${p} answered in a way Rekey cannot read: the key was probably rotated. Get the new key from ${p}'s console.`, false],
    missing_field: [`${p}'s answer did not hold the new key: the key was probably rotated. Get the new key from ${p}'s console.`, false],
  };
  const [sentence, retry] = table[code] ?? [`The rotation stopped. Nothing more will happen without you: see the details below.`, false];
  return { sentence, retry };
}

/** Where the flow's steps across the top stand (0 review the plan, 1 rotate, 2 save the new key), and
 * whether the flow stopped there: a rotation that stopped after it began stopped at "Rotate", not back at
 * "Review the plan". */
export function flowAt(stage: "planning" | "plan" | "running" | "done" | "error", began: boolean): { at: number; failed: boolean } {
  switch (stage) {
    case "running":
      return { at: 1, failed: false };
    case "done":
      return { at: 2, failed: false };
    case "error":
      return { at: began ? 1 : 0, failed: true };
    default:
      return { at: 0, failed: false };
  }
}
