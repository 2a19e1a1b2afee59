import * as aq from "arquero";
import { escapeHtml } from "../core/escape-html.js";
import type { Summary } from "../core/summary.js";
import type { IdentificationMethod, TokenLogprob } from "../core/token-logprob.js";
import { visibleWhitespace } from "../core/visible-whitespace.js";
import { ranks } from "../plot/ranks.js";
import { surprisal } from "../plot/surprisal.js";
import { textHeatmap } from "../plot/text-heatmap.js";
import { tableToHTML } from "../table/table-html.js";
import type { Table } from "../table/tokens-table.js";
import { figureDiv, plotlyLoaderHtml } from "./figure-html.js";
import { summaryLine } from "./result-html.js";

/** What a report needs (a `LogprobResult` has all of it). */
export interface ReportInput {
  rows: readonly TokenLogprob[];
  text: string;
  summary: Summary;
  tokens: Table;
  alternatives: Table;
  model?: string;
  dialect?: string;
  method?: IdentificationMethod;
  incomplete?: boolean;
}

/** One section of a report: an `<h2>` title and body HTML (already escaped by its builder). */
export interface ReportSection {
  /** Anchor id, unique in the report (letters, digits, `-`). */
  id: string;
  title: string;
  html: string;
}

/** Makes a section from the result, or returns undefined to leave it out. */
export type ReportSectionBuilder = (
  result: ReportInput,
  options: ResolvedReportOptions,
) => ReportSection | undefined;

export interface ReportOptions {
  /** Page title and heading (default "logprob-lab report"). */
  title?: string;
  /** Token-table rows shown; longer texts show the first N with a note (default 2000). */
  maxTableRows?: number;
  /** How many of the most surprising positions get their alternatives listed (default 10). */
  surprisingCount?: number;
  /**
   * The sections, in order (default `DEFAULT_REPORT_SECTIONS`). Append your own:
   * `sections: [...DEFAULT_REPORT_SECTIONS, mySection]`.
   */
  sections?: readonly ReportSectionBuilder[];
  /** When the report was made (default now); shown in its header. */
  date?: Date;
}

export type ResolvedReportOptions = Required<Omit<ReportOptions, "sections">>;

const f = (x: number | null | undefined, digits = 3) =>
  typeof x === "number" && Number.isFinite(x) ? x.toFixed(digits) : "n/a";

/** Totals, the scored text and where the numbers came from. */
export const summarySection: ReportSectionBuilder = (result) => {
  const s = result.summary;
  const facts: [string, string][] = [
    ["scored tokens", `${s.tokenCount} of ${s.positionCount} positions`],
    ["total logprob", `${f(s.totalLogprob)} nats (${f(-s.totalLogprob / Math.LN2, 2)} bits of surprisal)`],
    ["mean logprob", `${f(s.meanLogprob)} nats per token`],
    ["perplexity", f(s.perplexity, 2)],
    ["bits per byte", `${f(s.bitsPerByte)} (${s.byteCount} UTF-8 bytes)`],
  ];
  if (result.model) facts.push(["model", result.model]);
  if (result.dialect) facts.push(["server dialect", result.dialect]);
  if (result.method) facts.push(["actual tokens identified by", result.method]);
  if (result.incomplete)
    facts.push(["note", "the stream stopped early: only the tokens received are scored"]);
  const rows = facts
    .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join("\n");
  return {
    id: "summary",
    title: "Summary",
    html: `<pre class="lplab-text">${escapeHtml(result.text)}</pre>
<table class="lplab-facts">
${rows}
</table>
<p class="lplab-note">Logprobs are natural logs (nats); surprisal is in bits (−logprob / ln 2); ranks are 1-based.
Position 0 has nothing before it and is not scored.</p>`,
  };
};

/** The per-position surprisal bar chart (alternatives on hover). */
export const surprisalSection: ReportSectionBuilder = (result) => ({
  id: "surprisal",
  title: "Surprisal per position",
  html: figureDiv(surprisal(result)),
});

/** The text itself coloured by surprisal, the top-k in each token's tooltip (plain HTML). */
export const textSection: ReportSectionBuilder = (result) => ({
  id: "text",
  title: "The text, coloured by surprisal",
  html: textHeatmap(result),
});

/** GLTR's view: how often the actual token was the model's top-10, top-100, top-1000 guess. */
export const ranksSection: ReportSectionBuilder = (result) => ({
  id: "ranks",
  title: "Rank buckets (GLTR)",
  html: figureDiv(ranks(result)),
});

/** Rank as shown to readers: the number, or "> k" when the server did not report it (censored). */
function rankText(row: Record<string, unknown>): string | null {
  if (row.rank_censored) return `> ${row.top_k}`;
  return typeof row.rank === "number" ? String(row.rank) : null;
}

const TOKEN_COLUMNS = [
  "position",
  "token",
  "token_id",
  "logprob",
  "prob",
  "surprisal_bits",
  "rank",
  "top_k",
  "top1_token",
  "top1_logprob",
  "is_prompt",
  "special",
];

