import { describe, expect, it } from "vitest";
import { effectiveTheme } from "./theme";

describe("effectiveTheme", () => {
  it("follows the OS for System and the choice otherwise", () => {
    expect(effectiveTheme("system", true)).toBe("dark");
    expect(effectiveTheme("system", false)).toBe("light");
    expect(effectiveTheme("light", true)).toBe("light");
    expect(effectiveTheme("dark", false)).toBe("dark");
  });

  it("takes the portal's preference over the media query for System, and the media query when it has none", () => {
    expect(effectiveTheme("system", false, "dark")).toBe("dark");
    expect(effectiveTheme("system", true, "light")).toBe("light");
    expect(effectiveTheme("system", true, "none")).toBe("dark");
    expect(effectiveTheme("system", false, "none")).toBe("light");
  });

  it("leaves an explicit choice alone whatever the portal says", () => {
    expect(effectiveTheme("light", false, "dark")).toBe("light");
    expect(effectiveTheme("dark", true, "light")).toBe("dark");
  });
});
