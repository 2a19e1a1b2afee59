// Token text is untrusted: every HTML logprob-lab makes must show it as text and never run it.
// Script payloads go in as tokens, alternatives, model names, titles, series names and labels of
// results parsed from composed vLLM and OpenAI bodies (the full pipeline), every output is rendered
// in headless Chromium (the system's, through playwright-core; no browser is downloaded), and each
// payload must (a) not run — it calls window.__xss(i) or alert(i), which the page reports — and
// (b) be found as text where it belongs: visible text, tooltips, Plotly's SVG text and hover labels.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { visibleWhitespace } from "../../src/core/visible-whitespace.js";
import { plot } from "../../src/display/plot.js";
import { plotlySource } from "../../src/display/plotly-source.js";
import { progressBundle } from "../../src/display/progress.js";
import { mimeBundleOf } from "../../src/display/show.js";
import { fromResponse } from "../../src/from-response.js";
import type { LogprobResult } from "../../src/result.js";
import { tableToHTML } from "../../src/table/table-html.js";
import { headlessChromium } from "./headless-chromium.js";

/** Classic XSS vectors; `c` is the call that reports a run (`__xss(i)`), `a` an alert of the same i. */
const VECTORS: ((c: string, a: string) => string)[] = [
  (c) => `<script>${c}</script>`,
  (c) => `<img src=x onerror=${c}>`,
  (c) => `<svg onload=${c}>`,
  (c) => `<svg><script>${c}</script></svg>`,
  (c) => `"><script>${c}</script>`,
  (c) => `'><img src=x onerror=${c}>`,
  (c) => `" onmouseover="${c}" x="`,
  (c) => `' onfocus='${c}' autofocus x='`,
  (c) => `" autofocus onfocus="${c}`,
  (c) => `javascript:${c}`,
  (c) => `<a href="javascript:${c}">link</a>`,
  (c) => `<a href="javascript:${c}" target="_blank">plotly-style link</a>`,
  (c) => `<iframe src="javascript:parent.${c}"></iframe>`,
  (c) => `<iframe srcdoc="<script>parent.${c}</script>"></iframe>`,
  (c) => `</script><script>${c}</script>`,
  (c) => `</SCRIPT><SCRIPT>${c}</SCRIPT>`,
  (c) => `<!--<script>${c}</script>-->`,
  (c) => `<!-- --><script>${c}</script><!--`,
  (c) => `]]><script>${c}</script>`,
  (c) => `<![CDATA[<script>${c}</script>]]>`,
  (c) => `\u2028</script><script>${c}</script>\u2029`,
  (c) => `";\u2028${c};//`,
  (c) => `&lt;script&gt;${c}&lt;/script&gt;`,
  (c) => `&#60;img src=x onerror=${c}&#62;`,
  (c) => `&#x3C;svg onload=${c}&#x3E;`,
  (c) => `&amp;lt;b&amp;gt;${c}`,
  (c) => `\${${c}}`,
  (c) => `{{constructor.constructor('${c}')()}}`,
  (c) => `<style>@import 'javascript:${c}';</style>`,
  (c) => `<style>*{background:url("javascript:${c}")}</style>`,
  (c) => `<ScRiPt>${c}</sCrIpT>`,
  (c) => `<IMG SRC=x OnErRoR=${c}>`,
  (c) => `<scr\u0000ipt>${c}</script>`,
  (c) => `\u0000<img src=x onerror=${c}>`,
  (c) => `\\u003cscript\\u003e${c}\\u003c/script\\u003e`,
  (c) => `\\x3cimg src=x onerror=${c}\\x3e`,
  (c) => `<body onload=${c}>`,
  (c) => `<details open ontoggle=${c}>`,
  (c) => `<input autofocus onfocus=${c}>`,
  (c) => `<video><source onerror=${c}></video>`,
  (c) => `<audio src=x onerror=${c}>`,
  (c) => `<object data="javascript:${c}"></object>`,
  (c) => `<embed src="javascript:${c}">`,
  (c) => `<math><mtext><table><mglyph><style><img src=x onerror=${c}>`,
  (c) => `<noscript><p title="</noscript><img src=x onerror=${c}>">`,
  (c) => `</textarea><img src=x onerror=${c}>`,
  (c) => `</title><script>${c}</script>`,
  (c) => `</style><script>${c}</script>`,
  (c) => `<meta http-equiv="refresh" content="0;url=javascript:${c}">`,
  (c) => `<form><button formaction=javascript:${c}>go</button></form>`,
  (c) => `<marquee onstart=${c}>m</marquee>`,
  (c) => `<b onmouseover=${c}>bold</b>`,
  (c) => `<span style="color:red" onclick=${c}>span</span>`,
  (c) => `<br><sub>sub</sub><sup>sup</sup><i>${c}</i>`,
  (c) => `%{x}%{text}%{customdata[0]}<extra>${c}</extra>`,
  (c) => `<img/src=x/onerror=${c}>`,
  (c) => `<svg><animate onbegin=${c} attributeName=x dur=1s>`,
  (c) => `<svg><a xlink:href="javascript:${c}"><text>x</text></a></svg>`,
  (c) => `"};${c};//`,
  (c) => `'};${c};//`,
  (c) => `\\"};${c};//`,
  (c) => `\`;${c};//`,
  (c) => `<base href="javascript:${c}//">`,
  (c) => `<div style="background:url(javascript:${c})">d</div>`,
  (c) => `<x onclick=${c}>click</x>`,
  (c) => `\r\n<script>${c}</script>\t`,
  (c) => `  <script>${c}</script>  `,
  (_, a) => `<img src=x onerror=${a}>`,
  (_, a) => `<script>${a}</script>`,
  (_, a) => `"><svg onload=${a}>`,
];

