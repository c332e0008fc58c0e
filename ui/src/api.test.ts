import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { api, EngineError, groupByClient, type ConfigFile } from "./api";

afterEach(() => clearMocks());

const file = (client: string, path: string, exists = false): ConfigFile => ({
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
