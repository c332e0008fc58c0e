import { describe, expect, it } from "vitest";
import { activities, flowAt, marks, rotationProblem, verifyProblem } from "./progress";

const inPlace = activities({ providerName: "BitScale", createThenRevoke: false, files: 3, protectedServers: 0 });
const ctr = activities({ providerName: "Neon", createThenRevoke: true, files: 1, protectedServers: 0 });
const ids = (l: { id: string }[]) => l.map((a) => a.id);

describe("rotation progress", () => {
  it("lists what the rotation will do, true for the key", () => {
    expect(ids(inPlace)).toEqual(["call", "keep", "write", "verify"]);
    expect(inPlace[2].text).toBe("Write the new key into 3 config files");
    expect(ids(ctr)).toEqual(["call", "keep", "write", "verify", "revoke"]);
    expect(ctr[0].text).toContain("Create a new key at Neon");
    const onlyProtected = activities({ providerName: "X", createThenRevoke: false, files: 0, protectedServers: 1 });
    expect(onlyProtected[2].text).toBe("Put it in the keychain entry of 1 protected server");
    expect(activities({ providerName: "X", createThenRevoke: false, files: 1, protectedServers: 2 })[2].text).toBe(
      "Write the new key into 1 config file; Put it in the keychain entries of 2 protected servers",
    );
  });

  it("runs the first step not done yet, the rest wait", () => {
    expect(marks(inPlace, ["intent"], "intent", true)).toEqual(["running", "pending", "pending", "pending"]);
    expect(marks(inPlace, ["intent", "held"], "held", true)).toEqual(["done", "done", "running", "pending"]);
  });

  it("marks every step of a verified rotation done, whatever arrived first", () => {
    expect(marks(inPlace, ["intent", "held", "written", "verified"], "verified", false)).toEqual(["done", "done", "done", "done"]);
    // The command's answer before the channel's last messages.
    expect(marks(inPlace, ["intent", "verified"], "verified", false)).toEqual(["done", "done", "done", "done"]);
    expect(marks(ctr, ["intent", "created", "written", "verified", "revoked"], "revoked", false)).toEqual(["done", "done", "done", "done", "done"]);
  });

  it("marks where a rotation stopped as failed, and nothing after it done that did not happen", () => {
    // The provider refused, or never answered: the call failed, nothing else ran.
    expect(marks(inPlace, ["intent", "failed"], "failed", false)).toEqual(["failed", "pending", "pending", "pending"]);
    expect(marks(inPlace, ["intent", "unknown"], "unknown", false)).toEqual(["failed", "pending", "pending", "pending"]);
    // The keychain refused the key (it was shown once): the call happened, the save failed.
    expect(marks(inPlace, ["intent", "shown"], "shown", false)).toEqual(["done", "failed", "pending", "pending"]);
    // Some configs still hold the old key: the write is what did not finish; the check is done only if it ran.
    expect(marks(inPlace, ["intent", "written", "incomplete"], "incomplete", false)).toEqual(["done", "done", "failed", "pending"]);
    expect(marks(inPlace, ["intent", "written", "verified", "incomplete"], "incomplete", false)).toEqual(["done", "done", "failed", "done"]);
    // Create-then-revoke: the new key failed its check; the old key was never revoked.
    expect(marks(ctr, ["intent", "created", "written", "verify-failed"], "verify-failed", false)).toEqual(["done", "done", "done", "failed", "pending"]);
    expect(marks(ctr, ["intent", "created", "written", "verified", "revoke-failed"], "revoke-failed", false)).toEqual(["done", "done", "done", "done", "failed"]);
  });

  it("follows a later choice: revoking the old key after a failed revoke", () => {
    expect(marks(ctr, ["intent", "created", "written", "verified", "revoke-failed", "revoked"], "revoked", false)).toEqual(["done", "done", "done", "done", "done"]);
  });

  it("leaves no spinner once the rotation ended", () => {
    for (const last of ["failed", "unknown", "shown", "incomplete", "verified"]) {
      expect(marks(inPlace, ["intent", last], last, false)).not.toContain("running");
    }
  });
});

describe("a failed check of the new key", () => {
  it("says in plain words what happened, the technical text stays out of the sentence", () => {
    const dns = verifyProblem("verification failed: error sending request for url (https://api.bitscale.example/v1/me): dns error: failed to lookup address information: Name or service not known", "BitScale");
    expect(dns.network).toBe(true);
    expect(dns.sentence).toBe("Rekey could not reach BitScale to check the new key. The key is saved; when your connection works, check it again.");
    const rejected = verifyProblem("verification failed: the provider rejected the credential (401 Unauthorized): injected failure", "Neon");
    expect(rejected.network).toBe(false);
    expect(rejected.sentence).toContain("Neon did not accept the new key");
    expect(rejected.sentence).not.toContain("401");
    expect(verifyProblem("verification failed: 500 Internal Server Error", "X").sentence).toContain("The check of the new key with X failed");
    // Where the screen offers choices instead of a second check, the sentence does not send the user to one.
    expect(verifyProblem("verification failed: the provider rejected the credential (401 Unauthorized)", "Neon", false).sentence).toBe("Neon did not accept the new key.");
  });
});

describe("rotationProblem", () => {
  it("offers a retry only when nothing changed", () => {
    expect(rotationProblem("connection_failed", "BitScale")).toEqual({
      sentence: "Rekey could not reach BitScale. Nothing was sent and nothing changed: check your connection, then try again.",
      retry: true,
    });
    for (const code of ["outcome_unknown", "gateway_error", "malformed_response", "missing_field"]) {
      const p = rotationProblem(code, "BitScale");
      expect(p.retry).toBe(false);
      expect(p.sentence).toMatch(/may or may not|probably rotated/);
    }
    expect(rotationProblem("unauthorized", "Neon").retry).toBe(false);
    expect(rotationProblem("something_new", "Neon")).toEqual({ sentence: "The rotation stopped. Nothing more will happen without you: see the details below.", retry: false });
  });
});

describe("flowAt", () => {
  it("keeps a rotation that stopped after its confirmation at Rotate, marked failed", () => {
    expect(flowAt("planning", false)).toEqual({ at: 0, failed: false });
    expect(flowAt("plan", false)).toEqual({ at: 0, failed: false });
    expect(flowAt("running", true)).toEqual({ at: 1, failed: false });
    expect(flowAt("done", true)).toEqual({ at: 2, failed: false });
    // A plan that could not be made stops at its review; a refused or failed rotation at Rotate.
    expect(flowAt("error", false)).toEqual({ at: 0, failed: true });
    expect(flowAt("error", true)).toEqual({ at: 1, failed: true });
  });
});
