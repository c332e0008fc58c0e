import { afterEach, describe, expect, it, vi } from "vitest";
import { createRawSnippet, flushSync, mount, unmount } from "svelte";
import ConfirmDialog from "./ConfirmDialog.svelte";

let app: Record<string, unknown> | null = null;
afterEach(() => {
  if (app) unmount(app);
  app = null;
  document.body.innerHTML = "";
});

function open(onconfirm = vi.fn(), oncancel = vi.fn()) {
  const opener = document.createElement("button");
  document.body.append(opener);
  opener.focus();
  const target = document.createElement("div");
  document.body.append(target);
  const children = createRawSnippet(() => ({ render: () => "<p>The file is replaced.</p>" }));
  app = mount(ConfirmDialog, {
    target,
    props: { title: "Restore?", confirmLabel: "Restore", testid: "go", onconfirm, oncancel, children },
  });
  flushSync();
  return { opener, onconfirm, oncancel };
}

describe("ConfirmDialog", () => {
  it("opens with focus on Cancel, names what happens, and is a labelled modal", () => {
    open();
    const dialog = document.querySelector("[role=alertdialog]")!;
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(document.getElementById(dialog.getAttribute("aria-labelledby")!)?.textContent).toBe("Restore?");
    expect(document.getElementById(dialog.getAttribute("aria-describedby")!)?.textContent).toBe("The file is replaced.");
    expect((document.activeElement as HTMLElement).dataset.testid).toBe("confirm-cancel");
  });

  it("cancels on Escape and keeps Tab inside", () => {
    const { oncancel } = open();
    const dialog = document.querySelector<HTMLElement>("[role=alertdialog]")!;
    const go = document.querySelector<HTMLElement>("[data-testid=go]")!;
    go.focus();
    dialog.dispatchEvent(new KeyboardEvent("keydown", { key: "Tab", bubbles: true, cancelable: true }));
    expect((document.activeElement as HTMLElement).dataset.testid).toBe("confirm-cancel");
    dialog.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(oncancel).toHaveBeenCalledOnce();
  });

  it("confirms with the confirm button and gives focus back when closed", () => {
    const { opener, onconfirm } = open();
    document.querySelector<HTMLElement>("[data-testid=go]")!.click();
    expect(onconfirm).toHaveBeenCalledOnce();
    unmount(app!);
    app = null;
    expect(document.activeElement).toBe(opener);
  });
});
