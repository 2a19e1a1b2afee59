// The public surface of logprob-lab. Everything else under src/ is internal.

// Batch files (OpenAI Batch / vLLM run_batch format)
export { type BatchRequestOptions, batchRequests } from "./client/batch/batch-requests.js";
export { type BatchExport, exportBatch } from "./client/batch/export-batch.js";
export { type BatchFailure, type BatchResults, loadBatchResults } from "./client/batch/load-batch-results.js";
export {
  type BatchOutcome,
  type ReadBatchOptions,
  readBatchResults,
} from "./client/batch/read-batch-results.js";
export {
  type BatchRunProgress,
  type BatchRunReport,
  type RunBatchOptions,
  runBatch,
} from "./client/batch/run-batch.js";
// Connecting and asking
export { type ConnectOptions, connect } from "./client/connect.js";
export type { Provider } from "./client/endpoint-config.js";
export { Lab, type PromptLogprobsOptions } from "./client/lab.js";
export { LogprobStream, type StreamToken } from "./client/logprob-stream.js";
export type { ChatOptions, CompleteOptions } from "./client/routes.js";
// Scoring
export type { ChoiceComparison, ChoiceScore } from "./client/scoring/compare-choices.js";
export { ContinuationResult } from "./client/scoring/continuation-result.js";
export type { ScoreManyOptions, ScoreProgress } from "./client/scoring/score-many.js";
export { type ScoreFailure, ScoreManyError } from "./client/scoring/score-many-error.js";
export type { ScoreManyReport } from "./client/scoring/score-many-report.js";
export type { ScoreRecord, TokenRecord } from "./client/scoring/score-record.js";
export type { ContinuationOptions, ScoreOptions, WindowOptions } from "./client/scoring/scoring-options.js";
export type { ChoiceMetric } from "./core/choice-metrics.js";
// Metrics and teaching math (pure)
export {
  bitsPerByte,
  bytePerplexity,
  corpusPerplexity,
  cumulativeLogprob,
  type PerDocumentPerplexity,
  perDocumentPerplexity,
  wordPerplexity,
} from "./core/corpus.js";
export { type EntropyBounds, entropyBounds, marginBits, probRatioToTop1 } from "./core/entropy.js";
export {
  DEFAULT_GLTR_THRESHOLDS,
  type GltrBucket,
  type GltrCount,
  gltrBucket,
  gltrCounts,
  gltrLabels,
} from "./core/gltr.js";
export type { Summary } from "./core/summary.js";
export {
  type AtTemperature,
  atTemperature,
  type Nucleus,
  nucleus,
  type TemperatureAlternative,
} from "./core/temperature.js";
export type { Alternative, IdentificationMethod, TokenLogprob } from "./core/token-logprob.js";
export { planWindows, type ScoringWindow } from "./core/window-plan.js";
export { type Segmenter, spanLogprob, type WordSpan, type WordSpanOptions, wordSpans } from "./core/words.js";
// Charts and display
export { Figure } from "./display/figure.js";
export { HtmlView } from "./display/html-view.js";
export {
  closeImageExport,
  figureToImage,
  type ImageOptions,
  type ImageSizeOptions,
} from "./display/image-export.js";
export type { MimeBundle } from "./display/mime-bundle.js";
export { resetNotebookSession } from "./display/notebook-html.js";
export { plot } from "./display/plot.js";
export {
  DEFAULT_REPORT_SECTIONS,
  type ReportOptions,
  type ReportSection,
  type ReportSectionBuilder,
  reportHtml,
} from "./display/report.js";
export { mimeBundleOf, type ShowOptions, show } from "./display/show.js";
// Errors
export {
  HttpStatusError,
  LogprobLabError,
  ResponseShapeError,
  ServerError,
  TransportError,
  UsageError,
} from "./errors.js";
// Results and reading responses
export { type FromResponseOptions, fromResponse } from "./from-response.js";
// The embedded model's server
export { type EmbeddedServer, type ServeOptions, serve } from "./local/server.js";
export type { FigureSpec } from "./plot/figure-spec.js";
export type { PaletteName } from "./plot/palette.js";
export type { HasRows, SurprisalOptions } from "./plot/surprisal.js";
export type { ChatMessage } from "./providers/chat-request-schema.js";
export type { Dialect } from "./providers/parsed-sequence.js";
export { RAW_TEXT_CHAT_TEMPLATE } from "./providers/vllm-chat-prompt.js";
export { LogprobResult, type ResultSource, type ResultSummary } from "./result.js";
export type { Table } from "./table/tokens-table.js";