const PAYLOADS = VECTORS.map((vector, i) => vector(`__xss(${i})`, `alert(${i})`));
const N = PAYLOADS.length;
const BATCH = 20; // result tables show their first 20 rows

/** Text as a page shows it, for finding a payload: no whitespace (rendering moves it), no NULs. */
function normalized(text: string): string {
  return visibleWhitespace(text).replace(/[\s\u0000\uFFFD␣⏎⇥␍]/g, "");
}

// --- results built by the real parsers from composed wire bodies ---

const ALTERNATIVES = 4;
const tokenId = (payload: number) => 5000 + payload;

/** A vLLM `/v1/completions` body with `prompt_logprobs` whose prompt tokens are the given payloads. */
function vllmBody(indices: readonly number[], model: string): unknown {
  const dicts: (Record<string, { logprob: number; rank: number; decoded_token: string }> | null)[] = [null];
  indices.forEach((p, i) => {
    const actualRank = i % 3 === 0 ? 1 : ALTERNATIVES + 1 + i; // some outside the top-k
    const dict: Record<string, { logprob: number; rank: number; decoded_token: string }> = {};
    const others = Array.from({ length: ALTERNATIVES }, (_, j) => (p + j + 1) % N);
    let rank = 1;
    for (const other of others) {
      if (rank === actualRank) rank++;
      dict[tokenId(other)] = { logprob: -0.4 * rank, rank, decoded_token: PAYLOADS[other] };
      rank++;
    }
    dict[tokenId(p)] = { logprob: -0.4 * actualRank - 0.1, rank: actualRank, decoded_token: PAYLOADS[p] };
    dicts.push(dict);
  });
  return {
    id: "cmpl-xss",
    object: "text_completion",
    created: 1,
    model,
    choices: [
      {
        index: 0,
        text: "",
        logprobs: null,
        finish_reason: "length",
        prompt_logprobs: dicts,
        prompt_token_ids: [128000, ...indices.map(tokenId)],
      },
    ],
    usage: { prompt_tokens: indices.length + 1, completion_tokens: 0, total_tokens: indices.length + 1 },
  };
}

