// Helpers for the notebook tests: build the package if needed, execute a notebook with the
// project-local tslab or Deno kernel through `jupyter nbconvert`, export it to HTML, and open the
// HTML in headless Debian Chromium (playwright-core, no downloaded browser, no network).
// The same .ipynb runs in both kernels: the kernel is chosen with --ExecutePreprocessor.kernel_name.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { prepareNotebookEnv, repoRoot } from "../../scripts/notebook-env.mjs";
import { CHROMIUM_ARGS } from "../../src/display/image-export.js";

export { repoRoot };
export const notebooksDir = join(repoRoot, "notebooks");
export const executedDir = join(repoRoot, "artifacts", "notebooks");
export const screenshotsDir = join(repoRoot, "artifacts", "screenshots");

// ---------------------------------------------------------------------------------------------
// nbformat

export interface Output {
  output_type: "stream" | "display_data" | "execute_result" | "error" | "update_display_data";
  name?: "stdout" | "stderr";
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}
export interface Cell {
  cell_type: "code" | "markdown" | "raw";
  id?: string;
  source: string | string[];
  outputs?: Output[];
  execution_count?: number | null;
  metadata: Record<string, unknown>;
}
export interface Notebook {
  cells: Cell[];
  metadata: Record<string, any>;
  nbformat: number;
  nbformat_minor: number;
}

export const joined = (text: string | string[] | undefined): string =>
  Array.isArray(text) ? text.join("") : (text ?? "");

export function readNotebook(path: string): Notebook {
  return JSON.parse(readFileSync(path, "utf8")) as Notebook;
}

/** The code or markdown cell with this nbformat id (the notebooks give their cells stable ids). */
export function cellById(notebook: Notebook, id: string): Cell {
  const cell = notebook.cells.find((c) => c.id === id);
  if (!cell) throw new Error(`no cell with id ${JSON.stringify(id)}`);
  return cell;
}

/** All text a cell wrote to stdout or stderr. */
export function streamText(cell: Cell, name: "stdout" | "stderr"): string {
  return (cell.outputs ?? [])
    .filter((o) => o.output_type === "stream" && o.name === name)
    .map((o) => joined(o.text))
    .join("");
}

/** Text without ANSI colour codes (Deno's `text/plain` of a last expression is coloured). */
export const stripAnsi = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, "");

/**
 * What a cell printed plus the text form of its result: stdout and the `text/plain` of its
 * execute_result outputs (Deno shows a cell's last expression that way; tslab prints it to stdout).
 */
export function cellText(cell: Cell): string {
  const results = (cell.outputs ?? [])
    .filter((o) => o.output_type === "execute_result")
    .map((o) => mimeText(o, "text/plain"));
  return stripAnsi([streamText(cell, "stdout"), ...results].join("\n"));
}

/** A MIME value of a display output as a string (nbformat stores text as a list of lines). */
export function mimeText(output: Output, mime: string): string {
  const value = output.data?.[mime];
  return typeof value === "string" || Array.isArray(value) ? joined(value as string | string[]) : "";
}

// ---------------------------------------------------------------------------------------------
// build + environment

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Runs `scripts/build.mjs` unless dist/ is newer than every file in src/. */
export function ensureBuilt(): void {
  const entry = join(repoRoot, "dist", "cjs", "index.js");
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestMtime(join(repoRoot, "src"))) return;
  const build = spawnSync(process.execPath, [join(repoRoot, "scripts", "build.mjs")], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
}

/**
 * The env for Jupyter and the kernel: the project-local tslab kernel spec, and no remote endpoint
 * configured (ACS_*, OPENAI_*, DEVUP_* removed), so `connect()` uses the embedded model.
 */
export function notebookEnv(): NodeJS.ProcessEnv {
  return preparedEnv().env;
}

function preparedEnv() {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(ACS|OPENAI|DEVUP)_/.test(key) && !/^VITEST/.test(key)),
  );
  return prepareNotebookEnv({ base });
}

