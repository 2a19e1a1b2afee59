import { afterEach, describe, expect, it } from "vitest";
import { progressBundle, progressLine, progressReporter } from "../../src/display/progress.js";

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 100, write: (s: string) => writes.push(s) } };
}

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

afterEach(() => {
  delete (globalThis as { Deno?: unknown }).Deno;
  delete (globalThis as { __tslab__?: unknown }).__tslab__;
});

describe("progressLine", () => {
  it("says how far, what failed, how long, and what is left", () => {
    expect(progressLine("scoring", { done: 1, failed: 0, total: 4, elapsedMs: 1000 })).toBe(
      "scoring 1/4 (25%) · 1.0 s · ~3.0 s left",
    );
    expect(progressLine("scoring", { done: 4, failed: 2, total: 4, elapsedMs: 125_000 })).toBe(
      "scoring 4/4 (100%) · 2 failed · 2 min 5 s",
    );
  });

  it("escapes the label in the notebook bundle", () => {
    const bundle = progressBundle("<b>x</b>", { done: 1, failed: 0, total: 2, elapsedMs: 0 });
    expect(bundle["text/html"]).toContain("&lt;b&gt;x&lt;/b&gt;");
    expect(bundle["text/html"]).toContain('<progress max="2" value="1"');
    expect(bundle["text/plain"]).toBe("<b>x</b> 1/2 (50%) · 0.0 s · ~0.0 s left");
  });
});

describe("progressReporter", () => {
  it("redraws one bar in place on a TTY, at most every 150 ms, and ends the line when finished", () => {
    const { writes, stream } = fakeStream(true);
    const c = clock();
    const progress = progressReporter({ stream, now: c.now });
    c.advance(1000);
    progress.update({ done: 1, failed: 0, total: 10, elapsedMs: 1000 });
    c.advance(10);
    progress.update({ done: 2, failed: 0, total: 10, elapsedMs: 1010 }); // too soon: skipped
    c.advance(200);
    progress.update({ done: 3, failed: 1, total: 10, elapsedMs: 1210 });
    progress.finish({ done: 10, failed: 1, total: 10, elapsedMs: 1300 });
    expect(writes).toHaveLength(3);
    expect(writes.every((w) => w.startsWith("\r["))).toBe(true);
    expect(writes[1]).toContain("scoring 3/10 (30%) · 1 failed");
    expect(writes[2].endsWith("\n")).toBe(true);
    expect(writes[2]).toContain("[##############################]");
  });

  it("writes only occasional lines when stderr is not a TTY", () => {
    const { writes, stream } = fakeStream(false);
    const c = clock();
    const progress = progressReporter({ stream, now: c.now });
    for (let done = 1; done <= 100; done++) {
      c.advance(100); // 10 s in all
      progress.update({ done, failed: 0, total: 100, elapsedMs: done * 100 });
    }
    progress.finish({ done: 100, failed: 0, total: 100, elapsedMs: 10_000 });
    expect(writes.length).toBeGreaterThanOrEqual(2);
    expect(writes.length).toBeLessThanOrEqual(6);
    expect(writes.every((w) => w.endsWith("\n") && !w.includes("\r"))).toBe(true);
    expect(writes.at(-1)).toBe("scoring 100/100 (100%) · 10.0 s\n");
  });

  it("updates one display in place in Deno's kernel (display_data, then update_display_data with its id)", () => {
    const sent: { type: string; content: any }[] = [];
    (globalThis as any).Deno = {
      jupyter: { display: () => {}, broadcast: (type: string, content: any) => sent.push({ type, content }) },
    };
    const c = clock();
    const progress = progressReporter({ now: c.now });
    progress.update({ done: 1, failed: 0, total: 3, elapsedMs: 10 });
    c.advance(500);
    progress.update({ done: 2, failed: 0, total: 3, elapsedMs: 510 });
    progress.finish({ done: 3, failed: 0, total: 3, elapsedMs: 600 });
    expect(sent.map((s) => s.type)).toEqual(["display_data", "update_display_data", "update_display_data"]);
    const ids = new Set(sent.map((s) => s.content.transient.display_id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^logprob-lab-progress-/);
    expect(sent[2].content.data["text/plain"]).toBe("scoring 3/3 (100%) · 0.6 s");
  });

  it("falls back to Deno.jupyter.display with raw, display_id and update", () => {
    const calls: any[] = [];
    (globalThis as any).Deno = {
      jupyter: { display: (obj: unknown, options: unknown) => calls.push([obj, options]) },
    };
    const progress = progressReporter();
    progress.update({ done: 1, failed: 0, total: 2, elapsedMs: 1 });
    progress.finish({ done: 2, failed: 0, total: 2, elapsedMs: 2 });
    expect(calls.map(([, o]) => o.update)).toEqual([false, true]);
    expect(calls[0][1].raw).toBe(true);
    expect(calls[0][1].display_id).toBe(calls[1][1].display_id);
  });

  it("uses tslab's display inside tslab", () => {
    const html: string[] = [];
    const pub = {
      display: { html: (s: string) => html.push(s), text: () => {} },
      newDisplay: () => ({ html: () => {} }),
    };
    (globalThis as any).__tslab__ = { require: () => pub };
    const { writes, stream } = fakeStream(true);
    const progress = progressReporter({ stream });
    progress.finish({ done: 2, failed: 0, total: 2, elapsedMs: 2 });
    expect(writes).toEqual([]);
    expect(html[0]).toContain("scoring 2/2 (100%)");
  });
});
