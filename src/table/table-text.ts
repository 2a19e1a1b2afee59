import { visibleWhitespace } from "../core/visible-whitespace.js";
import type { Table } from "./tokens-table.js";

/**
 * A fixed-width plain-text rendering of the first rows, for terminals and `console.log`.
 *
 * @example
 * console.log(tableToText(result.tokens, { columns: ["position", "token", "logprob"] }))
 */
export function tableToText(
  table: Table,
  options: { limit?: number; columns?: string[]; digits?: number } = {},
): string {
  const limit = options.limit ?? 50;
  const names = options.columns ?? table.columnNames();
  const rows = (table.objects({ limit }) as Record<string, unknown>[]).map((row) =>
    names.map((name) => cell(name, row[name], options.digits ?? 4)),
  );
  const widths = names.map((name, c) => Math.max(name.length, ...rows.map((row) => [...row[c]].length)));
  const line = (cells: string[]) =>
    cells.map((text, c) => text + " ".repeat(widths[c] - [...text].length)).join("  ");
  const total = table.numRows();
  const footer = total > rows.length ? [`… ${total - rows.length} more rows (${total} in all)`] : [];
  return [line(names), ...rows.map(line), ...footer].join("\n");
}

function cell(name: string, value: unknown, digits: number): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toPrecision(digits);
  const text = String(value);
  return name.includes("token") && !name.endsWith("_id")
    ? JSON.stringify(visibleWhitespace(text)).slice(1, -1)
    : text;
}
