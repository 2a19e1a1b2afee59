import { escapePlotly } from "../core/escape-html.js";
import type { TokenLogprob } from "../core/token-logprob.js";
import { DEFAULT_CONFIG, type FigureSpec } from "./figure-spec.js";
import { plotlyText, pointCustomdata, pointHoverTemplate } from "./hover.js";

/** Anything with canonical rows: a `LogprobResult`, or `{ rows }`. */
export interface HasRows {
  readonly rows: readonly TokenLogprob[];
}

export interface SurprisalOptions {
  /** Surprisal unit (default "bits"). */
  unit?: "bits" | "nats";
  /** Chart title. */
  title?: string;
  /** Label every position with its token up to this many positions (default 60). */
  maxTickLabels?: number;
  height?: number;
}

/**
 * Per-position surprisal as bars: x = position (token as tick label), y = -logprob in bits (or nats).
 * Only scored positions get a bar (position 0 has no conditional); hovering shows the token, its
 * logprob, probability and rank and the top alternatives (`pointCustomdata`: the values once per
 * bar, the labels once in the template). A censored rank is hatched, not only coloured.
 *
 * @example
 * const spec = surprisal(result); // Plotly {data, layout, config}
 */
export function surprisal(result: HasRows, options: SurprisalOptions = {}): FigureSpec {
  const unit = options.unit ?? "bits";
  const scale = unit === "bits" ? 1 / Math.LN2 : 1;
  const scored = result.rows.filter((row) => row.logprob !== null);
  const maxTicks = options.maxTickLabels ?? 60;
  const ticks = result.rows.length <= maxTicks;
  return {
    data: [
      {
        type: "bar",
        name: `surprisal (${unit})`,
        x: scored.map((row) => row.position),
        y: scored.map((row) => round(-(row.logprob as number) * scale)),
        customdata: scored.map((row) => pointCustomdata(row)),
        hovertemplate: pointHoverTemplate(` · %{y:.2f} ${unit}`),
        marker: {
          color: "#4C78A8",
          // One shape when none is censored, not one empty string per bar.
          pattern: {
            shape: scored.some((row) => row.rankCensored)
              ? scored.map((row) => (row.rankCensored ? "/" : ""))
              : "",
          },
        },
      },
    ],
    layout: {
      title: { text: escapePlotly(options.title ?? "Surprisal per position") },
      height: options.height ?? 420,
      margin: { t: 50, r: 20, b: ticks ? 90 : 50, l: 60 },
      bargap: 0.15,
      hoverlabel: { align: "left", font: { family: "monospace" } },
      xaxis: {
        title: { text: "position (token)" },
        range: [-0.5, Math.max(result.rows.length, 1) - 0.5],
        ...(ticks
          ? {
              tickmode: "array",
              tickvals: result.rows.map((row) => row.position),
              ticktext: result.rows.map((row) => plotlyText(row.token)),
              tickangle: -45,
            }
          : {}),
      },
      yaxis: { title: { text: `surprisal (${unit})` }, rangemode: "tozero" },
    },
    config: { ...DEFAULT_CONFIG },
  };
}

/** Two decimals, as the hover shows it (a bar's height cannot show more). */
function round(value: number): number {
  return Math.round(value * 100) / 100;
}
