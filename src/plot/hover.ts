import { escapePlotly } from "../core/escape-html.js";
import type { TokenLogprob } from "../core/token-logprob.js";
import { visibleWhitespace } from "../core/visible-whitespace.js";
import { shortPercent } from "./short-percent.js";

/**
 * A token as Plotly should show it: visible whitespace, escaped (Plotly renders a subset of HTML
 * in labels and decodes entities, so escaped text shows literally and never becomes markup).
 *
 * @example
 * plotlyText(" <b>") // "␣&lt;b&gt;"
 */
export function plotlyText(token: string): string {
  return escapePlotly(visibleWhitespace(token));
}

/**
 * Hover text of one position: the token, its logprob, probability and rank, and the top alternatives.
 *
 * @example
 * hoverText(row, 5)
 */
export function hoverText(row: TokenLogprob, maxAlternatives = 5): string {
  const lines = [`<b>${plotlyText(row.token)}</b>  (position ${row.position})`];
  if (row.logprob === null) {
    lines.push(row.position === 0 ? "no conditional at position 0" : "logprob unknown");
  } else {
    const bits = -row.logprob / Math.LN2;
    lines.push(
      `logprob ${row.logprob.toFixed(3)} nats · p ${formatProb(Math.exp(row.logprob))} · ${bits.toFixed(2)} bits`,
    );
    lines.push(row.rankCensored ? `rank > ${row.rankBound} (censored)` : `rank ${row.rank ?? "unknown"}`);
  }
  const isActual = (alt: TokenLogprob["alternatives"][number]) =>
    alt.tokenId !== null && alt.tokenId === row.tokenId;
  // The top few, plus the actual token where it ranks below them (vLLM reports it beyond the top-k).
  const alternatives = row.alternatives.filter((alt, i) => i < maxAlternatives || isActual(alt));
  if (alternatives.length > 0) {
    lines.push("top alternatives:");
    for (const alt of alternatives) {
      const mark = isActual(alt) ? " ◀" : "";
      const p = alt.logprob === null ? "?" : formatProb(Math.exp(alt.logprob));
      lines.push(`  ${alt.rank ?? "?"}. ${plotlyText(alt.token)}  ${p}${mark}`);
    }
  }
  return lines.join("<br>");
}

/**
 * One position's hover values, as Plotly `customdata` for `pointHoverTemplate`: the token (escaped,
 * whitespace visible), its logprob (nats, 3 decimals), its probability (2 significant digits), its
 * rank ("> k (censored)" when only bounded) and the top `maxAlternatives` other tokens with their
 * probabilities. Only what the hover shows, rounded as it is shown: the labels live once in the
 * template, not in every point.
 *
 * @example
 * pointCustomdata(row) // ["␣capital", -9.25, 0.000096, 40, "␣first 21% · ␣most 9%"]
 */
export function pointCustomdata(row: TokenLogprob, maxAlternatives = 3): (string | number | null)[] {
  const logprob = row.logprob === null ? null : Math.round(row.logprob * 1000) / 1000;
  const p = row.logprob === null ? null : Number(Math.exp(row.logprob).toPrecision(2));
  const rank = row.rankCensored ? `> ${row.rankBound ?? "k"} (censored)` : (row.rank ?? "unknown");
  const others = row.alternatives
    .filter((alt) => !(alt.tokenId !== null ? alt.tokenId === row.tokenId : alt.token === row.token))
    .slice(0, maxAlternatives)
    .map(
      (alt) => `${plotlyText(alt.token)} ${alt.logprob === null ? "?" : shortPercent(Math.exp(alt.logprob))}`,
    );
  return [plotlyText(row.token), logprob, p, rank, others.length > 0 ? others.join(" · ") : "none reported"];
}

/**
 * The hover template for `pointCustomdata`: token and position, logprob and probability (then
 * `extra`, e.g. the surprisal from `y`), rank, and the other top tokens.
 *
 * @example
 * { customdata: rows.map((r) => pointCustomdata(r)), hovertemplate: pointHoverTemplate(" · %{y:.2f} bits") }
 */
export function pointHoverTemplate(extra = ""): string {
  return (
    "<b>%{customdata[0]}</b>  (position %{x:d})<br>" +
    `logprob %{customdata[1]:.3f} nats · p %{customdata[2]:.2~%}${extra}<br>` +
    "rank %{customdata[3]}<br>others: %{customdata[4]}<extra></extra>"
  );
}

function formatProb(p: number): string {
  return p >= 0.001 ? p.toFixed(3) : p.toExponential(1);
}
