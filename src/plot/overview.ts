import { escapePlotly } from "../core/escape-html.js";
import type { TokenLogprob } from "../core/token-logprob.js";
import { DEFAULT_CONFIG, type FigureSpec } from "./figure-spec.js";
import { plotlyText } from "./hover.js";
import { type PaletteName, palette } from "./palette.js";
import type { HasRows } from "./surprisal.js";

export interface OverviewOptions {
  /** Surprisal unit (default "bits"). */
  unit?: "bits" | "nats";
  palette?: PaletteName;
  title?: string;
  height?: number;
  /** How many of the highest-surprisal positions to number and list (default 10). */
  spikes?: number;
  /** Tokens in the moving mean (default: about 1% of the scored positions, at least 5; 0 = none). */
  window?: number;
  /**
   * Draw the long lines with WebGL (`scattergl`) from PACK_THRESHOLD points on (default false: SVG,
   * whose line plotly.js simplifies to the pixels it covers — in a browser without a GPU, such as
   * headless Chromium, WebGL draws 100,000 points several times slower).
   */
  webgl?: boolean;
}

/** From this many points on, the minimap packs its arrays (and draws with WebGL if asked). */
export const PACK_THRESHOLD = 10_000;

/**
 * A minimap of a long document: surprisal at every scored position as one thin line (SVG, or WebGL
 * `scattergl` from 10,000 points on with `webgl: true`), a moving mean over it, and the top N
 * spikes numbered on the chart and listed in a table beside it (rank, position, token,
 * surprisal) — the number links table row and point, so nothing depends on colour. Large traces
 * use Plotly's typed-array encoding (`{dtype, bdata}`), which keeps the figure at about 20 KB of
 * JSON per 1,000 tokens; hover shows the position, the token and its surprisal.
 *
 * @example
 * const spec = overview(result, { spikes: 15 });
 */
export function overview(result: HasRows, options: OverviewOptions = {}): FigureSpec {
  const unit = options.unit ?? "bits";
  const scale = unit === "bits" ? 1 / Math.LN2 : 1;
  const colors = palette(options.palette);
  const scored = result.rows.filter((row) => row.logprob !== null);
  const n = scored.length;
  const large = n >= PACK_THRESHOLD;
  const type = large && options.webgl ? "scattergl" : "scatter";
  const xs = scored.map((row) => row.position);
  const ys = scored.map((row) => -(row.logprob as number) * scale);
  const window = options.window ?? Math.max(5, Math.round(n / 100));
  const spikeCount = Math.max(0, options.spikes ?? 10);
  const spikes = topSpikes(scored, ys, spikeCount);
  const xData = large ? typedArray("i4", xs) : xs;
  const data: Record<string, unknown>[] = [
    {
      type,
      mode: "lines",
      name: `surprisal (${unit})`,
      x: xData,
      y: large ? typedArray("f4", ys) : ys.map(round3),
      text: scored.map((row) => shortToken(row)),
      hovertemplate: `position %{x:d}: %{text}<br>%{y:.2f} ${unit}<extra></extra>`,
      line: { color: colors.primary, width: 1 },
    },
  ];
  if (window > 1 && n > 2 * window) {
    // A mean over `window` tokens changes slowly: a point every window/4 tokens draws it.
    const mean = movingMean(ys, window);
    const step = Math.max(1, Math.floor(window / 4));
    const keep = mean.map((_, i) => i).filter((i) => i % step === 0 || i === n - 1);
    data.push({
      type,
      mode: "lines",
      name: `mean over ${window} tokens`,
      x: large
        ? typedArray(
            "i4",
            keep.map((i) => xs[i]),
          )
        : keep.map((i) => xs[i]),
      y: large
        ? typedArray(
            "f4",
            keep.map((i) => mean[i]),
          )
        : keep.map((i) => round3(mean[i])),
      hovertemplate: `mean over ${window} tokens: %{y:.2f} ${unit}<extra></extra>`,
      line: { color: colors.secondary, width: 2 },
    });
  }
  if (spikes.length > 0) {
    data.push(
      {
        type: "scatter",
        mode: "markers+text",
        name: `top ${spikes.length} spikes`,
        x: spikes.map((s) => s.row.position),
        y: spikes.map((s) => round3(s.value)),
        text: spikes.map((_, i) => `${i + 1}`),
        textposition: "top center",
        textfont: { size: 11 },
        customdata: spikes.map((s) => plotlyText(s.row.token)),
        hovertemplate: `#%{text} position %{x:d}: %{customdata}<br>%{y:.2f} ${unit}<extra></extra>`,
        marker: { color: "#333333", size: 8, symbol: "triangle-down" },
        cliponaxis: false,
      },
      {
        type: "table",
        name: "spikes",
        domain: { x: [0.76, 1], y: [0, 1] },
        columnwidth: [0.6, 1.4, 2.4, 1.4],
        header: {
          values: ["#", "position", "token", unit],
          align: "left",
          font: { size: 10 },
          height: 20,
          fill: { color: "#EEEEEE" },
        },
        cells: {
          values: [
            spikes.map((_, i) => i + 1),
            spikes.map((s) => s.row.position),
            spikes.map((s) => shortToken(s.row)),
            spikes.map((s) => s.value.toFixed(2)),
          ],
          align: "left",
          font: { size: 10, family: "monospace" },
          height: 18,
        },
      },
    );
  }
  const lastPosition = result.rows.length > 0 ? result.rows[result.rows.length - 1].position : 0;
  return {
    data,
    layout: {
      title: {
        text:
          `${escapePlotly(options.title ?? "Surprisal overview")}<br><sub>` +
          `${n.toLocaleString("en-US")} scored tokens · numbered: the ${spikes.length} highest</sub>`,
      },
      height: options.height ?? 400,
      margin: { t: 70, r: 10, b: 100, l: 60 },
      legend: { orientation: "h", x: 0, y: -0.22, yanchor: "top" },
      hovermode: "closest",
      xaxis: {
        title: { text: "position (token)" },
        domain: spikes.length > 0 ? [0, 0.72] : [0, 1],
        range: [-0.5, lastPosition + 0.5],
      },
      yaxis: { title: { text: `surprisal (${unit})` }, rangemode: "tozero" },
    },
    config: { ...DEFAULT_CONFIG },
  };
}

