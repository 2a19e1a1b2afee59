import { escapePlotly } from "../core/escape-html.js";
import type { TokenLogprob } from "../core/token-logprob.js";
import { UsageError } from "../errors.js";
import { DEFAULT_CONFIG, type FigureSpec } from "./figure-spec.js";
import { plotlyText } from "./hover.js";
import type { PaletteName } from "./palette.js";

/**
 * One answer choice as `choices` draws it. Only `label` and `totalLogprob` are required: the
 * normalised scores are computed from `rows` and `label` when absent (per token = total ÷ scored
 * tokens, per char = total ÷ code points of the label, per byte = total ÷ its UTF-8 bytes, as
 * lm-evaluation-harness's acc_norm / acc_bytes divide).
 */
export interface ChoiceInput {
  /** The choice text (the continuation after the context). */
  label: string;
  /** Σ logprob of the choice's tokens given the context, nats (lm-eval `acc`). */
  totalLogprob: number;
  /** totalLogprob ÷ tokens, nats per token. */
  perToken?: number;
  /** totalLogprob ÷ characters of the choice, nats per character (lm-eval `acc_norm`). */
  perChar?: number;
  /** totalLogprob ÷ UTF-8 bytes of the choice, nats per byte (lm-eval `acc_bytes`). */
  perByte?: number;
  /** logprob(choice | context) − logprob(choice | nothing), nats (lm-eval `acc_mutual_info`). */
  mutualInformation?: number;
  /** Greedy decoding would produce exactly this choice (lm-eval `is_greedy`). */
  isGreedy?: boolean;
  /** The choice's own token rows (their logprobs are listed on hover). */
  rows?: readonly TokenLogprob[];
}

/** What `choices` takes: the choices and, for the subtitle, the context they continue. */
export interface ChoicesInput {
  context?: string;
  choices: readonly ChoiceInput[];
}

export interface ChoicesOptions {
  /** Unit of the scores (default "nats", as lm-eval reports log-likelihoods); "bits" divides by ln 2. */
  unit?: "bits" | "nats";
  palette?: PaletteName;
  title?: string;
  height?: number;
}

type MetricKey = "totalLogprob" | "perToken" | "perChar" | "perByte" | "mutualInformation";

const METRICS: readonly { key: MetricKey; name: string; per: string }[] = [
  { key: "totalLogprob", name: "sum (acc)", per: "" },
  { key: "perToken", name: "per token", per: "/token" },
  { key: "perChar", name: "per character (acc_norm)", per: "/char" },
  { key: "perByte", name: "per byte (acc_bytes)", per: "/byte" },
  { key: "mutualInformation", name: "mutual information (acc_mutual_info)", per: "" },
];

const CHOICE_COLORS = {
  default: ["#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2", "#EECA3B", "#9D755D"],
  colorblind: ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"],
};

const encoder = new TextEncoder();

/**
 * A multiple-choice inspector: one panel per score — the summed logprob (acc), per token, per
 * character (acc_norm), per UTF-8 byte (acc_bytes) and, when given, mutual information
 * (acc_mutual_info) — each with one bar per choice. The choice each score picks (the largest; every
 * one of a tie) is marked "★" in its bar label and outlined, and named in the panel title, so the
 * verdicts read without colour; when the metrics disagree, the subtitle says so.
 *
 * @example
 * const spec = choices({ context: "The capital of France is", choices: [
 *   { label: " Paris", totalLogprob: -0.9, rows: parisRows },
 *   { label: " London", totalLogprob: -4.2, rows: londonRows },
 * ] });
 */
export function choices(
  input: ChoicesInput | readonly ChoiceInput[],
  options: ChoicesOptions = {},
): FigureSpec {
  const list = Array.isArray(input) ? (input as readonly ChoiceInput[]) : (input as ChoicesInput).choices;
  const context = Array.isArray(input) ? undefined : (input as ChoicesInput).context;
  if (list.length === 0) throw new UsageError("choices: pass at least one choice");
  const unit = options.unit ?? "nats";
  const toUnit = unit === "bits" ? 1 / Math.LN2 : 1;
  const colors = CHOICE_COLORS[options.palette === "colorblind" ? "colorblind" : "default"];
  const scores = list.map(completeScores);
  const metrics = METRICS.filter((m) => scores.some((s) => s[m.key] !== null));
  const labels = axisLabels(list.map((c) => c.label));
  const gap = 0.07;
  const width = (1 - gap * (metrics.length - 1)) / metrics.length;
  const data: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = {};
  const picks: string[] = [];
  metrics.forEach((metric, m) => {
    const suffix = m === 0 ? "" : `${m + 1}`;
    const values = scores.map((s) => (s[metric.key] === null ? null : (s[metric.key] as number) * toUnit));
    const winners = argmaxAll(values);
    picks.push(winners.map((i) => list[i].label).join(" = "));
    const domain = [m * (width + gap), m * (width + gap) + width];
    data.push({
      type: "bar",
      name: metric.name,
      xaxis: `x${suffix}`,
      yaxis: `y${suffix}`,
      x: labels,
      y: values.map((v) => (v === null ? null : round(v))),
      text: values.map((v, i) => (v === null ? "n/a" : `${v.toFixed(3)}${winners.includes(i) ? " ★" : ""}`)),
      textposition: "outside",
      cliponaxis: false,
      hovertext: list.map((choice, i) => hoverFor(choice, metric.name, values[i], unit + metric.per)),
      hovertemplate: "%{hovertext}<extra></extra>",
      marker: {
        color: list.map((_, i) => colors[i % colors.length]),
        line: { color: "#000000", width: list.map((_, i) => (winners.includes(i) ? 3 : 0)) },
      },
      showlegend: false,
    });
    layout[`xaxis${suffix}`] = {
      domain,
      anchor: `y${suffix}`,
      type: "category",
      tickangle: -30,
      automargin: true,
    };
    layout[`yaxis${suffix}`] = {
      anchor: `x${suffix}`,
      title: { text: `${unit}${metric.per}`, standoff: 4 },
      zeroline: true,
      ...autorangeWithRoom(values),
    };
    const winnerText = winners.length === 0 ? "no score" : `★ ${winners.map((i) => labels[i]).join(", ")}`;
    annotations.push({
      text: `<b>${metric.name}</b><br>${winnerText}`,
      x: (domain[0] + domain[1]) / 2,
      y: 1.02,
      xref: "paper",
      yref: "paper",
      xanchor: "center",
      yanchor: "bottom",
      showarrow: false,
      font: { size: 11 },
    });
  });
  const agree = new Set(picks).size <= 1;
  const contextText = context === undefined ? "" : `context “${escapePlotly(shorten(context, 60))}” · `;
  return {
    data,
    layout: {
      ...layout,
      title: {
        text:
          `${escapePlotly(options.title ?? "Multiple-choice scores")}<br><sub>${contextText}` +
          `${agree ? "every score picks the same choice" : "the scores disagree"} · ★ = highest score · ` +
          `log-likelihoods in ${unit}</sub>`,
        y: 1,
        yanchor: "top",
        pad: { t: 12 },
      },
      height: options.height ?? 440,
      margin: { t: 130, r: 20, b: 90, l: 60 },
      annotations,
      hoverlabel: { align: "left", font: { family: "monospace" } },
    },
    config: { ...DEFAULT_CONFIG },
  };
}

