import { escapePlotly } from "../core/escape-html.js";
import type { TokenLogprob } from "../core/token-logprob.js";
import { visibleWhitespace } from "../core/visible-whitespace.js";
import { DEFAULT_CONFIG, type FigureSpec } from "./figure-spec.js";
import { plotlyText } from "./hover.js";
import { type PaletteName, palette } from "./palette.js";
import type { HasRows } from "./surprisal.js";

export interface TopKOptions {
  palette?: PaletteName;
  /** Unit of the surprisal shown on hover (default "bits"). */
  unit?: "bits" | "nats";
  title?: string;
  height?: number;
  /** Ranks shown as rows (default: the largest top-k reported, at most 20). */
  k?: number;
  /** First position shown (default 0). */
  start?: number;
  /** Positions shown from `start` (default 40, one row each); the title says when the view is a window. */
  maxPositions?: number;
  /** Cell text is cut to this many characters, with "…" (default 12; hover shows it whole). */
  maxCellChars?: number;
}

/**
 * The reported top-k as a position × rank heatmap, read like a table: one row per position
 * (labelled with the position and its actual token), one column per rank (1 on the left), colour =
 * the alternative's probability, cell text = the alternative's token (escaped, whitespace made
 * visible). The actual token's cell is outlined (a box, not a colour). When the actual token is
 * outside the columns shown — censored (rank > k) or ranked below k — it appears in an extra last
 * column "actual, not in top-k" with its rank or bound in the cell text. Long results show a
 * window of positions (`start`, `maxPositions`), named in the subtitle.
 *
 * @example
 * const spec = topK(result, { k: 5, palette: "colorblind" });
 */
export function topK(result: HasRows, options: TopKOptions = {}): FigureSpec {
  const unit = options.unit ?? "bits";
  const scale = unit === "bits" ? 1 / Math.LN2 : 1;
  const colors = palette(options.palette);
  const start = Math.max(0, options.start ?? 0);
  const maxPositions = Math.max(1, options.maxPositions ?? 40);
  const maxChars = Math.max(1, options.maxCellChars ?? 12);
  const all = result.rows;
  const rows = all.slice(start, start + maxPositions);
  const k = Math.max(1, options.k ?? Math.min(20, Math.max(1, ...all.map((row) => row.topK))));
  const cells = rows.map((row) => placeAlternatives(row, k));
  const outside = cells.some((c) => c.outside !== null);
  const columns = k + (outside ? 1 : 0);
  const z: (number | null)[][] = [];
  const text: string[][] = [];
  // Per cell only what the hover needs beyond y, z and the cell text: the whole token where the
  // cell cuts it, the surprisal and the rank; the labels live once in the template.
  const custom: (string | number | null)[][][] = [];
  const shapes: Record<string, unknown>[] = [];
  rows.forEach((row, line) => {
    const placed = cells[line];
    z.push([]);
    text.push([]);
    custom.push([]);
    for (let c = 0; c < columns; c++) {
      const cell = c < k ? placed.byRank[c] : placed.outside;
      const isActual = c < k ? placed.actualRank === c + 1 : placed.outside !== null;
      if (!cell) {
        z[line].push(null);
        text[line].push("");
        custom[line].push(null as never);
        continue;
      }
      const p = cell.logprob === null ? null : Math.exp(cell.logprob);
      const shown = plotlyText(cell.token);
      // Cut the visible text, then escape: cutting escaped text could split an entity.
      const chars = [...visibleWhitespace(cell.token)];
      const cut = chars.length > maxChars ? `${escapePlotly(chars.slice(0, maxChars - 1).join(""))}…` : shown;
      // The rank as a number where it is the column's, as text where it says more.
      const rank = c < k ? c + 1 : rankLabel(row).replace(/^rank /, "");
      z[line].push(p === null ? null : round(p));
      text[line].push(c < k ? cut : `${cut} (${shortRank(row)})`);
      custom[line].push([
        // The whole token only where the cell shows it cut (most cells show it whole).
        cut === shown ? "" : `<br>whole: ${shown}`,
        cell.logprob === null ? null : Math.round(-cell.logprob * scale * 10) / 10,
        isActual ? `${rank}  ◀ actual token` : rank,
      ]);
    }
    const actualColumn = placed.actualRank ?? (placed.outside ? k + 1 : null);
    if (actualColumn !== null) {
      shapes.push({
        type: "rect",
        xref: "x",
        yref: "y",
        x0: actualColumn - 0.5,
        x1: actualColumn + 0.5,
        y0: row.position - 0.5,
        y1: row.position + 0.5,
        // Plotly's default fill is transparent.
        line: { color: "#000000", width: 2.5 },
      });
    }
  });
  const window =
    rows.length < all.length
      ? ` · positions ${rows[0]?.position ?? start}–${rows[rows.length - 1]?.position ?? start} of ${all.length}`
      : "";
  const ranks = Array.from({ length: columns }, (_, i) => i + 1);
  const yLabels = rows.map((row) => `${row.position} ${plotlyText(row.token)}`);
  const longest = Math.max(
    4,
    ...rows.map((row) => [...visibleWhitespace(row.token)].length + `${row.position}`.length + 1),
  );
  return {
    data: [
      {
        type: "heatmap",
        name: "top-k",
        x: ranks,
        y: rows.map((row) => row.position),
        z,
        text,
        texttemplate: "%{text}",
        textfont: { size: 11, family: "monospace" },
        customdata: custom,
        hovertemplate:
          "position %{y} · rank %{customdata[2]}<br><b>%{text}</b>%{customdata[0]}<br>" +
          `p %{z:.2~g} · %{customdata[1]:.1f} ${unit}<extra></extra>`,
        // Unreported cells stay blank, without a hover.
        hoverongaps: false,
        colorscale: colors.sequential,
        zmin: 0,
        zmax: 1,
        xgap: 1,
        ygap: 1,
        colorbar: {
          title: { text: "probability" },
          len: Math.min(1, 300 / (120 + 26 * rows.length)),
          y: 1,
          yanchor: "top",
        },
      },
    ],
    layout: {
      title: {
        text:
          `${escapePlotly(options.title ?? "Top-k alternatives per position")}<br><sub>` +
          `outlined cell = the actual token${window}</sub>`,
        y: 1,
        yanchor: "top",
        pad: { t: 12 },
      },
      height: options.height ?? Math.max(260, 140 + 26 * rows.length),
      margin: { t: 130, r: 20, b: 20, l: Math.min(260, 30 + 7 * longest) },
      hoverlabel: { align: "left", font: { family: "monospace" } },
      xaxis: {
        title: { text: "rank (1-based)" },
        side: "top",
        showgrid: false,
        zeroline: false,
        tickmode: "array",
        tickvals: ranks,
        ticktext: ranks.map((r) => (r <= k ? `${r}` : `actual, not in top-${k}`)),
      },
      yaxis: {
        title: { text: "position (actual token)" },
        autorange: "reversed",
        showgrid: false,
        zeroline: false,
        tickmode: "array",
        tickvals: rows.map((row) => row.position),
        ticktext: yLabels,
      },
      shapes,
    },
    config: { ...DEFAULT_CONFIG },
  };
}