/** An OpenAI chat completion whose generated tokens are the payloads, each with top_logprobs. */
function chatBody(indices: readonly number[], model: string): unknown {
  const bytes = (text: string) => [...Buffer.from(text, "utf8")];
  return {
    id: "chatcmpl-xss",
    object: "chat.completion",
    created: 1,
    model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: indices.map((p) => PAYLOADS[p]).join("") },
        logprobs: {
          content: indices.map((p, i) => ({
            token: PAYLOADS[p],
            logprob: -0.2 - i / 50,
            bytes: bytes(PAYLOADS[p]),
            top_logprobs: [p, (p + 1) % N, (p + 2) % N].map((q, j) => ({
              token: PAYLOADS[q],
              logprob: j === 0 ? -0.2 - i / 50 : -1 - j,
              bytes: bytes(PAYLOADS[q]),
            })),
          })),
        },
        finish_reason: "stop",
      },
    ],
  };
}

const ALL = Array.from({ length: N }, (_, i) => i);
const batches = Array.from({ length: Math.ceil(N / BATCH) }, (_, b) => ALL.slice(b * BATCH, (b + 1) * BATCH));
const all: LogprobResult = fromResponse(vllmBody(ALL, PAYLOADS[0]));
const chat: LogprobResult = fromResponse(JSON.stringify(chatBody(ALL, PAYLOADS[1])));
const batchResults = batches.map((indices, b) => fromResponse(vllmBody(indices, PAYLOADS[b + 2])));

// --- the browser ---

// Code run in the page (page.evaluate) sees the DOM; the test config has no DOM lib.
declare const document: any;
declare const window: any;

let browser: Browser;
let page: Page;
let headless: Awaited<ReturnType<typeof headlessChromium>> | undefined;
const hits: { where: string; i: number }[] = [];
let where = "";
const NOTEBOOK =
  '<!doctype html><html><head><meta charset="utf-8"></head><body><div id="nb"></div></body></html>';

beforeAll(async () => {
  headless = await headlessChromium();
  browser = headless.browser;
  const context = await browser.newContext({ offline: true });
  page = await context.newPage();
  await page.exposeFunction("__xss", (i: number) => hits.push({ where, i }));
  page.on("dialog", (dialog) => {
    hits.push({ where: `${where} (dialog)`, i: Number(dialog.message()) });
    void dialog.dismiss();
  });
  // Nothing may load from anywhere (an <img src=x> that became markup would try).
  await context.route("**/*", (route) => {
    hits.push({ where: `${where} (request ${route.request().url()})`, i: -1 });
    return route.abort();
  });
  // The notebook: plotly.js loaded once, as a kernel session's first figure would load it.
  await page.setContent(NOTEBOOK);
  await page.addScriptTag({ path: require.resolve("plotly.js-dist-min") });
}, 120_000);

afterAll(() => headless?.close());

interface Shown {
  /** One entry per output (`[data-out]` element): its text and the hover labels read. */
  outputs: { id: string; text: string; hovers: number }[];
}

/**
 * Shows outputs in the notebook page — each output's HTML inserted into its own cell as
 * JupyterLab does (a contextual fragment, so its scripts run). Then gives scripts a moment and
 * reads each output as a reader can see it: visible text (no script or style contents), `title`
 * tooltips, Plotly's SVG text, and — in outputs whose id matches `hoverIds` — the hover label of
 * every point of every Plotly trace (hovered one by one through Plotly.Fx.hover).
 */
