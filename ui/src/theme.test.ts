import { describe, expect, it } from "vitest";
import { effectiveTheme } from "./theme";

describe("effectiveTheme", () => {
  it("follows the OS for System and the choice otherwise", () => {
    expect(effectiveTheme("system", true)).toBe("dark");
    expect(effectiveTheme("system", false)).toBe("light");
    expect(effectiveTheme("light", true)).toBe("light");
    expect(effectiveTheme("dark", false)).toBe("dark");
  });
});
