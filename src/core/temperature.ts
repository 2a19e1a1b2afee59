import { UsageError } from "../errors.js";
import { DEFAULT_VOCABULARY_SIZE, type TopKRow, topKMass } from "./top-k-mass.js";

/** One known token's probability after temperature scaling. */
export interface TemperatureAlternative {
  tokenId: number | null;
  token: string;
  /** Probability at T when the report determines it (T = 1, nothing missing, …); else null — use the bounds. */
  p: number | null;
  /** Least probability at T over every full distribution consistent with the report. */
  pLower: number;
  /** Greatest probability at T over every full distribution consistent with the report. */
  pUpper: number;
  /** The actual token at this position. */
  isActual: boolean;
}

/** A position's reported top-k re-normalized at temperature T, with the censored remainder kept in view. */
export interface AtTemperature {
  temperature: number;
  /** The reported alternatives with a known logprob (and the actual token when known but unlisted), most likely first. */
  alternatives: TemperatureAlternative[];
  /** Mass at T of all unreported tokens when the report determines it; else null — use the bounds. */
  remainder: number | null;
  remainderLower: number;
  remainderUpper: number;
  /** True when every probability above is determined (then p = pLower = pUpper and remainder is a number). */
  exact: boolean;
}

export interface TemperatureOptions {
  /** Vocabulary size V (default 128,256): how many tokens the unreported mass may be spread over. */
  vocabularySize?: number;
}

function checkTemperature(t: number): void {
  if (!(Number.isFinite(t) && t > 0)) {
    throw new UsageError(
      `temperature must be a finite number > 0 (T = 0 is greedy decoding: the top-1); got ${t}`,
    );
  }
}

/** log(Σ exp(x_i)) without overflow. */
function logSumExp(xs: readonly number[]): number {
  const finite = xs.filter((x) => x > Number.NEGATIVE_INFINITY);
  if (finite.length === 0) return Number.NEGATIVE_INFINITY;
  const max = Math.max(...finite);
  return max + Math.log(finite.reduce((s, x) => s + Math.exp(x - max), 0));
}

/**
 * The reported top-k at temperature T: p_i(T) = p_i^(1/T) / Z(T), Z(T) = Σ over the whole
 * vocabulary of p_j^(1/T). The known tokens' terms are known; the unreported tokens' term
 * S(T) = Σ_rest p_j^(1/T) is not, because a top-k only says that the rest share mass m = 1 − Σ p_i,
 * R = V − n ways, each at most c (the k-th probability). What can be known:
 *
 * - T = 1: S = m exactly, so every p and the remainder m are exact.
 * - m = 0 (or m pinned at R·c): S is determined; exact too.
 * - otherwise S lies between the two extremes of the rest's shape: concentrated (⌊m/c⌋ tokens at c
 *   plus the rest, S_conc = ⌊m/c⌋·c^(1/T) + r^(1/T)) and uniform (S_unif = R^(1−1/T)·m^(1/T)). For
 *   T < 1 uniform gives the smaller S (the tail all but vanishes), for T > 1 the larger (a flat
 *   tail over 128k tokens can swallow most of the mass — why high temperatures derail).
 *
 * So for T ≠ 1 the function reports bounds, not a guess: `remainderLower`/`remainderUpper` and each
 * token's `pLower`/`pUpper` (both extremes are real distributions: Σ pUpper + remainderLower = 1 and
 * Σ pLower + remainderUpper = 1), and `p`/`remainder` are null unless determined. The relative
 * order and ratios of the known tokens (p_i/p_j)^(1/T) are always exact.
 *
 * @example
 * atTemperature(row, 0.5).remainderUpper // the most the unreported tokens can hold at T = 0.5
 */
