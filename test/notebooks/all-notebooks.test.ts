// Executes every committed notebook in notebooks/ — except 01-quickstart, which has its own tests
// (quickstart.test.ts, quickstart-deno.test.ts) — in the tslab kernel AND in Deno's kernel, one
// after the other, exports each executed copy to HTML and opens it in headless Chromium: no page
// errors, every `.lplab-figure` drawn by plotly.js, every text heatmap (`plot.text`, `.lpl-th`)
// visible. A full-page screenshot of each goes to artifacts/screenshots/<name>.<kernel>.png, and the
// time each step took is printed at the end (and written to artifacts/notebooks/all-notebooks.timings.json).
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Executed,
  executedDir,
  executeNotebook,
  exportHtml,
  figureStates,
  type KernelName,
  mimeText,
  type Notebook,
  noisyCells,
  notebooksDir,
  openInChromium,
  type RenderedPage,
  screenshotAndClose,
  waitForFigures,
} from "./run-notebook.js";

/** Notebooks with their own, more specific tests (run there once per kernel, not twice). */
const TESTED_ELSEWHERE = new Set(["01-quickstart"]);
const KERNELS: readonly KernelName[] = ["tslab", "deno"];

const notebooks = readdirSync(notebooksDir)
  .filter((file) => file.endsWith(".ipynb"))
  .map((file) => file.slice(0, -".ipynb".length))
  .filter((name) => !TESTED_ELSEWHERE.has(name))
  .sort();

interface Timing {
  notebook: string;
  kernel: KernelName;
  executeSeconds?: number;
  exportHtmlSeconds?: number;
  chromiumSeconds?: number;
}
const timings: Timing[] = [];

afterAll(() => {
  if (timings.length === 0) return;
  mkdirSync(executedDir, { recursive: true });
  writeFileSync(join(executedDir, "all-notebooks.timings.json"), `${JSON.stringify(timings, null, 2)}\n`);
  const s = (value: number | undefined) => (value === undefined ? "—" : `${value.toFixed(1)} s`).padStart(8);
  const width = Math.max(...timings.map((t) => t.notebook.length));
  const lines = timings.map(
    (t) =>
      `${t.notebook.padEnd(width)}  ${t.kernel.padEnd(5)}  ${s(t.executeSeconds)}  ${s(t.exportHtmlSeconds)}  ${s(t.chromiumSeconds)}`,
  );
  const total = timings.reduce((sum, t) => sum + (t.executeSeconds ?? 0), 0);
  console.log(
    [
      `${"notebook".padEnd(width)}  kernel   execute    export  chromium`,
      ...lines,
      `executing ${timings.length} notebook runs took ${total.toFixed(1)} s`,
    ].join("\n"),
  );
});

/** How many outputs of the executed notebook hold an HTML fragment with this class. */
function countInOutputs(notebook: Notebook, className: string): number {
  const pattern = new RegExp(`class="${className}[ "]`, "g");
  return notebook.cells
    .flatMap((cell) => cell.outputs ?? [])
    .map((output) => (mimeText(output, "text/html").match(pattern) ?? []).length)
    .reduce((a, b) => a + b, 0);
}

it("finds the notebooks to run", () => {
  expect(notebooks.length).toBeGreaterThan(0);
});

describe.each(notebooks)("notebooks/%s.ipynb", (name) => {
  describe.each(KERNELS)("in the %s kernel", (kernel) => {
    const output = `${name}.${kernel}`;
    const timing: Timing = { notebook: name, kernel };
    let executed: Executed;
    let rendered: RenderedPage;

    beforeAll(async () => {
      timings.push(timing);
      executed = await executeNotebook(name, { kernel, outputName: output });
      timing.executeSeconds = executed.seconds;
      const html = await exportHtml(executed);
      timing.exportHtmlSeconds = html.seconds;
      const started = performance.now();
      rendered = await openInChromium(html.path);
      if (countInOutputs(executed.notebook, "lplab-figure") > 0) {
        await waitForFigures(rendered.page).catch(() => undefined); // the figure test says which failed
      }
      timing.chromiumSeconds = (performance.now() - started) / 1000;
    });

    afterAll(() => screenshotAndClose(rendered, output));

    it("executes every cell without an error or stderr output", () => {
      expect(noisyCells(executed.notebook)).toEqual([]);
    });

    it("renders in Chromium with no page errors, no console errors and no network loads", () => {
      expect(rendered.pageErrors).toEqual([]);
      expect(rendered.consoleErrors).toEqual([]);
      expect(rendered.blocked.filter((url) => /^https?:/.test(url))).toEqual([]);
    });

    it("draws a plot in every figure the notebook displayed", async () => {
      const figures = await figureStates(rendered.page);
      expect(figures.length).toBe(countInOutputs(executed.notebook, "lplab-figure"));
      for (const figure of figures) {
        expect(figure.svg, `figure ${figure.id} has no plot`).toBe(true);
        expect(figure.traces, `figure ${figure.id} has no trace with points`).toBeGreaterThan(0);
        expect(
          figure.drawn,
          `figure ${figure.id} drew ${figure.drawn} of its ${figure.traces} traces`,
        ).toBeGreaterThanOrEqual(figure.traces);
      }
    });

    it("shows every text heatmap, its tokens coloured", async () => {
      const expected = countInOutputs(executed.notebook, "lpl-th");
      const heatmaps = rendered.page.locator(".lpl-th");
      expect(await heatmaps.count()).toBe(expected);
      for (let i = 0; i < expected; i++) {
        const heatmap = heatmaps.nth(i);
        expect(await heatmap.isVisible(), `text heatmap #${i} is hidden`).toBe(true);
        const box = await heatmap.locator(".tx").boundingBox();
        expect(box && box.width > 0 && box.height > 0, `text heatmap #${i} has no size`).toBe(true);
        const coloured = await heatmap.locator(".tx span").evaluateAll(
          (spans) =>
            spans.filter((span) => {
              const colour = (globalThis as any).getComputedStyle(span).backgroundColor;
              return colour !== "rgba(0, 0, 0, 0)" && colour !== "transparent";
            }).length,
        );
        expect(coloured, `text heatmap #${i} colours no token`).toBeGreaterThan(0);
      }
    });
  });
});