type Cell = { token: string; logprob: number | null };

/**
 * The alternatives of one position by rank (1..k), and the actual token when it falls outside them
 * (censored, or a known rank above k as vLLM appends it).
 */
function placeAlternatives(
  row: TokenLogprob,
  k: number,
): { byRank: (Cell | null)[]; actualRank: number | null; outside: Cell | null } {
  const byRank: (Cell | null)[] = Array.from({ length: k }, () => null);
  let actualRank: number | null = null;
  row.alternatives.forEach((alt, i) => {
    const rank = alt.rank ?? (i < row.topK ? i + 1 : null);
    if (rank === null || rank > k || byRank[rank - 1]) return;
    byRank[rank - 1] = { token: alt.token, logprob: alt.logprob };
    const same =
      alt.tokenId !== null && row.tokenId !== null ? alt.tokenId === row.tokenId : alt.token === row.token;
    if (same && !row.rankCensored && (row.rank === null || row.rank === rank)) actualRank = rank;
  });
  if (
    actualRank === null &&
    row.rank !== null &&
    row.rank <= k &&
    !row.rankCensored &&
    byRank[row.rank - 1]
  ) {
    actualRank = row.rank;
  }
  const scoredHere = row.logprob !== null || row.rankCensored;
  const outside =
    actualRank === null && scoredHere && row.position > 0 && !row.special
      ? { token: row.token, logprob: row.logprob }
      : null;
  return { byRank, actualRank, outside };
}

/** The rank of an actual token outside the columns, as short as the cell needs: "240", ">5". */
function shortRank(row: TokenLogprob): string {
  if (row.rankCensored) return `>${row.rankBound ?? "k"}`;
  return row.rank === null ? "?" : `${row.rank}`;
}

function rankLabel(row: TokenLogprob): string {
  if (row.rankCensored) return `rank > ${row.rankBound ?? "k"} (censored)`;
  return row.rank === null ? "rank unknown" : `rank ${row.rank}`;
}

/** Two significant digits, as the hover shows the probability (the colour shows far less). */
function round(value: number): number {
  return Number(value.toPrecision(2));
}