/** Every score of a choice, computing the normalised ones from its rows and label when absent. */
function completeScores(choice: ChoiceInput): Record<MetricKey, number | null> {
  const total = choice.totalLogprob;
  const scoredTokens = choice.rows ? choice.rows.filter((row) => row.logprob !== null).length : 0;
  const chars = [...choice.label].length;
  const bytes = encoder.encode(choice.label).length;
  // An unknown score (NaN, or −Infinity where a token's logprob was unknown) draws as "n/a".
  const finite = (v: number | undefined | null) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  return {
    totalLogprob: finite(total),
    perToken: finite(choice.perToken ?? (scoredTokens > 0 ? total / scoredTokens : undefined)),
    perChar: finite(choice.perChar ?? (chars > 0 ? total / chars : undefined)),
    perByte: finite(choice.perByte ?? (bytes > 0 ? total / bytes : undefined)),
    mutualInformation: finite(choice.mutualInformation),
  };
}

/** Indices of the largest value (all of them on a tie); none when no value is known. */
function argmaxAll(values: readonly (number | null)[]): number[] {
  const known = values.filter((v): v is number => v !== null);
  if (known.length === 0) return [];
  const best = Math.max(...known);
  return values.flatMap((v, i) => (v === best ? [i] : []));
}

function hoverFor(choice: ChoiceInput, metric: string, value: number | null, unit: string): string {
  const lines = [
    `<b>${plotlyText(cut(choice.label, HOVER_LABEL_CHARS))}</b>`,
    `${metric}: ${value === null ? "n/a" : `${value.toFixed(4)} ${unit}`}`,
    `Σ logprob ${choice.totalLogprob.toFixed(4)} nats`,
  ];
  if (choice.isGreedy !== undefined) lines.push(choice.isGreedy ? "greedy: yes" : "greedy: no");
  if (choice.rows && choice.rows.length > 0) {
    const shown = choice.rows.slice(0, 12).map((row) => {
      const lp = row.logprob === null ? "?" : row.logprob.toFixed(2);
      return `${plotlyText(row.token)} ${lp}`;
    });
    lines.push(`tokens: ${shown.join(", ")}${choice.rows.length > 12 ? ", …" : ""}`);
  }
  return lines.join("<br>");
}

/** A y range from the values to 0 with room for the labels outside the bars. */
function autorangeWithRoom(values: readonly (number | null)[]): { range: [number, number] } {
  const known = values.filter((v): v is number => v !== null);
  const lo = Math.min(0, ...known);
  const hi = Math.max(0, ...known);
  const pad = Math.max(hi - lo, 1e-6) * 0.22;
  return { range: [round(lo - (lo < 0 ? pad : 0)), round(hi + (hi > 0 ? pad : 0))] };
}

/** Longest choice text on the axis and in the panel titles; the hover shows up to HOVER_LABEL_CHARS. */
const AXIS_LABEL_CHARS = 40;
const HOVER_LABEL_CHARS = 120;

/**
 * The choices as axis categories: escaped, whitespace visible, cut to AXIS_LABEL_CHARS (a long
 * choice would repeat in every panel), and numbered where cutting made two of them alike — each
 * choice must stay its own category.
 */
function axisLabels(texts: readonly string[]): string[] {
  const cutTexts = texts.map((t) => cut(t, AXIS_LABEL_CHARS));
  return cutTexts.map((t, i) => {
    const clash = cutTexts.some((other, j) => j !== i && other === t && texts[j] !== texts[i]);
    return plotlyText(clash ? `${t} #${i + 1}` : t);
  });
}

/** The first `max - 1` characters and "…" when longer. */
function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : text;
}

function shorten(text: string, max: number): string {
  const chars = [...text];
  return chars.length > max ? `…${chars.slice(-max + 1).join("")}` : text;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
