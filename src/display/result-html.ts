import { escapeHtml } from "../core/escape-html.js";
import type { Summary } from "../core/summary.js";
import type { TokenLogprob } from "../core/token-logprob.js";
import type { FigureSpec } from "../plot/figure-spec.js";
import { surprisal } from "../plot/surprisal.js";
import { tableToHTML } from "../table/table-html.js";
import type { Table } from "../table/tokens-table.js";
import { figureDiv, standalonePage } from "./figure-html.js";
import { notebookFigureHtml } from "./notebook-html.js";

/** What a result view needs (a `LogprobResult` has all of it). */
export interface ResultView {
  rows: readonly TokenLogprob[];
  text: string;
  summary: Summary;
  tokens: Table;
  model?: string;
}

const TABLE_COLUMNS = [
  "position",
  "token_id",
  "token",
  "logprob",
  "prob",
  "surprisal_bits",
  "rank",
  "top_k",
  "top1_token",
];

/**
 * One line of totals: scored tokens, total and mean logprob, perplexity, bits per byte.
 *
 * @example
 * summaryLine(result.summary) // "5 scored tokens · total -21.3 nats · …"
 */
export function summaryLine(summary: Summary): string {
  const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
  return `${summary.tokenCount} scored tokens of ${summary.positionCount} positions · total ${f(summary.totalLogprob)} nats · mean ${f(summary.meanLogprob)} nats · perplexity ${f(summary.perplexity, 2)} · ${f(summary.bitsPerByte)} bits/byte`;
}

function body(view: ResultView, figureHtml: (spec: FigureSpec) => string): string {
  const model = view.model ? ` — ${escapeHtml(view.model)}` : "";
  return `<div class="lplab-result" style="font-family:system-ui,sans-serif">
<div style="font-size:13px;color:#333;margin:4px 0">${escapeHtml(summaryLine(view.summary))}${model}</div>
${figureHtml(surprisal(view))}
${tableToHTML(view.tokens, { limit: 20, columns: TABLE_COLUMNS })}
</div>`;
}

/**
 * The notebook HTML of a result: its totals, the surprisal chart and the first rows of its table.
 *
 * @example
 * resultNotebookHtml(result)
 */
export function resultNotebookHtml(view: ResultView): string {
  return body(view, notebookFigureHtml);
}

/**
 * A standalone offline page with the same content.
 *
 * @example
 * fs.writeFileSync("result.html", resultPageHtml(result))
 */
export function resultPageHtml(view: ResultView): string {
  return standalonePage(body(view, figureDiv), `logprob-lab: ${view.text.slice(0, 60)}`);
}
