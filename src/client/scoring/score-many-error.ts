import { LogprobLabError } from "../../errors.js";

/**
 * One text of a batch that failed, with the typed error it failed with.
 *
 * @example
 * const f: ScoreFailure = { index: 3, error: new UsageError("score needs a non-empty string") };
 */
export interface ScoreFailure {
  index: number;
  error: unknown;
}

/**
 * Thrown by `lab.scoreMany` after every text has been tried when some failed. Nothing is lost:
 * `results` holds every success at its input index (undefined where the text failed) and
 * `failures` each failure's index and error (HttpStatusError, TransportError, UsageError, …).
 *
 * @example
 * try { await lab.scoreMany(texts) } catch (e) {
 *   if (e instanceof ScoreManyError) { e.failures.map((f) => f.index); e.results.filter(Boolean) }
 * }
 */
export class ScoreManyError<T = unknown> extends LogprobLabError {
  override name = "ScoreManyError";
  readonly failures: readonly ScoreFailure[];
  readonly results: readonly (T | undefined)[];

  constructor(failures: readonly ScoreFailure[], results: readonly (T | undefined)[]) {
    const shown = failures
      .slice(0, 3)
      .map((f) => `#${f.index}: ${describe(f.error)}`)
      .join("; ");
    const more = failures.length > 3 ? `; … ${failures.length - 3} more in .failures` : "";
    super(
      `${failures.length} of ${results.length} texts failed (the others are in .results): ${shown}${more}`,
    );
    this.failures = failures;
    this.results = results;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
