// Executes the SAME notebooks/01-quickstart.ipynb as quickstart.test.ts, but in Deno's Jupyter
// kernel (the `deno` devDependency, kernel spec written by scripts/notebook-env.mjs), exports it to
// HTML and checks in headless Chromium that the charts and tables render. Deno imports
// "logprob-lab" through node_modules/logprob-lab (→ this checkout) and gets the ESM entry.
// Also checks Deno's auto-display of a cell's last expression (figure, result) in a scratch notebook.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { denoBinary } from "../../scripts/notebook-env.mjs";
import {
  type Cell,
  cellById,
  cellText,
  type Executed,
  executedDir,
  executeNotebook,
  exportHtml,
  joined,
  mimeText,
  type Notebook,
  noisyCells,
  openInChromium,
  type RenderedPage,
  screenshotAndClose,
  waitForFigures,
} from "./run-notebook.js";

const NAME = "01-quickstart";
const OUTPUT = `${NAME}.deno`;
const timings: Record<string, number> = {};
let executed: Executed;
let htmlPath: string;

beforeAll(async () => {
  executed = await executeNotebook(NAME, { kernel: "deno", outputName: OUTPUT });
  timings.executeSeconds = executed.seconds;
  const html = await exportHtml(executed);
  htmlPath = html.path;
  timings.exportHtmlSeconds = html.seconds;
});

afterAll(() => {
  if (Object.keys(timings).length === 0) return;
  mkdirSync(executedDir, { recursive: true });
  writeFileSync(join(executedDir, `${OUTPUT}.timings.json`), `${JSON.stringify(timings, null, 2)}\n`);
  console.log(
    `${OUTPUT}: ${Object.entries(timings)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(", ")}`,
  );
});

const displays = (cell: Cell) => (cell.outputs ?? []).filter((o) => o.output_type === "display_data");

/** Rows and columns of the token table in show(r)'s HTML ("6 of 6 rows × 9 columns"). */
function tableCaption(): { shown: number; positions: number } {
  const html = mimeText(displays(cellById(executed.notebook, "show-result"))[0]!, "text/html");
  const match = /(\d+) of (\d+) rows/.exec(html);
  if (!match) throw new Error("show(r) has no table caption");
  return { shown: Number(match[1]), positions: Number(match[2]) };
}