/** The `count` largest values, largest first (ties: earlier position first). */
function topSpikes(
  rows: readonly TokenLogprob[],
  values: readonly number[],
  count: number,
): { row: TokenLogprob; value: number }[] {
  if (count === 0) return [];
  const order = values.map((_, i) => i).sort((a, b) => values[b] - values[a] || a - b);
  return order.slice(0, count).map((i) => ({ row: rows[i], value: values[i] }));
}

/** Centered moving mean over `window` values (shrinking at the edges). */
function movingMean(values: readonly number[], window: number): number[] {
  const prefix = [0];
  for (const v of values) prefix.push(prefix[prefix.length - 1] + v);
  const half = Math.floor(window / 2);
  return values.map((_, i) => {
    const lo = Math.max(0, i - half);
    const hi = Math.min(values.length, lo + window);
    return (prefix[hi] - prefix[lo]) / (hi - lo);
  });
}

function shortToken(row: TokenLogprob, max = 16): string {
  const chars = [...row.token];
  const token = chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : row.token;
  return plotlyText(token);
}

/**
 * Plotly's typed-array trace encoding: little-endian numbers, base64 (plotly.js ≥ 2.28 decodes
 * it; one float32 costs 5.3 characters of JSON instead of ~7 as text, and parses far faster).
 */
export function typedArray(dtype: "f4" | "i4", values: readonly number[]): { dtype: string; bdata: string } {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    if (dtype === "f4") view.setFloat32(i * 4, v, true);
    else view.setInt32(i * 4, v, true);
  });
  return { dtype, bdata: base64(bytes) };
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function base64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    parts.push(ALPHABET[v >> 18] + ALPHABET[(v >> 12) & 63] + ALPHABET[(v >> 6) & 63] + ALPHABET[v & 63]);
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const v = bytes[i] << 16;
    parts.push(`${ALPHABET[v >> 18]}${ALPHABET[(v >> 12) & 63]}==`);
  } else if (rest === 2) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8);
    parts.push(`${ALPHABET[v >> 18]}${ALPHABET[(v >> 12) & 63]}${ALPHABET[(v >> 6) & 63]}=`);
  }
  return parts.join("");
}

function round3(value: number): number {
  return Math.round(value * 1e3) / 1e3;
}
