import { type EntropyBounds, entropyBounds } from "../core/entropy.js";
import { escapePlotly } from "../core/escape-html.js";
import { DEFAULT_VOCABULARY_SIZE } from "../core/top-k-mass.js";
import { DEFAULT_CONFIG, type FigureSpec } from "./figure-spec.js";
import { plotlyText, pointCustomdata, pointHoverTemplate } from "./hover.js";
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
  const round2 = (x: number) => Math.round(x * 100) / 100;
  return {
    data: [
      {
        type: "bar",
        name: "entropy bound from top-k (lower–upper)",
        x: bounded.map((b) => b.row.position),
        base: bounded.map((b) => round(b.bounds.lowerBits * fromBits)),
        y: bounded.map((b) => round((b.bounds.upperBits - b.bounds.lowerBits) * fromBits)),
        // The token is in the surprisal marker's hover at the same position; here only the band.
        customdata: bounded.map((b) => [
          round2(b.bounds.lowerBits * fromBits),
          round2(b.bounds.upperBits * fromBits),
          Math.round(b.bounds.missingMass * 1000) / 1000,
          b.row.topK,
        ]),
        hovertemplate:
          `position %{x:d}: entropy between %{customdata[0]:.2f} and %{customdata[1]:.2f} ${unit}<br>` +
          `unreported mass %{customdata[2]:.3f} (top-%{customdata[3]}, V = ${vocabularySize})<extra></extra>`,
        width: 0.8,
        marker: { color: colors.primary, opacity: 0.35, line: { color: colors.primary, width: 1 } },
      },
      {
        type: "scatter",
        mode: "markers",
        name: `surprisal (${unit})`,
        x: scored.map((row) => row.position),
        y: scored.map((row) => round(-(row.logprob as number) * fromNats)),
        customdata: scored.map((row) => pointCustomdata(row)),
        hovertemplate: pointHoverTemplate(` · %{y:.2f} ${unit}`),
        marker: {
          color: colors.secondary,
          size: 9,
          // One symbol when none is censored, not one string per marker.
          symbol: scored.some((row) => row.rankCensored)
            ? scored.map((row) => (row.rankCensored ? "x-open" : "circle"))
            : "circle",
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
      title: { text: escapePlotly(options.title ?? "Surprisal against the entropy bound from top-k") },
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

/** Three decimals: finer than the hover's two, so bars and markers sit where the hover says. */
function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
