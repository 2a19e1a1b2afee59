import { assembleText } from "../core/assemble-text.js";
import { escapeHtml } from "../core/escape-html.js";
import { DEFAULT_GLTR_THRESHOLDS, gltrBucket, gltrCounts } from "../core/gltr.js";
import type { TokenLogprob } from "../core/token-logprob.js";
import { visibleWhitespace } from "../core/visible-whitespace.js";
import { type Palette, type PaletteName, palette } from "./palette.js";
import { bucketColor } from "./ranks.js";
import { shortPercent } from "./short-percent.js";
import type { HasRows } from "./surprisal.js";

export interface TextHeatmapOptions {
  /** Colour each token by its surprisal (default) or by its GLTR rank bucket. */
  colorBy?: "surprisal" | "bucket";
  palette?: PaletteName;
  /** Unit of surprisal in the tooltips and the legend when colouring by surprisal (default "bits"). */
  unit?: "bits" | "nats";
  /**
   * Size of the top list in each tooltip (default 3; 0 = none): the top `maxAlternatives`
   * alternatives other than the token itself, whose own probability and rank lead the tooltip.
   */
  maxAlternatives?: number;
  /** GLTR thresholds for `colorBy: "bucket"` (default [10, 100, 1000]). */
  thresholds?: readonly number[];
  /** Show every space as `␣` (default: only spaces that would be invisible — runs and space-only tokens). */
  showSpaces?: boolean;
  /** A heading above the text. */
  title?: string;
}

/** A result with its text (a `LogprobResult`); without `text` it is rebuilt from the rows. */
export type HasRowsAndText = HasRows & { readonly text?: string };

/** The class every token span has unless it says otherwise (the lowest surprisal, the top bucket). */
const DEFAULT_CLASSES = { surprisal: "s0", bucket: "g0" } as const;

/** Upper edges (bits) of the surprisal classes; the last class is open. */
const SURPRISAL_EDGES_BITS = [1, 2, 4, 8, 12];

/**
 * Non-colour cues per surprisal class, weakest to strongest: none, none, dotted, dashed, solid,
 * double underline.
 */
const CUES = [
  "",
  "",
  "text-decoration:underline dotted",
  "text-decoration:underline dashed",
  "text-decoration:underline solid",
  "text-decoration:underline double",
];

/** Cues per ranked GLTR bucket (1–10 none, then dotted, dashed, solid); censored is wavy, unknown italic. */
const BUCKET_CUES = ["", CUES[2], CUES[3], CUES[4]];

/**
 * The text itself as an HTML string (not a Plotly figure), every token a `<span>` coloured by its
 * surprisal or its GLTR bucket and underlined by class (a cue that survives colour blindness and
 * greyscale), with a `title` tooltip giving the token's probability, surprisal, rank (1-based;
 * "rank > k (censored)" when outside the reported top-k) and the top alternatives. Plain HTML and
 * one `<style>` block: no script, so it reads the same where scripts are stripped, and every token
 * string is escaped. Whitespace is made visible where it would otherwise vanish (`⏎` before each
 * line break, `⇥`, `␣` for space runs and space-only tokens). Tokens that split a UTF-8 character
 * are drawn once as the reassembled character, in one span with a dotted under- and overline whose tooltip
 * lists each token with its own values (the colour is their summed surprisal, or their worst bucket).
 * Styling goes through short class names so the markup stays under ~100 bytes per token.
 *
 * @example
 * const html = textHeatmap(result, { colorBy: "bucket", palette: "colorblind" });
 */
