// The long charts of a notebook (1,000 tokens, top-20) must draw and hover the same from the
// standalone page (`fig.toHTML()`) and from the notebook output (the MIME bundle's packed HTML,
// which is then the only copy of a figure this large): every trace drawn, and a hover that shows
// the token and an alternative. Rendered in the system's headless Chromium through playwright-core.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TokenLogprob } from "../../src/core/token-logprob.js";
import { visibleWhitespace } from "../../src/core/visible-whitespace.js";
import type { Figure } from "../../src/display/figure.js";
import { NOTEBOOK_FIGURE_BUDGET, resetNotebookSession } from "../../src/display/notebook-html.js";
import { plot } from "../../src/display/plot.js";
import { plotlySource } from "../../src/display/plotly-source.js";
import { mimeBundleOf } from "../../src/display/show.js";
import { longDocument } from "../plot/long-document.js";
import { headlessChromium } from "./headless-chromium.js";

// Code run in the page (page.evaluate) sees the DOM; the test config has no DOM lib.
declare const document: any;
declare const window: any;

const result = longDocument(1000, { topK: 20 });
let browser: Browser;
let page: Page;
let headless: Awaited<ReturnType<typeof headlessChromium>> | undefined;

beforeAll(async () => {
  headless = await headlessChromium();
  browser = headless.browser;
  page = await (
    await browser.newContext({ offline: true, viewport: { width: 1000, height: 700 } })
  ).newPage();
  // plotly.js once for the page, as a notebook has it after its first figure.
  await page.setContent('<div id="nb"></div>');
  await page.addScriptTag({ content: plotlySource() });
}, 60_000);

afterAll(() => headless?.close());

interface Drawn {
  /** Per trace: how many points plotly.js computed, and their x/y (the chart as drawn). */
  traces: { points: number; xy: string }[];
  /** SVG marks drawn: bars, markers and line paths with a path. */
  marks: number;
  /** The hover label's text for the hovered point. */
  hover: string;
}

/** Waits for the figure on the page, then reads what it drew and hovers one point of one trace. */
async function drawn(curveNumber: number, pointNumber: number): Promise<Drawn> {
  await page.waitForFunction(
    () => {
      const gd = document.querySelector("#nb .lplab-figure");
      return gd?._fullLayout !== undefined && gd.querySelector(".main-svg") !== null;
    },
    undefined,
    { timeout: 30_000, polling: 100 },
  );
  return page.evaluate(
    ({ curveNumber, pointNumber }) => {
      const gd = document.querySelector("#nb .lplab-figure");
      const traces = (gd.calcdata as any[][]).map((trace) => ({
        points: trace.length,
        xy: trace.map((p) => `${p.x ?? p.p},${p.y ?? p.s}`).join(" "),
      }));
      const marks =
        gd.querySelectorAll(".point").length +
        [...gd.querySelectorAll(".js-line")].filter(
          (el: { getAttribute(name: string): string | null }) => (el.getAttribute("d") ?? "").length > 0,
        ).length;
      window.Plotly.Fx.hover(gd, [{ curveNumber, pointNumber }]);
      const hover = gd.querySelector(".hoverlayer")?.textContent ?? "";
      return { traces, marks, hover };
    },
    { curveNumber, pointNumber },
  );
}

/**
 * Shows an output as JupyterLab does — its HTML inserted as a fragment, so its scripts run — in
 * place of the last. plotly.js is on the page already: the 4.8 MB copy a standalone page inlines
 * (the library's own constant) is dropped, the guard around it kept.
 */
async function show(html: string, curve: number, point: number): Promise<Drawn> {
  await page.evaluate((html) => {
    const nb = document.getElementById("nb");
    nb.replaceChildren();
    nb.appendChild(document.createRange().createContextualFragment(html));
  }, html.split(plotlySource()).join(""));
  return drawn(curve, point);
}

/** A scored position whose hover must name the token and its most likely other token. */
function probe(): { row: TokenLogprob; other: string } {
  for (const row of result.rows.slice(500)) {
    const other = row.alternatives.find((alt) => alt.token !== row.token && alt.token.trim().length > 1);
    if (row.logprob !== null && row.token.trim().length > 1 && other && other.rank === 1)
      return { row, other: other.token };
  }
  throw new Error("no position with a word token and a different top-1 word");
}

const CHARTS: { name: string; build: () => Figure; hoverTrace: number; traces: number }[] = [
  { name: "surprisal", build: () => plot.surprisal(result), hoverTrace: 0, traces: 1 },
  { name: "logprobs", build: () => plot.logprobs(result), hoverTrace: 0, traces: 2 },
  { name: "entropy", build: () => plot.entropy(result), hoverTrace: 1, traces: 2 },
];

describe("1,000-token charts in headless Chromium", () => {
  for (const chart of CHARTS) {
    it(`${chart.name}: standalone and notebook draw the same chart, and the hover shows token and alternatives`, async () => {
      const { row, other } = probe();
      const fig = chart.build();
      // The hovered trace's points are the scored positions in order (position 0 has none).
      const scored = result.rows.filter((r) => r.logprob !== null);
      const point = scored.indexOf(row);
      resetNotebookSession();
      mimeBundleOf(plot.ranks(result)); // the session's first figure carries plotly.js
      const bundle = mimeBundleOf(fig);
      expect(Buffer.byteLength(JSON.stringify(bundle))).toBeLessThanOrEqual(NOTEBOOK_FIGURE_BUDGET);

      expect(fig.toHTML()).toContain(plotlySource());
      const page1 = await show(fig.toHTML(), chart.hoverTrace, point);
      const page2 = await show(bundle["text/html"] as string, chart.hoverTrace, point);
      for (const shown of [page1, page2]) {
        const drawnTraces = shown.traces.filter((t) => t.points > 1);
        expect(drawnTraces.length).toBeGreaterThanOrEqual(chart.traces);
        expect(shown.traces[chart.hoverTrace]?.points).toBe(scored.length);
        expect(shown.marks).toBeGreaterThan(0);
        expect(shown.hover).toContain(visibleWhitespace(row.token));
        expect(shown.hover).toContain(`position ${row.position}`);
        expect(shown.hover).toContain(visibleWhitespace(other));
        expect(shown.hover).toMatch(/rank (\d+|> \d+ \(censored\))/);
      }
      expect(page2.traces).toEqual(page1.traces);
      expect(page2.hover).toBe(page1.hover);
    }, 90_000);
  }
});
