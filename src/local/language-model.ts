/** One scored alternative at a position: a vocabulary id and its natural-log probability. */
export interface ScoredToken {
  id: number;
  logprob: number;
}

/** What the model says about one position: the actual token's logprob and exact rank, and the top-k. */
export interface PositionQuery {
  /** Natural-log probability of the actual token. */
  logprob: number;
  /** Exact 1-based rank of the actual token over the whole vocabulary (ties share `1 + #strictly greater`). */
  rank: number;
  /** The k most likely next tokens, most likely first (ties by ascending id). */
  top: ScoredToken[];
}

/**
 * A next-token language model over a fixed vocabulary, exactly normalized over all of it.
 * `context` is every preceding token id of the sequence, BOS included; the model uses what it needs.
 */
export interface LanguageModel {
  readonly vocabSize: number;
  /** sha256 of the serialized model, hex. */
  readonly checksum: string;
  logprob(context: ArrayLike<number>, token: number): number;
  query(context: ArrayLike<number>, actual: number, k: number): PositionQuery;
  topK(context: ArrayLike<number>, k: number): ScoredToken[];
  /** Draws the next token; `random` returns uniform numbers in [0, 1); temperature 0 = greedy. */
  sample(context: ArrayLike<number>, random: () => number, temperature: number): number;
}