/** The Jupyter kernels the notebooks run in (kernel spec names under .jupyter-local/kernels/). */
export type KernelName = "tslab" | "deno";

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${timeoutMs / 1000} s]`;
      child.kill("SIGTERM");
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// execute + export

export interface Executed {
  name: string;
  kernel: KernelName;
  path: string;
  notebook: Notebook;
  /** Wall time of `jupyter nbconvert --execute` (kernel start included). */
  seconds: number;
}

const tail = (text: string, lines = 40) => text.trimEnd().split("\n").slice(-lines).join("\n");

/**
 * How a kernel's notebook is executed. tslab: nbconvert's own `--execute`. Deno: the same
 * ExecutePreprocessor options, through test/notebooks/late_output.py, because Deno 2.x's kernel
 * sometimes sends a cell's outputs after it reported the cell idle (nbclient would drop them, or
 * they would carry the next cell as parent); late_output.py waits for them and files each under
 * the cell that sent it.
 */
function executeArgs(kernel: KernelName): string[] {
  return kernel === "deno"
    ? [
        "--Exporter.preprocessors=late_output.LateOutputExecutePreprocessor",
        "--ExecutePreprocessor.kernel_name=deno",
      ]
    : ["--execute", "--ExecutePreprocessor.kernel_name=tslab"];
}

/**
 * Executes notebooks/<name>.ipynb with the project's tslab (default) or Deno kernel into
 * artifacts/notebooks/. On failure, throws with the failing cell's source and what it wrote to
 * stderr: tslab reports compile and runtime errors only on stderr (nbconvert just says
 * `<Error>:`), so the notebook is run once more with --allow-errors into <name>.failed.ipynb to
 * collect them. tslab aborts every cell after a failing one, so only the first failure is
 * meaningful. `env` adds variables (e.g. a remote endpoint) to the kernel's environment;
 * `outputName` names the executed copy.
 */
export async function executeNotebook(
  name: string,
  {
    timeoutSec = 300,
    env: extraEnv = {},
    outputName = name,
    kernel = "tslab",
    input = join(notebooksDir, `${name}.ipynb`),
  }: {
    timeoutSec?: number;
    env?: NodeJS.ProcessEnv;
    outputName?: string;
    kernel?: KernelName;
    /** The .ipynb to run (default notebooks/<name>.ipynb); its directory is the kernel's cwd. */
    input?: string;
  } = {},
): Promise<Executed> {
  ensureBuilt();
  const prepared = preparedEnv();
  if (kernel === "deno" && !prepared.denoKernelSpecPath) {
    throw new Error(`the Deno kernel is not available: ${prepared.denoProblem}`);
  }
  const pythonPath = [join(repoRoot, "test", "notebooks"), prepared.env.PYTHONPATH].filter(Boolean);
  const env = { ...prepared.env, PYTHONPATH: pythonPath.join(delimiter), ...extraEnv };
  mkdirSync(executedDir, { recursive: true });
  const args = (output: string, extra: string[] = []) => [
    "nbconvert",
    "--to",
    "notebook",
    ...executeArgs(kernel),
    `--ExecutePreprocessor.timeout=${timeoutSec}`,
    ...extra,
    "--output-dir",
    executedDir,
    "--output",
    output,
    input,
  ];
  const overallMs = (timeoutSec * 2 + 120) * 1000;
  const result = await run("jupyter", args(outputName), env, overallMs);
  const path = join(executedDir, `${outputName}.ipynb`);
  const failedName = `${outputName}.failed`;
  const failedPath = join(executedDir, `${failedName}.ipynb`);
  rmSync(failedPath, { force: true });
  if (result.code === 0)
    return { name: outputName, kernel, path, notebook: readNotebook(path), seconds: result.seconds };

  const summary = `jupyter nbconvert --execute failed (exit ${result.code}) after ${result.seconds.toFixed(1)} s`;
  let detail = `${summary}:\n${tail(result.stderr)}`;
  const source = /An error occurred while executing the following cell:\n-+\n([\s\S]*?)\n-+\n/.exec(
    result.stderr,
  )?.[1];
  if (source !== undefined) {
    const rerun = await run("jupyter", args(failedName, ["--allow-errors"]), env, overallMs);
    if (rerun.code === 0 && existsSync(failedPath)) {
      const failed = readNotebook(failedPath);
      const index = failed.cells.findIndex(
        (c) => c.cell_type === "code" && joined(c.source).trim() === source.trim(),
      );
      const cell = failed.cells[index];
      if (cell) {
        const errors = (cell.outputs ?? [])
          .filter((o) => o.output_type === "error")
          .map((o) => `${o.ename}: ${o.evalue}\n${(o.traceback ?? []).join("\n")}`);
        const said = [streamText(cell, "stderr"), ...errors].join("\n").trim();
        detail =
          `${name}.ipynb: cell #${index} (id ${cell.id ?? "?"}) failed:\n${joined(cell.source)}\n` +
          (said
            ? `--- its stderr ---\n${said}\n--- (${kernel === "tslab" ? "tslab aborted every later cell; " : ""}executed copy: ${failedPath})\n` +
              `${summary}: ${tail(result.stderr, 1)}`
            : `--- it wrote nothing to stderr when re-run with --allow-errors (${failedPath}); ` +
              `the failure may be intermittent (was dist/ being rebuilt?)\n${detail}`);
      }
    }
  }
  throw new Error(detail);
}

