import { escapePlotly } from "../core/escape-html.js";
import { type AtTemperature, atTemperature } from "../core/temperature.js";
import { DEFAULT_VOCABULARY_SIZE } from "../core/top-k-mass.js";
import { UsageError } from "../errors.js";
import { DEFAULT_CONFIG, type FigureSpec } from "./figure-spec.js";
import { plotlyText } from "./hover.js";
import { type PaletteName, palette } from "./palette.js";
import type { HasRows } from "./surprisal.js";

export interface TemperatureChartOptions {
  /** Probability axis as a fraction (default "probability") or in percent. */
  unit?: "probability" | "percent";
  palette?: PaletteName;
  /** Vocabulary size V the unreported mass may spread over (default 128,256). */
  vocabularySize?: number;
  title?: string;
  height?: number;
}

const DEFAULT_TEMPERATURES: readonly number[] = [0.25, 0.5, 1, 1.5, 2];

/**
 * The reported top-k at one position re-normalized at each temperature T (p ∝ p^(1/T)), with a
 * slider over T that restyles the bars in the browser (no kernel needed). The unreported tokens'
 * mass is its own hatched "remainder" bar, never dropped. At T ≠ 1 a top-k only bounds each
 * probability (see `atTemperature`), so each bar is stacked: a solid part that holds whatever the
 * tail looks like, and a light part up to the most it can be — the range the report leaves open.
 * The actual token is marked "◀" in its label.
 *
 * @example
 * const spec = temperature(result, 3, [0.5, 1, 2], { palette: "colorblind" });
 */
export function temperature(
  result: HasRows,
  position: number,
  temps: readonly number[] = DEFAULT_TEMPERATURES,
  options: TemperatureChartOptions = {},
): FigureSpec {
  const row = result.rows.find((r) => r.position === position);
  if (!row) throw new UsageError(`no position ${position} in this result (0..${result.rows.length - 1})`);
  if (temps.length === 0) throw new UsageError("temperature() needs at least one temperature");
  const vocabularySize = options.vocabularySize ?? DEFAULT_VOCABULARY_SIZE;
  const states = temps.map((t) => atTemperature(row, t, { vocabularySize }));
  const first = states[0] as AtTemperature;
  if (first.alternatives.length === 0) {
    throw new UsageError(
      `position ${position} reported no alternatives with a probability; ask for top-k > 0`,
    );
  }
  const percent = options.unit === "percent";
  const scale = percent ? 100 : 1;
  const colors = palette(options.palette);
  const n = first.alternatives.length;
  const x = Array.from({ length: n + 1 }, (_, i) => i);
  const remainderColor = colors.buckets[4] ?? "#999999";
  const barColors = [
    ...first.alternatives.map((a) => (a.isActual ? colors.secondary : colors.primary)),
    remainderColor,
  ];
  const hatch = [...first.alternatives.map(() => ""), "/"];
  const active = Math.max(0, temps.indexOf(1));
  const fmt = (p: number) =>
    percent ? formatPercent(p) : p >= 0.001 || p === 0 ? p.toFixed(4) : p.toExponential(1);
  const series = (s: AtTemperature) => {
    const lower = [...s.alternatives.map((a) => a.pLower), s.remainderLower];
    const upper = [...s.alternatives.map((a) => a.pUpper), s.remainderUpper];
    const names = [...s.alternatives.map((a) => plotlyText(a.token)), "remainder (unreported tokens)"];
    const text = lower.map((lo, i) => {
      const hi = upper[i] as number;
      const value = s.exact ? fmt(hi) : `between ${fmt(lo)} and ${fmt(hi)}`;
      return `<b>${names[i]}</b><br>T = ${s.temperature}: p ${value}`;
    });
    return {
      certain: lower.map((p) => round(p * scale)),
      range: upper.map((p, i) => round((p - (lower[i] as number)) * scale)),
      text,
    };
  };
  const all = states.map(series);
  const shown = all[active] as ReturnType<typeof series>;
  const title = (t: number) =>
    (options.title === undefined ? undefined : escapePlotly(options.title)) ??
    `Top-${row.topK} at position ${position} (${plotlyText(row.token)}) at temperature T = ${t}`;
  return {
    data: [
      {
        type: "bar",
        name: "probability at T (holds for any unreported tail)",
        x,
        y: shown.certain,
        text: shown.text,
        textposition: "none",
        hovertemplate: "%{text}<extra></extra>",
        marker: { color: barColors, pattern: { shape: hatch } },
      },
      {
        type: "bar",
        name: "range left open by the unreported tail",
        x,
        y: shown.range,
        text: shown.text,
        textposition: "none",
        hovertemplate: "%{text}<extra></extra>",
        marker: { color: barColors, opacity: 0.35, pattern: { shape: hatch } },
      },
    ],
    layout: {
      title: { text: title(temps[active] as number) },
      height: options.height ?? 460,
      margin: { t: 60, r: 20, b: 200, l: 60 },
      barmode: "stack",
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", traceorder: "normal" },
      hoverlabel: { align: "left", font: { family: "monospace" } },
      xaxis: {
        title: { text: "token (◀ = actual)" },
        tickmode: "array",
        tickvals: x,
        ticktext: [
          ...first.alternatives.map((a) => `${plotlyText(a.token)}${a.isActual ? " ◀" : ""}`),
          "remainder",
        ],
        tickangle: -30,
      },
      yaxis: {
        title: { text: percent ? "probability at T (%)" : "probability at T" },
        range: [0, scale],
      },
      annotations: [
        {
          text: `remainder (hatched) = mass of the tokens outside the reported top-${row.topK}, V = ${vocabularySize}; at T ≠ 1 a top-k only bounds it`,
          xref: "paper",
          yref: "paper",
          x: 0,
          y: -0.75,
          xanchor: "left",
          showarrow: false,
          font: { size: 11, color: "#555555" },
        },
      ],
      sliders: [
        {
          active,
          currentvalue: { prefix: "temperature T = " },
          pad: { t: 50 },
          steps: temps.map((t, i) => {
            const s = all[i] as ReturnType<typeof series>;
            return {
              label: `${t}`,
              method: "update",
              args: [{ y: [s.certain, s.range], text: [s.text, s.text] }, { "title.text": title(t) }, [0, 1]],
            };
          }),
        },
      ],
    },
    config: { ...DEFAULT_CONFIG },
  };
}

/** Percent to 2 decimals, clamped so a tiny or near-certain value never reads as 0 % or 100 %. */
function formatPercent(p: number): string {
  if (p > 0 && p < 0.0001) return "<0.01%";
  if (p < 1 && p > 0.9999) return ">99.99%";
  return `${(p * 100).toFixed(2)}%`;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
