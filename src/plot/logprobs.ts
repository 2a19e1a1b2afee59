import { escapePlotly } from "../core/escape-html.js";
import type { Alternative, TokenLogprob } from "../core/token-logprob.js";
import { DEFAULT_CONFIG, type FigureSpec } from "./figure-spec.js";
import { hoverText, plotlyText, pointCustomdata, pointHoverTemplate } from "./hover.js";
import { type PaletteName, palette } from "./palette.js";
import type { HasRows } from "./surprisal.js";

export interface LogprobsOptions {
  /**
   * Unit of the log-probabilities (default "nats", as the APIs send them); "bits" shows log₂ p
   * (= logprob / ln 2).
   */
  unit?: "bits" | "nats";
  palette?: PaletteName;
  title?: string;
  /** Label every position with its token up to this many positions (default 60). */
  maxTickLabels?: number;
  height?: number;
}

/**
 * Log-probability per position (nats by default) of the actual token, with the model's top-1
 * choice at each position as a second, dashed series: where the lines part, the model preferred
 * another token (the gap is how much). Censored ranks (the actual token outside the reported
 * top-k, rank > k) get a triangle marker of their own with a legend entry; positions whose logprob
 * is unknown (an API sentinel such as -9999) are not given a made-up value: an "x" at the bottom
 * edge of the plot marks them. Position 0 has no conditional and gets no point.
 *
 * @example
 * const spec = logprobs(result, { palette: "colorblind" }); // Plotly {data, layout, config}
 */
export function logprobs(result: HasRows, options: LogprobsOptions = {}): FigureSpec {
  const unit = options.unit ?? "nats";
  const scale = unit === "bits" ? 1 / Math.LN2 : 1;
  const colors = palette(options.palette);
  const rows = result.rows;
  const scored = rows.filter((row) => row.logprob !== null);
  const top1 = rows
    .map((row) => ({ row, top: topOne(row) }))
    .filter((t): t is { row: TokenLogprob; top: Alternative & { logprob: number } } => t.top !== null);
  const censored = scored.filter((row) => row.rankCensored);
  const unknown = rows.filter((row) => row.logprob === null && row.position > 0 && !row.special);
  const maxTicks = options.maxTickLabels ?? 60;
  const ticks = rows.length <= maxTicks;
  const label = unit === "bits" ? "log₂ probability (bits)" : "logprob (nats)";
  // Markers help on short texts and only clutter long ones.
  const mode = rows.length <= 200 ? "lines+markers" : "lines";
  const data: Record<string, unknown>[] = [
    {
      type: "scatter",
      mode,
      name: `actual token (${unit})`,
      x: scored.map((row) => row.position),
      y: scored.map((row) => round((row.logprob as number) * scale)),
      customdata: scored.map((row) => pointCustomdata(row)),
      hovertemplate: pointHoverTemplate(),
      line: { color: colors.primary, width: 2 },
      marker: { color: colors.primary, size: 6, symbol: "circle" },
    },
    {
      type: "scatter",
      mode,
      name: `top-1 alternative (${unit})`,
      x: top1.map((t) => t.row.position),
      y: top1.map((t) => round(t.top.logprob * scale)),
      text: top1.map((t) => plotlyText(t.top.token)),
      hovertemplate: `top-1 at position %{x:d}: <b>%{text}</b><br>${label} %{y:.3f}<extra></extra>`,
      line: { color: colors.secondary, width: 1.5, dash: "dash" },
      marker: { color: colors.secondary, size: 6, symbol: "diamond-open" },
    },
  ];
  if (censored.length > 0) {
    data.push({
      type: "scatter",
      mode: "markers",
      name: "rank > k (censored)",
      x: censored.map((row) => row.position),
      y: censored.map((row) => round((row.logprob as number) * scale)),
      customdata: censored.map((row) => row.rankBound ?? "k"),
      hovertemplate: "rank > %{customdata} (censored)<extra></extra>",
      marker: { color: "#333333", size: 13, symbol: "triangle-down-open", line: { width: 2 } },
    });
  }
  if (unknown.length > 0) {
    // Unknown values have no y; pin their markers to the bottom edge of the plot area.
    data.push({
      type: "scatter",
      mode: "markers",
      name: "logprob unknown (marked at the bottom edge)",
      x: unknown.map((row) => row.position),
      y: unknown.map(() => 0),
      yaxis: "y2",
      text: unknown.map(
        (row) => hoverText(row) + (row.rankCensored ? `<br>rank > ${row.rankBound ?? "k"} (censored)` : ""),
      ),
      hovertemplate: "%{text}<extra></extra>",
      marker: { color: "#333333", size: 10, symbol: "x-thin-open", line: { width: 2 } },
      cliponaxis: false,
    });
  }
  return {
    data,
    layout: {
      title: { text: escapePlotly(options.title ?? "Logprob per position: actual token and top-1") },
      height: options.height ?? 420,
      margin: { t: 80, r: 20, b: ticks ? 90 : 50, l: 60 },
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
      hoverlabel: { align: "left", font: { family: "monospace" } },
      xaxis: {
        title: { text: "position (token)" },
        range: [-0.5, Math.max(rows.length, 1) - 0.5],
        ...(ticks
          ? {
              tickmode: "array",
              tickvals: rows.map((row) => row.position),
              ticktext: rows.map((row) => plotlyText(row.token)),
              tickangle: -45,
            }
          : {}),
      },
      yaxis: { title: { text: label }, zeroline: true },
      // A hidden axis spanning the plot height, so "unknown" markers sit on its bottom edge.
      yaxis2: { overlaying: "y", range: [0, 1], visible: false, fixedrange: true },
    },
    config: { ...DEFAULT_CONFIG },
  };
}

/**
 * The model's top choice at a position, when the server reported one with a known logprob: the
 * alternative ranked 1, else the first listed when the list is a true top-k without ranks.
 */
function topOne(row: TokenLogprob): (Alternative & { logprob: number }) | null {
  let top = row.alternatives.find((alt) => alt.rank === 1);
  if (!top && row.topK > 0 && row.alternatives[0]?.rank === null) top = row.alternatives[0];
  if (!top || top.logprob === null) return null;
  return top as Alternative & { logprob: number };
}

/** Three decimals, as the hover shows it. */
function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