describe(`notebooks/${NAME}.ipynb in the Deno kernel`, () => {
  it("ran in Deno (its TypeScript version) from the same file with the same import line", () => {
    const version = /typescript (\S+)/.exec(
      execFileSync(denoBinary(), ["--version"], { encoding: "utf8" }),
    )?.[1];
    expect(executed.notebook.metadata.language_info?.version).toBe(version);
    expect(joined(cellById(executed.notebook, "import").source)).toContain('from "logprob-lab"');
  });

  it("executes every cell without an error or stderr output", () => {
    expect(noisyCells(executed.notebook)).toEqual([]);
  });

  it("show(r) is one output with summary, surprisal chart and escaped token table", () => {
    const outputs = displays(cellById(executed.notebook, "show-result"));
    expect(outputs).toHaveLength(1);
    const html = mimeText(outputs[0]!, "text/html");
    expect(html).toContain('class="lplab-figure"');
    expect(html).toContain('class="lplab-table"');
    expect(html).toContain("scored tokens");
    expect(html).toContain("window.Plotly");
    expect(html).toContain("&lt;|begin_of_text|&gt;");
    expect(html).not.toMatch(/<td>[^<]*<\|begin_of_text\|>/);
  });

  it("show(plot.surprisal(…)) is one bundle with Plotly JSON, HTML and text", () => {
    const outputs = displays(cellById(executed.notebook, "show-plot"));
    expect(outputs).toHaveLength(1);
    expect(Object.keys(outputs[0]!.data ?? {}).sort()).toEqual([
      "application/vnd.plotly.v1+json",
      "text/html",
      "text/plain",
    ]);
  });

  it("shows last expressions as results (rows with a null logprob at position 0, the summary)", () => {
    expect(cellText(cellById(executed.notebook, "rows"))).toMatch(/position: 0,[\s\S]*?logprob: null/);
    const summary = cellText(cellById(executed.notebook, "summary"));
    expect(summary).toMatch(/tokenCount: \d+/);
    expect(cellText(cellById(executed.notebook, "surprise"))).toMatch(/Most surprising: .+ at position \d+/);
  });

  describe("HTML export in headless Chromium", () => {
    let rendered: RenderedPage;

    beforeAll(async () => {
      const started = performance.now();
      rendered = await openInChromium(htmlPath);
      await waitForFigures(rendered.page);
      timings.chromiumSeconds = (performance.now() - started) / 1000;
    });

    afterAll(() => screenshotAndClose(rendered, OUTPUT));

    it("has no page errors, no console errors and loads nothing from the network", () => {
      expect(rendered.pageErrors).toEqual([]);
      expect(rendered.consoleErrors).toEqual([]);
      expect(rendered.blocked.filter((url) => /^https?:/.test(url))).toEqual([]);
    });

    it("draws both figures", async () => {
      const figures = await rendered.page.$$eval(".lplab-figure", (els) =>
        els.map((el) => ({ id: el.id, svg: el.querySelectorAll(".main-svg").length })),
      );
      // show(r)'s chart, the README's show(plot.surprisal(r)), and the longer sentence's chart.
      expect(figures.length).toBe(3);
      for (const figure of figures) expect(figure.svg, figure.id).toBeGreaterThan(0);
    });

    it("draws one bar per scored position in the chart of show(r), and the table", async () => {
      const { shown, positions } = tableCaption();
      const bars = await rendered.page
        .locator(".lplab-result .lplab-figure")
        .first()
        .locator(".main-svg g.trace.bars g.point")
        .count();
      expect(bars).toBe(positions - 1);
      const table = rendered.page.locator(".lplab-result .lplab-table").first();
      expect(await table.locator("tbody tr").count()).toBe(shown);
      const text = (await table.textContent()) ?? "";
      expect(text).toContain("<|begin_of_text|>");
      expect(text).toContain("␣capital");
    });

    it("draws every bar of the plot.surprisal figure", async () => {
      const output = displays(cellById(executed.notebook, "show-plot"))[0]!;
      const spec = output.data?.["application/vnd.plotly.v1+json"] as { data: { x: unknown[] }[] };
      const bars = await rendered.page
        .locator(".lplab-figure")
        .nth(2)
        .locator(".main-svg g.trace.bars g.point")
        .count();
      expect(bars).toBe(spec.data[0]!.x.length);
    });
  });
});

describe("Deno's auto-display of a cell's last expression", () => {
  let notebook: Notebook;

  beforeAll(async () => {
    // A scratch notebook (not committed): a figure and a result as the last expression of a cell.
    const dir = join(executedDir, "deno-scratch");
    mkdirSync(dir, { recursive: true });
    const cell = (id: string, source: string) => ({
      cell_type: "code",
      id,
      source,
      metadata: {},
      outputs: [],
      execution_count: null,
    });
    const input = join(dir, "auto-display.ipynb");
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
      cells: [
        cell(
          "setup",
          'import { connect, plot } from "logprob-lab";\nconst r = await connect().promptLogprobs("Hi there");',
        ),
        cell("figure", "plot.surprisal(r)"),
        cell("result", "r"),
      ],
    };
    writeFileSync(input, JSON.stringify(nb));
    notebook = (
      await executeNotebook("auto-display", { kernel: "deno", input, outputName: "deno-auto-display" })
    ).notebook;
  });

  it("a Figure renders as the Plotly bundle", () => {
    const results = (cellById(notebook, "figure").outputs ?? []).filter(
      (o) => o.output_type === "execute_result",
    );
    expect(results).toHaveLength(1);
    expect(Object.keys(results[0]!.data ?? {}).sort()).toEqual([
      "application/vnd.plotly.v1+json",
      "text/html",
      "text/plain",
    ]);
  });

  it("a LogprobResult renders as its HTML view", () => {
    const results = (cellById(notebook, "result").outputs ?? []).filter(
      (o) => o.output_type === "execute_result",
    );
    expect(results).toHaveLength(1);
    expect(mimeText(results[0]!, "text/html")).toContain('class="lplab-result"');
  });
});
