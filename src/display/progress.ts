import { randomBytes } from "node:crypto";
import { escapeHtml } from "../core/escape-html.js";
import { denoDisplay, isDenoKernel } from "./deno.js";
import type { MimeBundle } from "./mime-bundle.js";
import { tslabDisplay, tslabPublic } from "./tslab.js";

/**
 * How far a batch has got.
 *
 * @example
 * const state: ProgressState = { done: 37, failed: 1, total: 100, elapsedMs: 12_300 };
 */
export interface ProgressState {
  /** Items finished, successes and failures. */
  done: number;
  failed: number;
  total: number;
  elapsedMs: number;
}

/**
 * Shows a batch's progress; `finish` shows the final state once.
 *
 * @example
 * const progress = progressReporter({ label: "scoring" });
 * progress.update({ done: 1, failed: 0, total: 10, elapsedMs: 250 });
 * progress.finish({ done: 10, failed: 0, total: 10, elapsedMs: 2500 });
 */
export interface ProgressReporter {
  update(state: ProgressState): void;
  finish(state: ProgressState): void;
}

/** A writable text stream such as `process.stderr`. */
interface TextStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Options of `progressReporter`.
 *
 * @example
 * progressReporter({ label: "scoring", stream: process.stderr })
 */
export interface ProgressOptions {
  /** What is being counted (default "scoring"). */
  label?: string;
  /** Where a terminal bar or lines go (default `process.stderr`). */
  stream?: TextStream;
  /** The clock, for tests (default `performance.now`). */
  now?: () => number;
}

/** Redraws of a bar or notebook display at most this often. */
const REDRAW_MS = 150;
/** A non-TTY stream gets a line per 10% at most this often (and always the last). */
const LINE_MS = 2000;

/**
 * A progress display for the place the code runs in: in a notebook (Deno's kernel or tslab) one
 * output updated in place through a Jupyter display id; on a terminal a bar redrawn on stderr
 * (only when stderr is a TTY); otherwise — logs, CI — an occasional line (each further 10%, at
 * most every 2 s, and the last).
 *
 * @example
 * const progress = progressReporter({ label: "scoring" });
 * progress.update({ done: 3, failed: 0, total: 8, elapsedMs: 900 });
 */
export function progressReporter(options: ProgressOptions = {}): ProgressReporter {
  const label = options.label ?? "scoring";
  const now = options.now ?? (() => performance.now());
  if (isDenoKernel()) {
    return notebookReporter(label, now, (bundle, id, update) => {
      denoDisplay(bundle, { displayId: id, update });
    });
  }
  if (tslabPublic()) {
    return notebookReporter(label, now, (bundle, id, update) => {
      tslabDisplay(bundle, { displayId: id, update });
    });
  }
  const stream = options.stream ?? process.stderr;
  return stream.isTTY ? barReporter(label, stream, now) : lineReporter(label, stream, now);
}

/**
 * The one-line description of a state: "scoring 37/100 (37%) · 1 failed · 12.3 s · ~21 s left".
 *
 * @example
 * progressLine("scoring", { done: 1, failed: 0, total: 4, elapsedMs: 1000 }) // "scoring 1/4 (25%) · 1.0 s · ~3.0 s left"
 */
export function progressLine(label: string, state: ProgressState): string {
  const { done, failed, total, elapsedMs } = state;
  const percent = total > 0 ? Math.floor((100 * done) / total) : 100;
  const parts = [`${label} ${done}/${total} (${percent}%)`];
  if (failed > 0) parts.push(`${failed} failed`);
  parts.push(seconds(elapsedMs));
  if (done > 0 && done < total) parts.push(`~${seconds((elapsedMs / done) * (total - done))} left`);
  return parts.join(" · ");
}

function seconds(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - 60 * m)} s`;
}

function notebookReporter(
  label: string,
  now: () => number,
  send: (bundle: MimeBundle, displayId: string, update: boolean) => void,
): ProgressReporter {
  const displayId = `logprob-lab-progress-${randomBytes(6).toString("hex")}`;
  let shown = false;
  let last = Number.NEGATIVE_INFINITY;
  const draw = (state: ProgressState) => {
    send(progressBundle(label, state), displayId, shown);
    shown = true;
    last = now();
  };
  return {
    update(state) {
      if (!shown || now() - last >= REDRAW_MS) draw(state);
    },
    finish: draw,
  };
}

/**
 * The notebook display of a state: an HTML `<progress>` bar with its line, and the line as text.
 *
 * @example
 * progressBundle("scoring", { done: 1, failed: 0, total: 2, elapsedMs: 10 })["text/plain"]
 */
export function progressBundle(label: string, state: ProgressState): MimeBundle {
  const line = progressLine(label, state);
  const html =
    `<div class="logprob-lab-progress" style="font-family:monospace">` +
    `<progress max="${state.total}" value="${state.done}" style="width:20em;vertical-align:middle"></progress> ` +
    `<span>${escapeHtml(line)}</span></div>`;
  return { "text/html": html, "text/plain": line };
}

function barReporter(label: string, stream: TextStream, now: () => number): ProgressReporter {
  let last = Number.NEGATIVE_INFINITY;
  const render = (state: ProgressState) => {
    const line = progressLine(label, state);
    const columns = stream.columns ?? 80;
    const width = Math.max(10, Math.min(30, columns - line.length - 4));
    const filled = state.total > 0 ? Math.round((width * state.done) / state.total) : width;
    return `\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${line}\u001b[K`;
  };
  return {
    update(state) {
      if (now() - last < REDRAW_MS) return;
      last = now();
      stream.write(render(state));
    },
    finish(state) {
      stream.write(`${render(state)}\n`);
    },
  };
}

function lineReporter(label: string, stream: TextStream, now: () => number): ProgressReporter {
  let lastTenth = 0;
  let last = now();
  return {
    update(state) {
      const tenth = state.total > 0 ? Math.floor((10 * state.done) / state.total) : 10;
      if (tenth <= lastTenth || now() - last < LINE_MS || state.done >= state.total) return;
      lastTenth = tenth;
      last = now();
      stream.write(`${progressLine(label, state)}\n`);
    },
    finish(state) {
      stream.write(`${progressLine(label, state)}\n`);
    },
  };
}
