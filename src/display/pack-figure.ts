import type { FigureSpec } from "../plot/figure-spec.js";

/** Where a packed trace keeps its `customdata` column by column (`UNPACK_SCRIPT` turns it back). */
export const COLUMNS_KEY = "lplabCustomdataColumns";

/**
 * JavaScript (ES5, for the page) that undoes `packFigure` on a parsed figure `f` before it is
 * drawn: per-point rows of `customdata` from its columns.
 */
export const UNPACK_SCRIPT =
  `f.data.forEach(function(t){var c=t.${COLUMNS_KEY};if(!c)return;delete t.${COLUMNS_KEY};` +
  "t.customdata=c[0].map(function(_,i){return c.map(function(col){return col[i]})});});";

/**
 * The figure as the packed notebook copy carries it (see `compactFigureDiv`): the same chart in
 * fewer gzipped bytes. Evenly spaced `x` (positions 1, 2, 3, …: most per-position traces) becomes
 * Plotly's own `x0`/`dx`, which plotly.js expands to the same coordinates; per-point `customdata`
 * rows go column by column (alike values side by side compress better), turned back into rows by
 * `UNPACK_SCRIPT` before plotly.js sees them. The figure draws and hovers exactly as the plain
 * JSON does.
 *
 * @example
 * packFigure({ data: [{ x: [1, 2, 3], y: [5, 6, 7] }], layout: {} }).data // [{ x0: 1, dx: 1, y: [5, 6, 7] }]
 */
export function packFigure(spec: FigureSpec): FigureSpec {
  return { ...spec, data: spec.data.map(packTrace) };
}

function packTrace(trace: Record<string, unknown>): Record<string, unknown> {
  return packRows(packX(trace));
}

function packX(trace: Record<string, unknown>): Record<string, unknown> {
  if (!xIsPosition(trace)) return trace;
  const step = evenStep(trace.x);
  if (step === null || "x0" in trace || "dx" in trace) return trace;
  const { x, ...rest } = trace;
  return { ...rest, x0: (x as number[])[0], dx: step };
}

/**
 * Whether `x` holds the points' positions, which `x0`/`dx` can say: not a histogram's samples, a
 * horizontal bar's lengths or a heatmap's (possibly edge) columns.
 */
function xIsPosition(trace: Record<string, unknown>): boolean {
  const type = trace.type ?? "scatter";
  return type === "scatter" || type === "scattergl" || (type === "bar" && trace.orientation !== "h");
}

/** Rows of equal length (at least one column) go as columns; any other customdata stays as is. */
function packRows(trace: Record<string, unknown>): Record<string, unknown> {
  const rows = trace.customdata;
  if (!Array.isArray(rows) || rows.length === 0 || !Array.isArray(rows[0])) return trace;
  const width = (rows[0] as unknown[]).length;
  if (width === 0 || !rows.every((row) => Array.isArray(row) && row.length === width)) return trace;
  const { customdata: _, ...rest } = trace;
  const columns = Array.from({ length: width }, (_, j) => rows.map((row) => (row as unknown[])[j]));
  return { ...rest, [COLUMNS_KEY]: columns };
}

/** The step of an evenly spaced integer array of at least 3 values (exactly: integers only), else null. */
function evenStep(values: unknown): number | null {
  if (!Array.isArray(values) || values.length < 3) return null;
  const first = values[0];
  const step = values[1] - first;
  if (!Number.isInteger(first) || !Number.isInteger(step) || step === 0) return null;
  for (let i = 0; i < values.length; i++) if (values[i] !== first + i * step) return null;
  return step;
}
