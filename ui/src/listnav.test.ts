import { afterEach, describe, expect, it } from "vitest";
import { listNav } from "./listnav";

afterEach(() => {
  document.body.innerHTML = "";
});

function key(el: Element, k: string, extra: KeyboardEventInit = {}) {
  const e = new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...extra });
  el.dispatchEvent(e);
  return e;
}

describe("listNav", () => {
  it("moves the focus between the items' controls with the arrows, Home and End", () => {
    document.body.innerHTML = `<ul id="l">${[0, 1, 2].map((i) => `<li><span>x</span><button id="b${i}">Restore</button></li>`).join("")}</ul><button id="out">out</button>`;
    const ul = document.getElementById("l")!;
    const nav = listNav(ul, "button");
    document.getElementById("b0")!.focus();
    expect(key(document.activeElement!, "ArrowDown").defaultPrevented).toBe(true);
    expect(document.activeElement?.id).toBe("b1");
    key(document.activeElement!, "End");
    expect(document.activeElement?.id).toBe("b2");
    key(document.activeElement!, "ArrowDown");
    expect(document.activeElement?.id).toBe("b0");
    key(document.activeElement!, "ArrowUp");
    expect(document.activeElement?.id).toBe("b2");
    // Other keys, and arrows with a modifier, are left alone.
    expect(key(document.activeElement!, "a").defaultPrevented).toBe(false);
    expect(key(document.activeElement!, "ArrowDown", { shiftKey: true }).defaultPrevented).toBe(false);
    expect(document.activeElement?.id).toBe("b2");
    // Outside the list nothing happens.
    document.getElementById("out")!.focus();
    expect(key(document.getElementById("out")!, "ArrowDown").defaultPrevented).toBe(false);
    nav.destroy();
    document.getElementById("b0")!.focus();
    key(document.activeElement!, "ArrowDown");
    expect(document.activeElement?.id).toBe("b0");
  });

  it("keeps one row of a roving list in the Tab order, the focused one", () => {
    document.body.innerHTML = `<ul id="l">${[0, 1, 2].map((i) => `<li class="row" id="r${i}">file ${i}</li>`).join("")}</ul>`;
    const ul = document.getElementById("l")!;
    listNav(ul, { selector: ".row", roving: true });
    const tabs = () => [0, 1, 2].map((i) => document.getElementById(`r${i}`)!.tabIndex);
    expect(tabs()).toEqual([0, -1, -1]);
    document.getElementById("r0")!.focus();
    key(document.activeElement!, "ArrowDown");
    expect(document.activeElement?.id).toBe("r1");
    expect(tabs()).toEqual([-1, 0, -1]);
  });
});