export function atTemperature(
  row: TopKRow,
  temperature: number,
  options: TemperatureOptions = {},
): AtTemperature {
  checkTemperature(temperature);
  const mass = topKMass(row, options.vocabularySize ?? DEFAULT_VOCABULARY_SIZE);
  if (!mass) {
    // Nothing reported: all mass is in the unknown remainder, at any temperature.
    return { temperature, alternatives: [], remainder: 1, remainderLower: 1, remainderUpper: 1, exact: true };
  }
  const a = 1 / temperature;
  const { known, missingMass: m, remainingCount: R, cap: c } = mass;
  // Work with logs: p^(1/T) for p ~ 1e-8 at T = 0.25 underflows otherwise.
  const logTerms = known.map((k) => a * Math.log(k.p));
  const logKnown = logSumExp(logTerms);
  let logSMin: number;
  let logSMax: number;
  if (m <= 0) {
    logSMin = Number.NEGATIVE_INFINITY;
    logSMax = Number.NEGATIVE_INFINITY;
  } else if (a === 1) {
    logSMin = Math.log(m);
    logSMax = logSMin;
  } else {
    const logUniform = (1 - a) * Math.log(R) + a * Math.log(m);
    const full = Math.floor(m / c);
    const rest = Math.max(0, m - full * c);
    const logConcentrated =
      full + (rest > 0 ? 1 : 0) > R
        ? logUniform
        : logSumExp([
            full > 0 ? Math.log(full) + a * Math.log(c) : Number.NEGATIVE_INFINITY,
            rest > 0 ? a * Math.log(rest) : Number.NEGATIVE_INFINITY,
          ]);
    logSMin = Math.min(logUniform, logConcentrated);
    logSMax = Math.max(logUniform, logConcentrated);
  }
  const logZMin = logSumExp([logKnown, logSMin]);
  const logZMax = logSumExp([logKnown, logSMax]);
  const exact = Math.abs(logSMax - logSMin) <= 1e-12 || logSMax === Number.NEGATIVE_INFINITY;
  const alternatives = known.map((k, i) => {
    const pUpper = Math.exp((logTerms[i] as number) - logZMin);
    const pLower = Math.exp((logTerms[i] as number) - logZMax);
    return {
      tokenId: k.tokenId,
      token: k.token,
      p: exact ? pUpper : null,
      pLower,
      pUpper,
      isActual: k.isActual,
    };
  });
  const remainderLower = Math.exp(logSMin - logZMin);
  const remainderUpper = Math.exp(logSMax - logZMax);
  return {
    temperature,
    alternatives,
    remainder: exact ? remainderLower : null,
    remainderLower,
    remainderUpper,
    exact,
  };
}

/** The nucleus (top-p set) of one position as far as the report shows it. */
export interface Nucleus {
  /** The shortest most-likely-first prefix of the ranked top-k whose mass reaches topP (all of it when it never does). */
  tokens: { tokenId: number | null; token: string; p: number }[];
  /** Σ p of `tokens`. */
  cumulative: number;
  /** False when even the whole reported top-k falls short of topP: the true nucleus is larger and unknown. */
  complete: boolean;
}

/**
 * Top-p (nucleus) set: the smallest set of most likely tokens whose probabilities sum to at least
 * topP (Holtzman et al. 2020), up to 1e-9 of float noise. Built from the ranked top-k only (an actual token appended beyond
 * the top-k is not part of a prefix); `complete` says whether the top-k reached topP at all.
 *
 * @example
 * nucleus(row, 0.9) // { tokens: [...3 tokens], cumulative: 0.93, complete: true }
 */
export function nucleus(row: TopKRow, topP: number): Nucleus {
  if (!(topP > 0 && topP <= 1)) throw new UsageError(`topP must be in (0, 1]; got ${topP}`);
  const mass = topKMass(row);
  const ranked = (mass?.known ?? []).filter((k) => !k.outsideTop);
  // exp(logprob) round-trips are off by ~1e-16: 0.5 + 0.3 must reach 0.8.
  const target = topP - 1e-9;
  const tokens: Nucleus["tokens"] = [];
  let cumulative = 0;
  for (const k of ranked) {
    if (cumulative >= target) break;
    tokens.push({ tokenId: k.tokenId, token: k.token, p: k.p });
    cumulative += k.p;
  }
  return { tokens, cumulative, complete: cumulative >= target };
}
