// Notebook output: the bytes each chart adds to a notebook (its MIME bundle once plotly.js is
// inlined) for a 1,000-token result with top-20 alternatives from the embedded model, the text
// heatmap's bytes per token, and how long a 100,000-point overview takes to draw in headless
// Chromium against a 1,000-point one.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dist, median } from "./harness.mjs";
import { TEXTS } from "./texts.mjs";

const FIGURE_TARGET = 40 * 1024;
const HEATMAP_TARGET = 100;

export async function bench({ reps, record }) {
  const { loadTokenizer } = dist("local/tokenizer.js");
  const { completionsResponse } = dist("local/completions.js");
  const { embeddedEngine } = dist("local/engine.js");
  const { fromResponse, plot, mimeBundleOf, resetNotebookSession } = dist("index.js");
  const { LogprobResult } = dist("result.js");
  const tokenizer = loadTokenizer();
  const engine = embeddedEngine();
  const scoreIds = (count) => {
    const ids = [];
    while (ids.length < count) for (const t of TEXTS) ids.push(...tokenizer.encode(t));
    const body = completionsResponse(engine, {
      prompt: [tokenizer.bos, ...ids].slice(0, count),
      max_tokens: 1,
      prompt_logprobs: 20,
      return_token_ids: true,
    });
    return fromResponse(body);
  };
  const r = scoreIds(1000);

  // What a notebook stores: the MIME bundle as JSON, after the session's first figure carried plotly.js.
  resetNotebookSession();
  mimeBundleOf(plot.ranks(r));
  const bytes = (value) => Buffer.byteLength(JSON.stringify(mimeBundleOf(value)));
  const worst = r.rows.reduce((a, b) => ((b.logprob ?? 0) < (a.logprob ?? 0) ? b : a));
  const quarter = r.rows.length / 4;
  const choicesInput = {
    context: TEXTS[0].slice(0, 40),
    choices: [0, 1, 2, 3].map((i) => {
      const rows = r.rows.slice(1 + i * quarter, (i + 1) * quarter);
      return {
        label: rows.map((row) => row.token).join(""),
        totalLogprob: rows.reduce((s, row) => s + row.logprob, 0),
        rows,
      };
    }),
  };
  const figures = {
    surprisal: () => plot.surprisal(r),
    logprobs: () => plot.logprobs(r),
    ranks: () => plot.ranks(r),
    rankHistogram: () => plot.rankHistogram(r),
    rankCdf: () => plot.rankCdf(r),
    topK: () => plot.topK(r),
    entropy: () => plot.entropy(r),
    temperature: () => plot.temperature(r, worst.position),
    overview: () => plot.overview(r),
    compare: () => plot.compare(r, r, { names: ["embedded", "embedded again"] }),
    choices: () => plot.choices(choicesInput),
  };
  for (const [name, build] of Object.entries(figures)) {
    const size = bytes(build());
    record(
      `notebook output of plot.${name} for 1,000 tokens × top-20 (KB)`,
      size / 1024,
      null,
      "≤ 40 KB",
      size <= FIGURE_TARGET,
      "KB",
    );
  }
  const heatmap = bytes(plot.text(r)) / r.rows.length;
  record(
    "notebook output of plot.text for 1,000 tokens × top-20 (bytes per token)",
    heatmap,
    null,
    `≤ ${HEATMAP_TARGET} B/token`,
    heatmap <= HEATMAP_TARGET,
    "B",
  );

  // 100,000 positions: the embedded model's scoring of 4,096 tokens, repeated with shifted positions.
  const base = scoreIds(4096).rows.slice(1);
  const rows = [r.rows[0]];
  while (rows.length < 100_000) {
    for (const row of base.slice(0, 100_000 - rows.length)) rows.push({ ...row, position: rows.length });
  }
  const big = new LogprobResult(rows, { dialect: r.dialect, method: r.method });
  const pages = { "1k": plot.overview(r).toHTML(), "100k": plot.overview(big).toHTML() };
  record(
    "notebook output of plot.overview for 100,000 tokens (KB per 1,000 tokens)",
    bytes(plot.overview(big)) / 1024 / 100,
    null,
    "reported",
    true,
    "KB",
  );
  const times = await drawTimes(pages, reps);
  record(
    "plot.overview of 100,000 tokens drawn in headless Chromium (ms) vs 1,000 tokens",
    times["100k"],
    times["1k"],
    "draws (ratio reported)",
    Number.isFinite(times["100k"]),
    "ms",
  );
}

/** Median ms from navigation until the figure is drawn and painted, per page. */
async function drawTimes(pages, reps) {
  const { chromium } = await import("playwright-core");
  const home = mkdtempSync(join(tmpdir(), "lplab-bench-"));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    // As figure.toPNG launches it (src/display/image-export.ts).
    args: [...dist("display/image-export.js").CHROMIUM_ARGS],
    env: { ...process.env, XDG_CACHE_HOME: home, XDG_CONFIG_HOME: home, XDG_DATA_HOME: home },
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 600 } });
    await page.route(/^https?:/, (route) => route.abort("blockedbyclient"));
    // Registered before any page script: wraps Plotly.newPlot as plotly.js defines it, and resolves
    // with the ms since navigation when the plot promise settles (plotly_afterplot has fired) and the
    // next frame is painted.
    await page.addInitScript(() => {
      let resolveDrawn;
      window.__drawn = new Promise((resolve) => {
        resolveDrawn = resolve;
      });
      let plotly;
      Object.defineProperty(window, "Plotly", {
        configurable: true,
        get: () => plotly,
        set(value) {
          plotly = value;
          const newPlot = value.newPlot;
          value.newPlot = (gd, ...rest) => {
            return newPlot(gd, ...rest).then((result) => {
              requestAnimationFrame(() => requestAnimationFrame(() => resolveDrawn(performance.now())));
              return result;
            });
          };
        },
      });
    });
    const files = Object.fromEntries(
      Object.entries(pages).map(([name, html]) => {
        const file = join(home, `${name}.html`);
        writeFileSync(file, html);
        return [name, `file://${file}`];
      }),
    );
    const times = Object.fromEntries(Object.keys(pages).map((k) => [k, []]));
    for (let i = 0; i < reps + 1; i++) {
      for (const [name, url] of Object.entries(files)) {
        await page.goto(url);
        const ms = await page.evaluate(() => window.__drawn);
        const drawn = await page.evaluate(
          () =>
            !!document.querySelector(".lplab-figure .main-svg") &&
            [...document.querySelectorAll(".lplab-figure .scatterlayer .trace, .lplab-figure canvas")]
              .length > 0,
        );
        if (!drawn) throw new Error(`the ${name} overview did not draw`);
        if (i > 0) times[name].push(ms);
      }
    }
    return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  } finally {
    await browser.close();
    rmSync(home, { recursive: true, force: true });
  }
}
