export { type ConnectOptions, connect } from "./client/connect.js";
export { Lab, type PromptLogprobsOptions } from "./client/lab.js";
export type { Summary } from "./core/summary.js";
export type { Alternative, IdentificationMethod, TokenLogprob } from "./core/token-logprob.js";
export { Figure } from "./display/figure.js";
export type { MimeBundle } from "./display/mime-bundle.js";
export { resetNotebookSession } from "./display/notebook-html.js";
export { plot } from "./display/plot.js";
export { mimeBundleOf, show } from "./display/show.js";
export {
  HttpStatusError,
  LogprobLabError,
  ResponseShapeError,
  TransportError,
  UsageError,
} from "./errors.js";
export { type FromResponseOptions, fromResponse } from "./from-response.js";
export { type EmbeddedServer, type ServeOptions, serve } from "./local/server.js";
export type { FigureSpec } from "./plot/figure-spec.js";
export type { HasRows, SurprisalOptions } from "./plot/surprisal.js";
export { LogprobResult, type ResultSource } from "./result.js";
export type { Table } from "./table/tokens-table.js";
