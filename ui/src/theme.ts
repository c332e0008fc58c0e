// Light, dark, or the system's: the user's choice (Settings, kept in this window's local storage: it is a
// preference of the window, not of the engine) applied as <html data-theme>. "System" follows the OS's
// prefers-color-scheme and changes with it while the app runs.

export type ThemeChoice = "system" | "light" | "dark";

const KEY = "rekey-theme";
const media = typeof window !== "undefined" && window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

/** The theme a choice shows, given whether the OS is dark. */
export function effectiveTheme(choice: ThemeChoice, osDark: boolean): "light" | "dark" {
  return choice === "system" ? (osDark ? "dark" : "light") : choice;
}

export function themeChoice(): ThemeChoice {
  const v = localStorage.getItem(KEY);
  return v === "light" || v === "dark" ? v : "system";
}

function apply() {
  document.documentElement.dataset.theme = effectiveTheme(themeChoice(), !!media?.matches);
}

/** Remember and apply a choice at once (no restart). */
export function setThemeChoice(choice: ThemeChoice) {
  if (choice === "system") localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, choice);
  apply();
}

/** Apply the saved choice now and follow the OS while the choice is "system". */
export function startTheme() {
  apply();
  media?.addEventListener("change", apply);
}
