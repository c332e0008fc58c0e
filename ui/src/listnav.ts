// Arrow keys in every list (issue 22): Up/Down (and Home/End) move the focus between a list's items, as in
// the Keys list and the sidebar. `selector` names the focusable element of each item (a History entry's
// summary, a backup's Restore button). Rows that are not controls themselves (the Clients screen's config
// files) use a roving tabindex: one row is in the Tab order, the arrows move within the list.
import { nextIndex } from "./view";

export type ListNav = string | { selector: string; roving?: boolean };

export function listNav(node: HTMLElement, opts: ListNav) {
  let o = typeof opts === "string" ? { selector: opts } : opts;
  const items = () => [...node.querySelectorAll<HTMLElement>(o.selector)];
  // Roving: the focused row (else the first) is the one in the Tab order.
  function rove(current?: HTMLElement) {
    if (!o.roving) return;
    const all = items();
    const keep = current ?? all.find((el) => el.tabIndex === 0) ?? all[0];
    for (const el of all) el.tabIndex = el === keep ? 0 : -1;
  }
  function keydown(e: KeyboardEvent) {
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const all = items();
    const active = document.activeElement;
    const i = all.findIndex((el) => el === active || (active instanceof Node && el.contains(active)));
    if (i < 0) return;
    const j = nextIndex(e.key, i, all.length);
    if (j === null) return;
    e.preventDefault();
    rove(all[j]);
    all[j].focus();
  }
  function focusin(e: FocusEvent) {
    const hit = items().find((el) => e.target instanceof Node && el.contains(e.target));
    if (hit) rove(hit);
  }
  node.addEventListener("keydown", keydown);
  node.addEventListener("focusin", focusin);
  rove();
  // Rows come and go (a rescan): keep one of them in the Tab order.
  const watch = new MutationObserver(() => rove());
  if (o.roving) watch.observe(node, { childList: true, subtree: true });
  return {
    update(next: ListNav) {
      o = typeof next === "string" ? { selector: next } : next;
      rove();
    },
    destroy() {
      watch.disconnect();
      node.removeEventListener("keydown", keydown);
      node.removeEventListener("focusin", focusin);
    },
  };
}