export function textHeatmap(result: HasRowsAndText, options: TextHeatmapOptions = {}): string {
  const colorBy = options.colorBy ?? "surprisal";
  const unit = options.unit ?? "bits";
  const colors = palette(options.palette);
  const thresholds = options.thresholds ?? DEFAULT_GLTR_THRESHOLDS;
  const maxAlternatives = Math.max(0, options.maxAlternatives ?? 3);
  const rows = result.rows;
  const text = result.text ?? assembleText(rows).text;
  // The style block is scoped by palette, mode and bucket count, so heatmaps of different kinds
  // can share a page (or a notebook) without their class rules clashing.
  const root =
    `lpl-th-${options.palette === "colorblind" ? "c" : "d"}` +
    (colorBy === "bucket" ? `b${thresholds.length}` : "s");
  const format: TooltipFormat = { unit, maxAlternatives, surprisal: colorBy === "surprisal" };
  const classOf =
    colorBy === "bucket"
      ? (part: readonly TokenLogprob[]) => bucketClass(part, thresholds)
      : (part: readonly TokenLogprob[]) => surprisalClass(part);
  const out: string[] = [];
  let cursor = 0;
  for (const unitRows of displayUnits(rows)) {
    const first = unitRows[0];
    if (first.special) {
      out.push(
        `<span class="${classOf(unitRows)} sp" title='${escapeHtml(tooltip(unitRows, format))}'>` +
          `${escapeHtml(visibleWhitespace(first.token))}</span>`,
      );
      continue;
    }
    const start = Math.min(...unitRows.map((row) => row.charStart));
    const end = Math.max(...unitRows.map((row) => row.charEnd));
    if (start > cursor) out.push(shownText(text.slice(cursor, start), options.showSpaces ?? false, true));
    const shown =
      end > start
        ? shownText(text.slice(start, end), options.showSpaces ?? false, false)
        : escapeHtml(visibleWhitespace(first.token));
    const merged = unitRows.length > 1 ? " m" : "";
    const level = classOf(unitRows);
    const cls = level === DEFAULT_CLASSES[colorBy] ? merged.trim() : `${level}${merged}`;
    const attr = cls === "" ? "" : cls.includes(" ") ? ` class="${cls}"` : ` class=${cls}`;
    // Single quotes: a notebook stores the HTML as a JSON string, where each `"` costs two bytes
    // (escapeHtml turns `'` in the tooltip into an entity, so the attribute cannot end early).
    out.push(`<span${attr} title='${escapeHtml(tooltip(unitRows, format))}'>${shown}</span>`);
    cursor = Math.max(cursor, end);
  }
  if (cursor < text.length) out.push(shownText(text.slice(cursor), options.showSpaces ?? false, true));
  const heading = options.title ? `<div class=hd>${escapeHtml(options.title)}</div>` : "";
  const legendHtml = colorBy === "bucket" ? bucketLegend(rows, thresholds) : surprisalLegend(unit);
  return (
    `<div class="lpl-th ${root}"><style>${css(root, colorBy, colors, thresholds.length)}</style>` +
    `${heading}<div class=tx>${out.join("")}</div>${legendHtml}</div>`
  );
}

/**
 * Consecutive rows drawn as one piece of text: tokens whose character spans overlap (a UTF-8
 * character split over several tokens) form one unit, and an empty-span token joins the unit
 * before it. A special token is a unit of its own, shown by its name.
 */
function displayUnits(rows: readonly TokenLogprob[]): TokenLogprob[][] {
  const units: TokenLogprob[][] = [];
  let current: TokenLogprob[] | null = null;
  let currentEnd = -1;
  for (const row of rows) {
    if (row.special) {
      units.push([row]);
      current = null;
      continue;
    }
    const empty = row.charEnd <= row.charStart;
    if (current && (row.charStart < currentEnd || empty)) {
      current.push(row);
      currentEnd = Math.max(currentEnd, row.charEnd);
      continue;
    }
    current = [row];
    currentEnd = row.charEnd;
    units.push(current);
  }
  return units;
}

/** Text of a token or gap, escaped, with whitespace that would vanish made visible. */
function shownText(raw: string, allSpaces: boolean, gap: boolean): string {
  const onlySpaces = /^ +$/.test(raw) && !gap;
  const visible = raw
    .replace(/ {2,}/g, (run) => "␣".repeat(run.length))
    .replace(/ /g, allSpaces || onlySpaces ? "␣" : " ")
    .replace(/\r/g, "␍")
    .replace(/\t/g, "⇥")
    .replace(/\n/g, "⏎\n");
  return escapeHtml(visible);
}

interface TooltipFormat {
  unit: "bits" | "nats";
  /** Include the surprisal (when colouring by it). */
  surprisal: boolean;
  maxAlternatives: number;
}

