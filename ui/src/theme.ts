// Light, dark, or the system's: the user's choice (Settings, kept in this window's local storage: it is a
// preference of the window, not of the engine) applied as <html data-theme>. "System" follows the OS and
// changes with it while the app runs: the desktop portal's colour scheme when it states one (GNOME's and
// KDE's dark style; WebKitGTK's prefers-color-scheme follows only the GTK theme), else prefers-color-scheme.

import { api, type OsColorScheme } from "./api";

export type ThemeChoice = "system" | "light" | "dark";

const KEY = "rekey-theme";
const media = typeof window !== "undefined" && window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
/** The portal's latest word, from Rust. */
let osScheme: OsColorScheme = "none";

/** The theme a choice shows, given the portal's preference and whether the media query says dark. */
export function effectiveTheme(choice: ThemeChoice, mediaDark: boolean, portal: OsColorScheme = "none"): "light" | "dark" {
  if (choice !== "system") return choice;
  if (portal === "dark" || portal === "light") return portal;
  return mediaDark ? "dark" : "light";
}

export function themeChoice(): ThemeChoice {
  const v = localStorage.getItem(KEY);
  return v === "light" || v === "dark" ? v : "system";
}

function apply() {
  document.documentElement.dataset.theme = effectiveTheme(themeChoice(), !!media?.matches, osScheme);
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
  // A change pushed on the channel is newer than the answer (Rust sends it after answering): the answer
  // counts only when nothing was pushed before it arrived.
  let pushed = false;
  const follow = (s: OsColorScheme) => {
    osScheme = s;
    apply();
  };
  api
    .osColorScheme((s) => {
      pushed = true;
      follow(s);
    })
    .then((s) => {
      if (!pushed) follow(s);
    })
    // Outside the app (the UI in a plain browser): the media query alone.
    .catch(() => {});
}
