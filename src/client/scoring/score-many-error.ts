import { LogprobLabError } from "../../errors.js";
import type { ScoreManyReport } from "./score-many-report.js";

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
 * A run that streamed an iterable to an `output` file keeps no results: `results` is empty,
 * `report` has the counts and corpus totals, and `failures` the first 1,000 failures (every
 * failure's error record is in the file).
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
  readonly report: ScoreManyReport | undefined;

  constructor(
    failures: readonly ScoreFailure[],
    results: readonly (T | undefined)[],
    report?: ScoreManyReport,
  ) {
    const shown = failures
      .slice(0, 3)
      .map((f) => `#${f.index}: ${describe(f.error)}`)
      .join("; ");
    const failed = report?.failed ?? failures.length;
    const more = failed > 3 ? `; … ${failed - 3} more in .failures` : "";
    const where = report
      ? `every record, errors included, is in ${report.output}; .report has the totals`
      : "the others are in .results";
    super(`${failed} of ${report?.total ?? results.length} texts failed (${where}): ${shown}${more}`);
    this.failures = failures;
    this.results = results;
    this.report = report;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
