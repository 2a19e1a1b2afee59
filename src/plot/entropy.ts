import { type EntropyBounds, entropyBounds } from "../core/entropy.js";
import { DEFAULT_VOCABULARY_SIZE } from "../core/top-k-mass.js";
import { DEFAULT_CONFIG, type FigureSpec } from "./figure-spec.js";
import { hoverText, plotlyText } from "./hover.js";
import { type PaletteName, palette } from "./palette.js";
import type { HasRows } from "./surprisal.js";

export interface EntropyChartOptions {
  /** Unit of surprisal and entropy (default "bits"). */
  unit?: "bits" | "nats";
  palette?: PaletteName;
  /** Vocabulary size V for the upper bound (default 128,256). */
  vocabularySize?: number;
  title?: string;
  /** Label every position with its token up to this many positions (default 60). */
  maxTickLabels?: number;
  height?: number;
}

/**
 * Surprisal of the actual token against the entropy of the model's next-token distribution, per
 * position. A top-k does not give that entropy, only bounds (see `entropyBounds`), so each
 * position's entropy is a floating bar from the lower to the upper bound — "entropy bound from
 * top-k" — and surprisal is a marker: above the band the token was more surprising than the model
 * expected on average, below it less. Censored ranks get an open "x" marker (a cue beyond colour).
 * The entropy of the renormalized top-k (GLTR's, not a bound) is in the legend, hidden by default.
 *
 * @example
 * const spec = entropy(result, { unit: "bits", palette: "colorblind" });
 */
export function entropy(result: HasRows, options: EntropyChartOptions = {}): FigureSpec {
  const unit = options.unit ?? "bits";
  // Bounds come in bits; surprisal in nats from the rows.
  const fromBits = unit === "bits" ? 1 : Math.LN2;
  const fromNats = unit === "bits" ? 1 / Math.LN2 : 1;
  const colors = palette(options.palette);
  const vocabularySize = options.vocabularySize ?? DEFAULT_VOCABULARY_SIZE;
  const rows = result.rows;
  const bounded = rows
    .map((row) => ({ row, bounds: entropyBounds(row, { vocabularySize }) }))
    .filter((b): b is { row: (typeof rows)[number]; bounds: EntropyBounds } => b.bounds !== null);
  const withTopK = bounded.filter((b) => b.bounds.topKBits !== null);
  const scored = rows.filter((row) => row.logprob !== null);
  const maxTicks = options.maxTickLabels ?? 60;
  const ticks = rows.length <= maxTicks;
  const f = (x: number) => round(x).toFixed(2);
  return {
    data: [
      {
        type: "bar",
        name: "entropy bound from top-k (lower–upper)",
        x: bounded.map((b) => b.row.position),
        base: bounded.map((b) => round(b.bounds.lowerBits * fromBits)),
        y: bounded.map((b) => round((b.bounds.upperBits - b.bounds.lowerBits) * fromBits)),
        text: bounded.map(
          (b) =>
            `<b>${plotlyText(b.row.token)}</b>  (position ${b.row.position})<br>` +
            `entropy between ${f(b.bounds.lowerBits * fromBits)} and ${f(b.bounds.upperBits * fromBits)} ${unit}<br>` +
            `unreported mass ${b.bounds.missingMass.toFixed(3)} (top-${b.row.topK}, V = ${vocabularySize})`,
        ),
        textposition: "none",
        hovertemplate: "%{text}<extra></extra>",
        width: 0.8,
        marker: { color: colors.primary, opacity: 0.35, line: { color: colors.primary, width: 1 } },
      },
      {
        type: "scatter",
        mode: "markers",
        name: `surprisal (${unit})`,
        x: scored.map((row) => row.position),
        y: scored.map((row) => round(-(row.logprob as number) * fromNats)),
        text: scored.map((row) => hoverText(row)),
        hovertemplate: "%{text}<extra></extra>",
        marker: {
          color: colors.secondary,
          size: 9,
          symbol: scored.map((row) => (row.rankCensored ? "x-open" : "circle")),
          line: { color: "#333333", width: 1 },
        },
      },
      {
        type: "scatter",
        mode: "markers",
        name: "entropy of the renormalized top-k (not a bound)",
        visible: "legendonly",
        x: withTopK.map((b) => b.row.position),
        y: withTopK.map((b) => round((b.bounds.topKBits as number) * fromBits)),
        hovertemplate: `top-k entropy %{y:.2f} ${unit}<extra></extra>`,
        marker: { color: "#333333", symbol: "line-ew-open", size: 14, line: { width: 2 } },
      },
    ],
    layout: {
      title: { text: options.title ?? "Surprisal against the entropy bound from top-k" },
      height: options.height ?? 440,
      margin: { t: 80, r: 20, b: ticks ? 90 : 50, l: 60 },
      barmode: "overlay",
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
      yaxis: { title: { text: `surprisal and entropy (${unit})` }, rangemode: "tozero" },
    },
    config: { ...DEFAULT_CONFIG },
  };
}

function round(value: number): number {
  return Math.round(value * 1e4) / 1e4;
}