/** `jupyter nbconvert --to html` of an executed notebook, next to it. */
export async function exportHtml(executed: Executed): Promise<{ path: string; seconds: number }> {
  const result = await run(
    "jupyter",
    ["nbconvert", "--to", "html", "--output-dir", executedDir, "--output", executed.name, executed.path],
    notebookEnv(),
    120_000,
  );
  if (result.code !== 0) throw new Error(`jupyter nbconvert --to html failed:\n${tail(result.stderr)}`);
  return { path: join(executedDir, `${executed.name}.html`), seconds: result.seconds };
}

// ---------------------------------------------------------------------------------------------
// headless Chromium

// Browser globals, used only inside callbacks that run in the page (this project's TypeScript
// config has no DOM lib, and adding it would change how the library itself is type-checked).
declare const document: any;
declare const window: any;

export interface RenderedPage {
  page: Page;
  browser: Browser;
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  /** console.error messages and failed loads, except loads of URLs that were blocked on purpose. */
  consoleErrors: string[];
  /** Non-file URLs the page tried to load (all blocked). */
  blocked: string[];
  close(): Promise<void>;
}

export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  if (!existsSync(path)) {
    throw new Error(
      `Chromium not found at ${path}: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH.`,
    );
  }
  return path;
}

/**
 * Opens a local HTML file in headless Chromium with every non-file request blocked, recording page
 * errors and console errors.
 */
export async function openInChromium(htmlPath: string): Promise<RenderedPage> {
  // Chromium's GTK/dconf caches go to artifacts/, not to ~.
  const home = join(repoRoot, "artifacts", "chromium-home");
  mkdirSync(home, { recursive: true });
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    env: {
      ...process.env,
      XDG_CACHE_HOME: join(home, "cache"),
      XDG_CONFIG_HOME: join(home, "config"),
      XDG_DATA_HOME: join(home, "data"),
    },
    args: [...CHROMIUM_ARGS],
  });
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const blocked: string[] = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:") || url.startsWith("data:")) return route.continue();
      blocked.push(url);
      return route.abort("blockedbyclient");
    });
    page.on("pageerror", (error) => pageErrors.push(error.stack ?? String(error)));
    page.on("console", (message) => {
      if (message.type() !== "error") return;
      const where = message.location().url;
      if (where && blocked.includes(where)) return; // "Failed to load resource" for a blocked URL
      consoleErrors.push(`${message.text()}${where ? ` (${where})` : ""}`);
    });
    page.on("requestfailed", (request) => {
      if (!blocked.includes(request.url())) {
        consoleErrors.push(`failed to load ${request.url()}: ${request.failure()?.errorText}`);
      }
    });
    await page.goto(`file://${htmlPath}`, { waitUntil: "load", timeout: 120_000 });
    return { page, browser, pageErrors, consoleErrors, blocked, close: () => browser.close() };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/**
 * What plotly.js draws for one trace, by trace type: SVG `g.trace` (bar, scatter, …), `g.hm`
 * (heatmap), `g.table` (table). WebGL traces (`scattergl`, …) draw into a canvas instead. A trace
 * with no points (e.g. the empty "a more surprised" bars of a compare chart) or one hidden until
 * its legend entry is clicked (`visible: "legendonly"`) draws nothing.
 */