async function render(
  label: string,
  outputs: { id: string; html: string }[],
  hoverIds = ".",
): Promise<Shown> {
  where = label;
  // plotly.js is on the page already: drop the 4.8 MB copy each standalone page inlines (the
  // library's own constant, no token text in it), keeping the guard around it.
  const bundle = plotlySource();
  const cells = outputs.map(({ id, html }) => ({ id, html: html.split(bundle).join("") }));
  await page.evaluate((cells) => {
    const nb = document.getElementById("nb");
    nb.replaceChildren();
    for (const cell of cells) {
      const out = document.createElement("div");
      out.setAttribute("data-out", cell.id);
      nb.appendChild(out);
      out.appendChild(document.createRange().createContextualFragment(cell.html));
    }
  }, cells);
  // Every figure drawn (Plotly.newPlot is asynchronous), then a moment for any stray handler.
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll(".lplab-figure")].every(
        (el) => (el as any)._fullLayout && el.querySelector(".main-svg"),
      ),
    undefined,
    { timeout: 30_000, polling: 100 },
  );
  await page.waitForTimeout(50);
  return page.evaluate(async (hoverIds) => {
    const hoverable = new RegExp(hoverIds);
    const w = window;
    const nodes = [...document.querySelectorAll("[data-out]")];
    const outputs = nodes.length > 0 ? nodes : [document.body];
    const result: { id: string; text: string; hovers: number }[] = [];
    for (const out of outputs) {
      const clone = out.cloneNode(true);
      for (const el of clone.querySelectorAll("script,style")) el.remove();
      const parts = [clone.textContent ?? ""];
      for (const el of out.querySelectorAll("[title]")) parts.push(el.getAttribute("title") ?? "");
      let hovers = 0;
      const figures = hoverable.test(out.getAttribute("data-out") ?? "page")
        ? out.querySelectorAll(".js-plotly-plot")
        : [];
      for (const gd of figures) {
        const calcdata: any[] = gd.calcdata ?? [];
        calcdata.forEach((trace, curveNumber) => {
          const data = gd._fullData[curveNumber];
          const hoverable =
            data._module?.hoverPoints && data.hoverinfo !== "skip" && data.hoverinfo !== "none";
          if (!hoverable || data.visible !== true) return; // e.g. a table trace: its text is in the SVG
          const subplot = `${data.xaxis ?? "x"}${data.yaxis ?? "y"}`;
          // Traces point by point; a heatmap one cell per row, in turn through its columns (its
          // rows' tokens are in the tick labels; this puts as many different tokens in hover labels).
          const xs = data.type === "heatmap" ? [...data.x] : [];
          const events: unknown[] =
            data.type === "heatmap"
              ? [...data.y].map((yval: unknown, r: number) => ({ xval: xs[r % xs.length], yval }))
              : Array.from({ length: trace.length }, (_, pointNumber) => [{ curveNumber, pointNumber }]);
          for (const event of events) {
            // Plotly throttles hover per figure id; a fresh id per call draws each label at once.
            gd._fullLayout._uid = `h${hovers}`;
            try {
              w.Plotly.Fx.hover(gd, event, subplot);
            } catch (error) {
              throw new Error(
                `hover on trace ${curveNumber} (${data.type}) ${JSON.stringify(event)}: ${error}`,
              );
            }
            parts.push(gd.querySelector(".hoverlayer")?.textContent ?? "");
            hovers++;
          }
        });
        w.Plotly.Fx.unhover(gd);
      }
      result.push({ id: out.getAttribute("data-out") ?? "page", text: parts.join("\n"), hovers });
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { outputs: result };
  }, hoverIds);
}

/**
 * The payloads each output must show, by output id; `cut`: shown cut to that many characters
 * (the overview labels its points with the first 15 characters and "…").
 */
const expected = new Map<string, readonly number[]>();
const cutAt = new Map<string, number>([["overview page", 16]]);

