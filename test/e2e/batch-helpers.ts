import type { LogprobResult } from "../../src/result.js";

/**
 * The numbers of a result's rows (ids, tokens, logprobs, ranks, alternatives), so a result loaded
 * from a batch file can be compared with `lab.score`'s for the same text.
 */
export function rowNumbers(result: LogprobResult) {
  return result.rows.map((row) => ({
    id: row.tokenId,
    token: row.token,
    logprob: row.logprob,
    rank: row.rank,
    censored: row.rankCensored,
    alternatives: row.alternatives.map((a) => [a.tokenId, a.logprob, a.rank]),
  }));
}