/** The tooltip of a unit: one block per token (a merged character lists each token with its values). */
function tooltip(rows: readonly TokenLogprob[], format: TooltipFormat): string {
  if (rows.length === 1) return tokenTooltip(rows[0], format, false);
  return [
    `${rows.length} tokens form this text (partial UTF-8); each keeps its own value:`,
    ...rows.map((row) => tokenTooltip(row, format, true)),
  ].join("\n");
}

function tokenTooltip(row: TokenLogprob, format: TooltipFormat, named: boolean): string {
  const name = named || row.special ? `${visibleWhitespace(row.token)}: ` : "";
  let line: string;
  if (row.logprob === null) {
    line = row.position === 0 ? "position 0: no conditional" : "logprob unknown";
    if (row.rankCensored) line += `, rank > ${row.rankBound ?? "k"} (censored)`;
  } else {
    const surprisal = format.surprisal
      ? `, ${(-row.logprob / (format.unit === "bits" ? Math.LN2 : 1)).toFixed(1)} ${format.unit}`
      : "";
    const rank = row.rankCensored
      ? `rank > ${row.rankBound ?? "k"} (censored)`
      : row.rank === null
        ? "rank ?"
        : `rank ${row.rank}`;
    line = `p ${percent(Math.exp(row.logprob))}${surprisal}, ${rank}`;
  }
  // The top `maxAlternatives` besides the token itself (its own probability is on the line above).
  const others = row.alternatives.slice(0, format.maxAlternatives).filter((alt) => !isActual(row, alt));
  if (others.length === 0) return name + line;
  const list = others
    .map(
      (alt) =>
        `${visibleWhitespace(alt.token)} ${alt.logprob === null ? "?" : shortPercent(Math.exp(alt.logprob))}`,
    )
    .join(", ");
  return `${name}${line}\nothers ${list}`;
}

/** The alternative is the position's actual token (by id when both have one, else by text). */
function isActual(row: TokenLogprob, alt: TokenLogprob["alternatives"][number]): boolean {
  return alt.tokenId !== null && row.tokenId !== null ? alt.tokenId === row.tokenId : alt.token === row.token;
}

/** Probability as a percentage with about two significant digits, clamped to <0.01% and 99.99%. */
function percent(p: number): string {
  const pct = p * 100;
  if (pct >= 99.99) return "99.99%";
  if (pct > 99) return `${pct.toFixed(2)}%`;
  if (pct >= 10) return `${pct.toFixed(0)}%`;
  if (pct >= 1) return `${pct.toFixed(1)}%`;
  if (pct >= 0.01) return `${pct.toFixed(2)}%`;
  return "<0.01%";
}

/** Surprisal class s0..s5 by the unit's summed surprisal (bits), or "u" when a part is unknown. */
function surprisalClass(rows: readonly TokenLogprob[]): string {
  if (rows.some((row) => row.logprob === null)) return "u";
  const bits = -rows.reduce((sum, row) => sum + (row.logprob as number), 0) / Math.LN2;
  let level = 0;
  while (level < SURPRISAL_EDGES_BITS.length && bits >= SURPRISAL_EDGES_BITS[level]) level++;
  return `s${level}`;
}

/** Bucket class g0..g{n} (ranked), "c" (censored) or "u" (unknown): the worst of the unit's tokens. */
function bucketClass(rows: readonly TokenLogprob[], thresholds: readonly number[]): string {
  const index = Math.max(...rows.map((row) => gltrBucket(row, thresholds).index));
  const n = thresholds.length;
  return index === n + 1 ? "c" : index > n ? "u" : `g${index}`;
}