function expectShown(shown: Shown, label: string): void {
  for (const out of shown.outputs) {
    const want = expected.get(out.id === "page" ? label : out.id);
    expect(want, `${label}: no expectation for output ${out.id}`).toBeDefined();
    const text = normalized(out.text);
    const cut = cutAt.get(out.id);
    const shownForm = (payload: string) =>
      cut && [...payload].length > cut ? [...payload].slice(0, cut - 1).join("") : payload;
    const missing = (want ?? []).filter((p) => !text.includes(normalized(shownForm(PAYLOADS[p]))));
    expect(
      missing.map((p) => `#${p} ${JSON.stringify(PAYLOADS[p])}`),
      `${label} ${out.id} (${out.hovers} hover labels read)`,
    ).toEqual([]);
  }
}

const FIGURES = {
  surprisal: (r: LogprobResult, title?: string) => plot.surprisal(r, { title }),
  logprobs: (r: LogprobResult, title?: string) => plot.logprobs(r, { title }),
  ranks: (r: LogprobResult, title?: string) => plot.ranks(r, { title }),
  rankHistogram: (r: LogprobResult, title?: string) => plot.rankHistogram(r, { title }),
  rankCdf: (r: LogprobResult, title?: string) => plot.rankCdf(r, { title }),
  topK: (r: LogprobResult, title?: string) => plot.topK(r, { title, maxPositions: N + 1 }),
  entropy: (r: LogprobResult, title?: string) => plot.entropy(r, { title }),
  overview: (r: LogprobResult, title?: string) => plot.overview(r, { title }),
  temperature: (r: LogprobResult, title?: string) => plot.temperature(r, 1, [0.5, 1, 2], { title }),
};

