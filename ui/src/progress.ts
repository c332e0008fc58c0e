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