const DRAWN_TRACES = ".main-svg g.trace, .main-svg g.hm, .main-svg g.table";

/** How far plotly.js got with one `.lplab-figure` of a page. */
export interface FigureState {
  id: string;
  /** Plotly created its SVG (`.main-svg`). */
  svg: boolean;
  /** Traces in the figure's data that should be drawn: visible, with points. */
  traces: number;
  /** Traces drawn: SVG trace groups, plus the WebGL traces when a WebGL canvas exists. */
  drawn: number;
}

/** The drawing state of every `.lplab-figure` on the page, in document order. */
export function figureStates(page: Page): Promise<FigureState[]> {
  return page.evaluate(
    (selector) =>
      Array.from(document.querySelectorAll(".lplab-figure")).map((f: any) => {
        const shown: any[] = (Array.isArray(f.data) ? f.data : []).filter(
          (trace: any) =>
            trace.visible !== false &&
            trace.visible !== "legendonly" &&
            !["x", "y", "z"].some((axis) => Array.isArray(trace[axis]) && trace[axis].length === 0),
        );
        const gl = f.querySelector(".gl-container canvas")
          ? shown.filter((trace) => /gl$/.test(String(trace.type))).length
          : 0;
        return {
          id: String(f.id),
          svg: !!f.querySelector(".main-svg"),
          traces: shown.length,
          drawn: f.querySelectorAll(selector).length + gl,
        };
      }),
    DRAWN_TRACES,
  );
}

/**
 * Waits until every `.lplab-figure` on the page has been drawn by plotly.js (its `.main-svg` exists
 * and it holds as many drawn traces as it has traces to draw — see `figureStates`). Returns the
 * number of figures; throws with every figure's state when that does not happen in time.
 */
export async function waitForFigures(page: Page, timeoutMs = 60_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let figures: FigureState[] = [];
  for (;;) {
    figures = await figureStates(page);
    if (figures.length > 0 && figures.every((f) => f.svg && f.drawn >= f.traces)) return figures.length;
    if (performance.now() > deadline) break;
    await page.waitForTimeout(100);
  }
  const plotly = await page.evaluate(() => typeof window.Plotly);
  throw new Error(
    `plotly did not draw every figure within ${timeoutMs / 1000} s: ${JSON.stringify({ plotly, figures })}`,
  );
}

/**
 * Waits (up to timeoutMs, never failing) until MathJax, which nbconvert's template loads from local
 * files, has finished typesetting and hidden its "Loading [MathJax]…" box, for clean screenshots.
 */
export async function settleMathJax(page: Page, timeoutMs = 15_000): Promise<void> {
  await page
    .waitForFunction(
      () => {
        const box = document.getElementById("MathJax_Message");
        return !box || box.style.display === "none" || box.textContent === "";
      },
      null,
      { timeout: timeoutMs, polling: 100 },
    )
    .catch(() => undefined);
}

/** The code cells that wrote to stderr or raised, each as "cell <id>:\n<stderr>" (empty when clean). */
export function noisyCells(notebook: Notebook): string[] {
  return notebook.cells
    .filter((cell) => cell.cell_type === "code")
    .filter(
      (cell) => streamText(cell, "stderr") || (cell.outputs ?? []).some((o) => o.output_type === "error"),
    )
    .map((cell) => `cell ${cell.id}:\n${streamText(cell, "stderr")}`);
}

/** Saves a full-page screenshot to artifacts/screenshots/<name>.png and closes the page. */
export async function screenshotAndClose(rendered: RenderedPage | undefined, name: string): Promise<void> {
  if (!rendered) return;
  mkdirSync(screenshotsDir, { recursive: true });
  await settleMathJax(rendered.page);
  await rendered.page.screenshot({ path: join(screenshotsDir, `${name}.png`), fullPage: true });
  await rendered.close();
}