describe("every HTML output shows token text as text and runs none of it", () => {
  it("has enough payloads, each unique", () => {
    expect(N).toBeGreaterThanOrEqual(50);
    expect(new Set(PAYLOADS).size).toBe(N);
    expect(all.rows.map((row) => row.token).slice(1)).toEqual(PAYLOADS);
    expect(chat.rows.map((row) => row.token)).toEqual(PAYLOADS);
  });

  it("the hook sees a payload that does run (positive control)", async () => {
    const shown = await render("control", [{ id: "control", html: `${PAYLOADS[1]}${PAYLOADS[N - 3]}` }]);
    for (let wait = 0; wait < 40 && hits.filter((h) => h.i >= 0).length < 2; wait++)
      await page.waitForTimeout(50);
    expect(hits.map((h) => h.i).filter((i) => i >= 0)).toEqual(expect.arrayContaining([1, N - 3]));
    expect(shown.outputs[0].text).not.toContain("onerror");
    await page.waitForTimeout(100);
    hits.length = 0;
  });

  it("result pages (r.toHTML()) and the text heatmap page (HtmlView.toHTML())", async () => {
    const outputs = batchResults.map((result, b) => {
      expected.set(`result page ${b}`, [...batches[b], b + 2]);
      return { id: `result page ${b}`, html: result.toHTML() };
    });
    expected.set("text heatmap page", [...ALL, 3]);
    outputs.push({ id: "text heatmap page", html: plot.text(all, { title: PAYLOADS[3] }).toHTML() });
    expectShown(await render("pages", outputs), "pages");
    expect(hits.map((h) => `${h.where}: ${h.i}`)).toEqual([]);
  });

  it("every chart's standalone page (fig.toHTML()), hover labels and ticks included", async () => {
    const standalone = {
      ...FIGURES,
      compare: (r: LogprobResult) => plot.compare(r, r, { names: [PAYLOADS[5], PAYLOADS[6]] }),
      choices: () =>
        plot.choices({
          context: PAYLOADS[7],
          choices: chat.rows
            .slice(0, 12)
            .map((row, i) => ({ label: PAYLOADS[i], totalLogprob: -1 - i, rows: [row] })),
        }),
    };
    const want: Record<string, readonly number[]> = {
      surprisal: ALL,
      logprobs: ALL,
      topK: ALL,
      entropy: ALL,
      overview: ALL,
      temperature: [0, 1, 2, 3, 4], // position 1: the actual token and its alternatives
      ranks: [],
      rankHistogram: [],
      rankCdf: [],
      compare: [5, 6],
      choices: [...ALL.slice(0, 12), 7],
    };
    const outputs = Object.entries(standalone).map(([name, build]) => {
      expected.set(`${name} page`, want[name]);
      return { id: `${name} page`, html: build(all).toHTML() };
    });
    const shown = await render("figure pages", outputs);
    expectShown(shown, "figure pages");
    for (const out of shown.outputs) {
      if ((expected.get(out.id) ?? []).length > 0) expect(out.hovers, out.id).toBeGreaterThan(0);
    }
    expect(hits.map((h) => `${h.where}: ${h.i}`)).toEqual([]);
  });

  it("notebook outputs (MIME bundles): results, tables, figures with payload titles, heatmaps, progress", async () => {
    const outputs: { id: string; html: string }[] = [];
    const add = (id: string, html: unknown, shows: readonly number[]) => {
      expected.set(id, shows);
      outputs.push({ id, html: String(html) });
    };
    batchResults.forEach((result, b) => {
      add(`result ${b}`, mimeBundleOf(result)["text/html"], [...batches[b], b + 2]);
      // The first 20 rows: the BOS token at position 0, then 19 payloads.
      add(`tokens table ${b}`, mimeBundleOf(result.tokens)["text/html"], batches[b].slice(0, BATCH - 1));
      add(`tokens table.toHTML ${b}`, result.tokens.toHTML(), batches[b]);
    });
    add("alternatives table", tableToHTML(chat.alternatives, { limit: 3 * N }), ALL);
    add("chat result", mimeBundleOf(chat)["text/html"], [...ALL.slice(0, 20), 1]);
    Object.entries(FIGURES).forEach(([name, build], i) => {
      const title = (8 + i) % N;
      add(`${name} figure`, mimeBundleOf(build(chat, PAYLOADS[title]))["text/html"], [title]);
    });
    add(
      "compare figure",
      mimeBundleOf(plot.compare(chat, chat, { title: PAYLOADS[20], names: [PAYLOADS[21], PAYLOADS[22]] }))[
        "text/html"
      ],
      [20, 21, 22],
    );
    const choiceList = ALL.slice(24, 30).map((p) => ({ label: PAYLOADS[p], totalLogprob: -p }));
    add(
      "choices figure",
      mimeBundleOf(plot.choices({ context: PAYLOADS[23], choices: choiceList }, { title: PAYLOADS[30] }))[
        "text/html"
      ],
      [...ALL.slice(23, 30), 30],
    );
    add("text heatmap", mimeBundleOf(plot.text(chat, { title: PAYLOADS[31] }))["text/html"], [...ALL, 31]);
    add(
      "bucket heatmap",
      mimeBundleOf(plot.text(all, { colorBy: "bucket", title: PAYLOADS[32] }))["text/html"],
      [...ALL, 32],
    );
    for (const p of [33, 34, 35]) {
      const bundle = progressBundle(PAYLOADS[p], { done: 1, failed: 0, total: 3, elapsedMs: 10 });
      add(`progress ${p}`, bundle["text/html"], [p]);
    }
    // Most figures here differ from the pages above only by their titles (in the SVG text): hover
    // the results and the choices (long bar labels show whole only on hover).
    const shown = await render("notebook", outputs, "result|choices");
    expect(shown.outputs.map((o) => o.id)).toEqual(outputs.map((o) => o.id));
    expectShown(shown, "notebook");
    expect(hits.map((h) => `${h.where}: ${h.i}`)).toEqual([]);
  });

  it("the report (r.toReport()) with a payload title", async () => {
    expected.set("report", [...ALL, 4]);
    expectShown(
      await render("report", [{ id: "report", html: all.toReport({ title: PAYLOADS[4] }) }]),
      "report",
    );
    expect(hits.map((h) => `${h.where}: ${h.i}`)).toEqual([]);
  });
});