function css(root: string, colorBy: "surprisal" | "bucket", colors: Palette, n: number): string {
  const r = `.${root}`;
  const classes: [string, string][] = [];
  if (colorBy === "surprisal") {
    for (let level = 0; level <= SURPRISAL_EDGES_BITS.length; level++) {
      const bg = interpolate(colors.sequential, level / SURPRISAL_EDGES_BITS.length);
      const fg = luminance(bg) < 0.179 ? "#fff" : "#000";
      classes.push([`s${level}`, `background:${bg};color:${fg}${CUES[level] ? `;${CUES[level]}` : ""}`]);
    }
  } else {
    for (let i = 0; i <= n; i++) {
      const cue = BUCKET_CUES[Math.min(BUCKET_CUES.length - 1, i)];
      classes.push([`g${i}`, `background:${bucketColor(i, n, colors)};color:#000${cue ? `;${cue}` : ""}`]);
    }
    classes.push(["c", `background:${colors.buckets[4]};color:#000;text-decoration:underline wavy`]);
  }
  classes.push(["u", "background:#f3f3f3;color:#000;font-style:italic"]);
  classes.push(["sp", "font-size:11px;color:#666;border:1px solid #bbb;padding:0 2px"]);
  // Last, so the merged-character cue wins over a class's underline.
  classes.push(["m", "text-decoration:underline overline dotted"]);
  return [
    `${r}{font-size:14px;line-height:1.9;margin:4px 0}`,
    `${r} .tx{white-space:pre-wrap;word-wrap:break-word}`,
    // The most common class (lowest surprisal, or the top-10 bucket) is every span's default, so
    // those tokens need no class attribute; ".tx .x" outranks ".tx span" for the others.
    `${r} .tx span{border-radius:2px;${classes[0][1]}}`,
    `${r} .hd{font-weight:bold;margin-bottom:4px}`,
    `${r} .lg{margin-top:6px;font-size:12px;color:#444}`,
    `${r} .lg span{padding:0 4px;margin-right:6px}`,
    ...classes.map(([name, style]) => `${r} .tx .${name},${r} .lg .${name}{${style}}`),
  ].join("");
}

function surprisalLegend(unit: "bits" | "nats"): string {
  const toUnit = unit === "bits" ? 1 : Math.LN2;
  const edges = SURPRISAL_EDGES_BITS.map((e) => +(e * toUnit).toFixed(2));
  const items = edges.map((edge, i) => `<span class=s${i}>${i === 0 ? 0 : edges[i - 1]}–${edge}</span>`);
  items.push(`<span class=s${edges.length}>≥ ${edges[edges.length - 1]}</span>`);
  items.push("<span class=u>unknown</span>");
  return (
    `<div class=lg>surprisal (${unit}): ${items.join("")}<br>` +
    "hover a token for probability, rank (1-based) and top alternatives · ⏎ line break, ⇥ tab, ␣ space</div>"
  );
}

function bucketLegend(rows: readonly TokenLogprob[], thresholds: readonly number[]): string {
  const n = thresholds.length;
  const counts = gltrCounts(rows, thresholds);
  const items = counts.map((bucket, i) => {
    const cls = i === n + 1 ? "c" : i > n ? "u" : `g${i}`;
    const fraction = Number.isNaN(bucket.fraction) ? "–" : `${(bucket.fraction * 100).toFixed(1)}%`;
    return `<span class=${cls}>${escapeHtml(bucket.label)}: ${bucket.count} (${fraction})</span>`;
  });
  return (
    `<div class=lg>rank bucket (1-based rank): ${items.join("")}<br>` +
    "censored = outside the reported top-k · hover a token for probability, rank and top alternatives · " +
    "⏎ line break, ⇥ tab, ␣ space</div>"
  );
}

/** Colour at t ∈ [0, 1] of a Plotly colour scale of hex stops. */
function interpolate(scale: readonly [number, string][], t: number): string {
  for (let i = 1; i < scale.length; i++) {
    const [t1, c1] = scale[i];
    const [t0, c0] = scale[i - 1];
    if (t <= t1) {
      const f = t1 === t0 ? 0 : (t - t0) / (t1 - t0);
      const a = hex(c0);
      const b = hex(c1);
      return `#${a
        .map((v, k) =>
          Math.round(v + (b[k] - v) * f)
            .toString(16)
            .padStart(2, "0"),
        )
        .join("")}`;
    }
  }
  return scale[scale.length - 1][1];
}

function hex(color: string): number[] {
  return [1, 3, 5].map((i) => Number.parseInt(color.slice(i, i + 2), 16));
}

/** Relative luminance (sRGB, WCAG), to pick black or white text on a background. */
function luminance(color: string): number {
  const [r, g, b] = hex(color).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