/** Every position's numbers (the first `maxTableRows` of a long text, with a note). */
export const tokenTableSection: ReportSectionBuilder = (result, options) => {
  const total = result.tokens.numRows();
  const limit = options.maxTableRows;
  const names = result.tokens.columnNames();
  const columns = TOKEN_COLUMNS.filter((c) => names.includes(c));
  const shown = (result.tokens.objects({ limit }) as Record<string, unknown>[]).map((row) =>
    Object.fromEntries(columns.map((c) => [c, c === "rank" ? rankText(row) : row[c]])),
  );
  const table = shown.length > 0 ? aq.from(shown) : aq.table(Object.fromEntries(columns.map((c) => [c, []])));
  const note =
    total > limit
      ? `<p class="lplab-note">Showing the first ${limit} of ${total} positions. All rows: <code>r.tokens.toCSV()</code>
or <code>logprob-lab score --json</code>; more here with <code>--rows ${total}</code>.</p>`
      : "";
  return {
    id: "tokens",
    title: "Tokens",
    html: `${note}${tableToHTML(table, { limit, columns })}`,
  };
};

/** The alternatives the model preferred at the most surprising scored positions. */
export const alternativesSection: ReportSectionBuilder = (result, options) => {
  const scored = result.rows.filter((row) => row.logprob !== null);
  const top = [...scored]
    .sort((a, b) => (a.logprob as number) - (b.logprob as number) || a.position - b.position)
    .slice(0, options.surprisingCount);
  if (top.length === 0) {
    return { id: "alternatives", title: "Most surprising tokens", html: "<p>No position was scored.</p>" };
  }
  const blocks = top.map((row) => {
    const bits = -(row.logprob as number) / Math.LN2;
    const rank = row.rankCensored
      ? `> ${row.rankBound ?? row.topK}`
      : row.rank === null
        ? "unknown"
        : String(row.rank);
    const head =
      `<h3>position ${row.position}: <code>${escapeHtml(visibleWhitespace(row.token))}</code></h3>` +
      `<p>${f(bits, 2)} bits · p = ${escapeHtml(Math.exp(row.logprob as number).toPrecision(3))} · rank ${escapeHtml(rank)}</p>`;
    if (row.alternatives.length === 0) {
      return `<div class="lplab-surprise">${head}<p class="lplab-note">The server reported no alternatives here.</p></div>`;
    }
    const alternatives = aq.from(
      row.alternatives.map((alt) => ({
        rank: alt.rank,
        token: alt.token,
        logprob: alt.logprob,
        prob: alt.logprob === null ? null : Math.exp(alt.logprob),
        actual:
          alt.tokenId !== null && row.tokenId !== null
            ? alt.tokenId === row.tokenId
            : alt.token === row.token,
      })),
    );
    return `<div class="lplab-surprise">${head}${tableToHTML(alternatives, { limit: row.alternatives.length })}</div>`;
  });
  return {
    id: "alternatives",
    title: `The ${top.length} most surprising tokens and what the model expected`,
    html: `<p class="lplab-note">Highest surprisal first. Each table lists the alternatives the server reported
at that position; <code>actual</code> marks the token that was really there.</p>
<div class="lplab-surprises">
${blocks.join("\n")}
</div>`,
  };
};

/** The sections of a report, in order; append your own. */
export const DEFAULT_REPORT_SECTIONS: readonly ReportSectionBuilder[] = [
  summarySection,
  textSection,
  surprisalSection,
  ranksSection,
  tokenTableSection,
  alternativesSection,
];

const STYLE = `body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:1100px;padding:0 1rem;color:#222}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
h3{font-size:1rem;margin:1rem 0 .2rem}header p,.lplab-note{color:#555;font-size:13px}
nav a{margin-right:1rem}pre.lplab-text{white-space:pre-wrap;background:#f6f6f6;padding:.6rem;border-radius:4px}
table.lplab-facts th{text-align:left;font-weight:normal;color:#555;padding-right:1rem}
.lplab-table th,.lplab-table td{padding:1px 8px;border-bottom:1px solid #eee;text-align:right}
.lplab-surprises{display:flex;flex-wrap:wrap;gap:.5rem 2rem}.lplab-surprise{min-width:300px}`;

/**
 * A complete, self-contained offline HTML report of one result: summary, surprisal chart, the
 * token table and the alternatives at the most surprising tokens (plotly.js inlined once; no
 * external URL; all token text escaped). `sections` chooses and orders the sections.
 *
 * @example
 * fs.writeFileSync("report.html", reportHtml(result, { title: "France" }))
 */
export function reportHtml(result: ReportInput, options: ReportOptions = {}): string {
  const resolved: ResolvedReportOptions = {
    title: options.title ?? "logprob-lab report",
    maxTableRows: options.maxTableRows ?? 2000,
    surprisingCount: options.surprisingCount ?? 10,
    date: options.date ?? new Date(),
  };
  const sections = (options.sections ?? DEFAULT_REPORT_SECTIONS)
    .map((build) => build(result, resolved))
    .filter((section): section is ReportSection => section !== undefined);
  const ids = new Set<string>();
  for (const section of sections) {
    if (!/^[A-Za-z][\w-]*$/.test(section.id) || ids.has(section.id)) {
      throw new Error(`report section id ${JSON.stringify(section.id)} is invalid or used twice`);
    }
    ids.add(section.id);
  }
  const nav = sections.map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join("");
  const body = sections
    .map(
      (s) =>
        `<section id="${s.id}" class="lplab-section">\n<h2>${escapeHtml(s.title)}</h2>\n${s.html}\n</section>`,
    )
    .join("\n");
  const title = escapeHtml(resolved.title);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="generator" content="logprob-lab"><title>${title}</title>
<style>${STYLE}</style></head>
<body>
<header><h1>${title}</h1>
<p>${escapeHtml(summaryLine(result.summary))} · made ${escapeHtml(resolved.date.toISOString())} by logprob-lab</p>
<nav>${nav}</nav></header>
${plotlyLoaderHtml()}
${body}
</body></html>
`;
}
