/**
 * An alternative token's probability as a short percentage for hover text: whole percents from 1%,
 * one decimal from 0.1%, else "<0.1%", and "99+%" rather than a rounded-up "100%".
 *
 * @example
 * shortPercent(0.4213) // "42%"
 * shortPercent(0.0042) // "0.4%"
 * shortPercent(0.0004) // "<0.1%"
 */
export function shortPercent(p: number): string {
  const pct = p * 100;
  if (pct >= 99.5) return "99+%";
  if (pct >= 1) return `${pct.toFixed(0)}%`;
  if (pct >= 0.1) return `${pct.toFixed(1)}%`;
  return "<0.1%";
}
