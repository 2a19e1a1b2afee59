// Executes notebooks/01-quickstart.ipynb with the project's tslab kernel on the embedded model,
// exports it to HTML and checks in headless Chromium that the charts and tables really render.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cellById,
  type Executed,
  executedDir,
  executeNotebook,
  exportHtml,
  mimeText,
  noisyCells,
  openInChromium,
  type RenderedPage,
  screenshotAndClose,
  streamText,
  waitForFigures,
} from "./run-notebook.js";

const NAME = "01-quickstart";
const timings: Record<string, number> = {};
let executed: Executed;
let htmlPath: string;

beforeAll(async () => {
  executed = await executeNotebook(NAME);
  timings.executeSeconds = executed.seconds;
  const html = await exportHtml(executed);
  htmlPath = html.path;
  timings.exportHtmlSeconds = html.seconds;
});

afterAll(() => {
  if (Object.keys(timings).length === 0) return;
  mkdirSync(executedDir, { recursive: true });
  writeFileSync(join(executedDir, `${NAME}.timings.json`), `${JSON.stringify(timings, null, 2)}\n`);
  console.log(
    `${NAME}: ${Object.entries(timings)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(", ")}`,
  );
});

/** `r.summary` as printed by the "summary" cell (util.inspect of the summary object). */
function printedSummary() {
  const text = streamText(cellById(executed.notebook, "summary"), "stdout");
  const field = (name: string) => {
    const match = new RegExp(`\\b${name}: (-?[\\d.e+-]+|NaN)`).exec(text);
    if (!match) throw new Error(`summary cell printed no ${name}:\n${text}`);
    return Number(match[1]);
  };
  return { text, tokenCount: field("tokenCount"), positionCount: field("positionCount") };
}

describe(`notebooks/${NAME}.ipynb`, () => {
  it("executes every cell without writing to stderr", () => {
    expect(noisyCells(executed.notebook)).toEqual([]);
  });

  it("show(r) is one output with summary, surprisal chart and escaped token table", () => {
    const outputs = cellById(executed.notebook, "show-result").outputs ?? [];
    expect(outputs.map((o) => o.output_type)).toEqual(["display_data"]);
    const html = mimeText(outputs[0]!, "text/html");
    expect(html).toContain('class="lplab-figure"');
    expect(html).toContain('class="lplab-table"');
    expect(html).toContain("scored tokens");
    // The first figure of the session carries plotly.js; token text is escaped.
    expect(html).toContain("window.Plotly");
    expect(html).toContain("&lt;|begin_of_text|&gt;");
    expect(html).not.toMatch(/<td>[^<]*<\|begin_of_text\|>/);
  });

  it("prints rows with a null logprob at position 0 and a summary that scores the other positions", () => {
    const rows = streamText(cellById(executed.notebook, "rows"), "stdout");
    expect(rows).toMatch(/position: 0,[\s\S]*?logprob: null/);
    const { tokenCount, positionCount } = printedSummary();
    expect(tokenCount).toBeGreaterThan(0);
    expect(tokenCount).toBe(positionCount - 1);
  });

  it("show(plot.surprisal(…)) is one bundle with Plotly JSON, HTML and text", () => {
    const outputs = cellById(executed.notebook, "show-plot").outputs ?? [];
    expect(outputs.map((o) => o.output_type)).toEqual(["display_data"]);
    expect(Object.keys(outputs[0]!.data ?? {}).sort()).toEqual([
      "application/vnd.plotly.v1+json",
      "text/html",
      "text/plain",
    ]);
    expect(streamText(cellById(executed.notebook, "surprise"), "stdout")).toMatch(
      /Most surprising: .+ at position \d+/,
    );
  });

  describe("HTML export in headless Chromium", () => {
    let rendered: RenderedPage;

    beforeAll(async () => {
      const started = performance.now();
      rendered = await openInChromium(htmlPath);
      await waitForFigures(rendered.page);
      timings.chromiumSeconds = (performance.now() - started) / 1000;
    });

    afterAll(() => screenshotAndClose(rendered, NAME));

    it("has no page errors and no console errors", () => {
      expect(rendered.pageErrors).toEqual([]);
      expect(rendered.consoleErrors).toEqual([]);
    });

    it("draws every figure", async () => {
      const figures = await rendered.page.$$eval(".lplab-figure", (els) =>
        els.map((el) => ({ id: el.id, svg: el.querySelectorAll(".main-svg").length })),
      );
      // show(r)'s chart, the README's show(plot.surprisal(r)), and the longer sentence's chart.
      expect(figures.length).toBe(3);
      for (const figure of figures) expect(figure.svg, figure.id).toBeGreaterThan(0);
    });

    it("draws one bar per scored position in the chart of show(r)", async () => {
      const { tokenCount } = printedSummary();
      const bars = await rendered.page
        .locator(".lplab-result .lplab-figure")
        .first()
        .locator(".main-svg g.trace.bars g.point")
        .count();
      expect(bars).toBe(tokenCount);
    });

    it("draws the README's first example: one bar per scored position", async () => {
      const { tokenCount } = printedSummary();
      const bars = await rendered.page
        .locator(".lplab-figure")
        .nth(1)
        .locator(".main-svg g.trace.bars g.point")
        .count();
      expect(bars).toBe(tokenCount);
    });

    it("draws every bar of the plot.surprisal figure", async () => {
      const output = (cellById(executed.notebook, "show-plot").outputs ?? [])[0]!;
      const spec = output.data?.["application/vnd.plotly.v1+json"] as { data: { x: unknown[] }[] };
      const bars = await rendered.page
        .locator(".lplab-figure")
        .nth(2)
        .locator(".main-svg g.trace.bars g.point")
        .count();
      expect(bars).toBe(spec.data[0]!.x.length);
    });

    it("shows the token table with the (escaped) token text", async () => {
      const { positionCount } = printedSummary();
      const table = rendered.page.locator(".lplab-result .lplab-table").first();
      await expect.poll(() => table.isVisible()).toBe(true);
      expect(await table.locator("tbody tr").count()).toBe(Math.min(positionCount, 20));
      const text = (await table.textContent()) ?? "";
      expect(text).toContain("<|begin_of_text|>");
      expect(text).toContain("␣capital");
      expect(text).toContain("␣France");
    });
  });
});
