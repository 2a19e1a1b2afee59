import { escapeHtml } from "../core/escape-html.js";
import { visibleWhitespace } from "../core/visible-whitespace.js";
import type { Table } from "./tokens-table.js";

export interface TableHtmlOptions {
  /** Rows shown (default 20); the caption says how many there are. */
  limit?: number;
  /** Columns shown (default all). */
  columns?: string[];
  /** Significant digits for numbers (default 4). */
  digits?: number;
}

/**
 * A self-contained, escaped HTML table of the first rows with a "shown k of N rows" caption.
 * Token-like columns show whitespace visibly (`␣`, `⏎`).
 *
 * @example
 * tableToHTML(result.tokens, { limit: 10 })
 */
export function tableToHTML(table: Table, options: TableHtmlOptions = {}): string {
  const limit = options.limit ?? 20;
  const digits = options.digits ?? 4;
  const names = options.columns ?? table.columnNames();
  const total = table.numRows();
  const rows = table.objects({ limit }) as Record<string, unknown>[];
  const head = names.map((name) => `<th>${escapeHtml(name)}</th>`).join("");
  const body = rows
    .map(
      (row) => `<tr>${names.map((name) => `<td>${formatCell(name, row[name], digits)}</td>`).join("")}</tr>`,
    )
    .join("\n");
  const caption = `${Math.min(limit, total)} of ${total} rows × ${names.length} columns`;
  return `<div class="lplab-table"><table style="border-collapse:collapse;font:12px/1.4 ui-monospace,monospace">
<caption style="caption-side:bottom;text-align:left;color:#666">${caption}</caption>
<thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody></table></div>`;
}

function formatCell(column: string, value: unknown, digits: number): string {
  if (value === null || value === undefined) return '<span style="color:#999">null</span>';
  if (typeof value === "number") {
    return Number.isInteger(value) ? String(value) : escapeHtml(value.toPrecision(digits));
  }
  const text = String(value);
  return escapeHtml(column.includes("token") && !column.endsWith("_id") ? visibleWhitespace(text) : text);
}
