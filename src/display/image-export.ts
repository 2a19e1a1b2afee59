import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { LogprobLabError, UsageError } from "../errors.js";
import type { FigureSpec } from "../plot/figure-spec.js";

/** Size and scale of a static figure image. */
export interface ImageSizeOptions {
  /** Width in CSS pixels (default: the figure's `layout.width`, else 900). */
  width?: number;
  /** Height in CSS pixels (default: the figure's `layout.height`, else 420). */
  height?: number;
  /** Device pixel ratio: a PNG is `width·scale × height·scale` pixels (default 1). */
  scale?: number;
  /** The Chromium (or Chrome) executable (default: env CHROMIUM_PATH, else /usr/bin/chromium). */
  executablePath?: string;
  /**
   * Close the browser after this many ms without an export, so that it does not keep the process
   * alive (default 2000; 300000 inside a notebook kernel, where the process lives on anyway).
   */
  idleTimeoutMs?: number;
  /** Give up on one image after this many ms (default 60000). */
  timeoutMs?: number;
}

/** Options of `figureToImage`: the format and the size. */
export interface ImageOptions extends ImageSizeOptions {
  /** "png" (a Buffer) or "svg" (a string). Default "png". */
  format?: "png" | "svg";
}

/**
 * The flags headless Chromium is launched with to draw figures: no sandbox (containers run it as
 * root), no GPU, nothing fetched or synced in the background, and no /dev/shm (Docker's default
 * 64 MB is too small for a page with plotly.js). The one list the tests, notebook runs and benches
 * that draw figures launch with too.
 *
 * @example
 * await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: [...CHROMIUM_ARGS] });
 */
export const CHROMIUM_ARGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-dev-shm-usage",
  "--disable-sync",
];

interface Session {
  browser: Browser;
  page: Page;
  executablePath: string;
  /** Temporary XDG home for Chromium's caches (nothing is written to ~); removed on close. */
  home: string;
}

/** The browser being started or running; `live` once it runs. */
let session: Promise<Session> | undefined;
let live: Session | undefined;
let queue: Promise<unknown> = Promise.resolve();
let idleTimer: ReturnType<typeof setTimeout> | undefined;
const counters = { launches: 0, images: 0 };

/**
 * Renders a Plotly figure to a static PNG (Buffer) or SVG (string) with plotly.js in headless
 * Chromium, driven by the optional peer dependency `playwright-core`. One browser and one page (with
 * plotly.js loaded once) serve every call of the process; calls are serialized; nothing is loaded
 * from the network (every request is blocked). The browser closes after `idleTimeoutMs` idle or
 * with `closeImageExport()`, and in any case when the process exits.
 *
 * Needs `npm install playwright-core` and a Chromium (Debian: `apt-get install chromium`, or set
 * CHROMIUM_PATH); throws a UsageError naming what is missing. No browser is ever downloaded.
 * The first image of a process takes ~3 s (starting Chromium, loading plotly.js), later ones ~0.1 s.
 *
 * @example
 * const png = await figureToImage(plot.surprisal(r).toJSON(), { format: "png", width: 800, height: 400, scale: 2 });
 * fs.writeFileSync("surprisal.png", png);
 */
export function figureToImage(spec: FigureSpec, options: ImageOptions & { format: "svg" }): Promise<string>;
export function figureToImage(spec: FigureSpec, options?: ImageOptions & { format?: "png" }): Promise<Buffer>;
export function figureToImage(spec: FigureSpec, options?: ImageOptions): Promise<Buffer | string>;
export function figureToImage(spec: FigureSpec, options: ImageOptions = {}): Promise<Buffer | string> {
  const format = options.format ?? "png";
  let size: Size;
  try {
    if (format !== "png" && format !== "svg") {
      throw new UsageError(`format must be "png" or "svg", got ${JSON.stringify(format)}`);
    }
    size = imageSize(spec, options);
  } catch (error) {
    return Promise.reject(error);
  }
  const task = queue.then(() => render(spec, format, size, options));
  queue = task.catch(() => undefined);
  return task;
}

/**
 * Closes the browser that `figureToImage` (and `Figure.toPNG/toSVG`) started, if any, after the
 * export in progress. Safe to call any time; the next export starts a new browser.
 *
 * @example
 * await closeImageExport();
 */
export function closeImageExport(): Promise<void> {
  const task = queue.then(() => shutdown());
  queue = task.catch(() => undefined);
  return task;
}

/**
 * How many browsers were launched and images made in this process, and whether a browser is open
 * (for tests and diagnostics).
 *
 * @example
 * imageExportStats() // { launches: 1, images: 3, open: true }
 */
export function imageExportStats(): { launches: number; images: number; open: boolean } {
  return { ...counters, open: session !== undefined };
}

interface Size {
  width: number;
  height: number;
  scale: number;
}

function imageSize(spec: FigureSpec, options: ImageSizeOptions): Size {
  const layoutNumber = (key: string) =>
    typeof spec.layout[key] === "number" ? (spec.layout[key] as number) : undefined;
  const size = {
    width: options.width ?? layoutNumber("width") ?? 900,
    height: options.height ?? layoutNumber("height") ?? 420,
    scale: options.scale ?? 1,
  };
  for (const [name, value] of Object.entries(size)) {
    if (!(typeof value === "number" && Number.isFinite(value) && value > 0)) {
      throw new UsageError(`image ${name} must be a positive number, got ${value}`);
    }
  }
  if (size.width * size.scale > 16384 || size.height * size.scale > 16384) {
    throw new UsageError(
      `image too large: ${size.width * size.scale}×${size.height * size.scale} pixels (max 16384)`,
    );
  }
  return size;
}

async function render(spec: FigureSpec, format: "png" | "svg", size: Size, options: ImageOptions) {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
  try {
    const executablePath = chromiumExecutable(options.executablePath);
    let current = session ? await session.catch(() => undefined) : undefined;
    if (current && current.executablePath !== executablePath) {
      await shutdown();
      current = undefined;
    }
    if (!current) {
      session = launch(executablePath);
      session.catch(() => {
        session = undefined;
      });
      current = await session;
    }
    const figure = {
      data: spec.data,
      layout: spec.layout,
      config: { ...spec.config, showSendToCloud: false },
    };
    const url = await withTimeout(
      current.page.evaluate(
        ({ figure, format, size }) =>
          (globalThis as any).Plotly.toImage(figure, { format, ...size }) as Promise<string>,
        { figure, format, size },
      ),
      options.timeoutMs ?? 60_000,
      async () => {
        await shutdown();
      },
    );
    counters.images++;
    return decodeDataUrl(url, format);
  } finally {
    scheduleIdleClose(options.idleTimeoutMs);
  }
}

function decodeDataUrl(url: string, format: "png" | "svg"): Buffer | string {
  const comma = url.indexOf(",");
  const head = url.slice(0, comma);
  const body = url.slice(comma + 1);
  if (format === "png") {
    if (!head.startsWith("data:image/png;base64"))
      throw new LogprobLabError(`plotly.js returned ${head} for a PNG`);
    return Buffer.from(body, "base64");
  }
  if (!head.startsWith("data:image/svg+xml"))
    throw new LogprobLabError(`plotly.js returned ${head} for an SVG`);
  return head.endsWith(";base64") ? Buffer.from(body, "base64").toString("utf8") : decodeURIComponent(body);
}

function chromiumExecutable(explicit: string | undefined): string {
  const path = explicit ?? (process.env.CHROMIUM_PATH || "/usr/bin/chromium");
  if (!existsSync(path)) {
    const where = explicit
      ? "executablePath"
      : process.env.CHROMIUM_PATH
        ? "CHROMIUM_PATH"
        : "the default path";
    throw new UsageError(
      `figure images need Chromium, which was not found at ${path} (${where}): install it ` +
        "(Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH (or the executablePath option) " +
        "to a Chromium or Chrome executable.",
    );
  }
  return path;
}

function loadPlaywright(): typeof import("playwright-core") {
  try {
    return require("playwright-core") as typeof import("playwright-core");
  } catch (error) {
    if ((error as { code?: string }).code === "MODULE_NOT_FOUND") {
      throw new UsageError(
        "figure images need the optional dependency playwright-core: npm install playwright-core " +
          "(it drives the system Chromium; it downloads no browser).",
      );
    }
    throw error;
  }
}

async function launch(executablePath: string): Promise<Session> {
  const { chromium } = loadPlaywright();
  const home = mkdtempSync(join(tmpdir(), "logprob-lab-chromium-"));
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: [...CHROMIUM_ARGS],
      env: {
        ...process.env,
        XDG_CACHE_HOME: join(home, "cache"),
        XDG_CONFIG_HOME: join(home, "config"),
        XDG_DATA_HOME: join(home, "data"),
      },
    });
    counters.launches++;
    const context = await browser.newContext({ offline: true, serviceWorkers: "block" });
    const page = await context.newPage();
    // Nothing leaves the machine: the page is written with setContent and plotly.js is inlined.
    await page.route("**/*", (route) => route.abort("blockedbyclient"));
    await page.setContent("<!doctype html><html><head><meta charset=utf-8></head><body></body></html>");
    await page.addScriptTag({ path: require.resolve("plotly.js-dist-min") });
    const current: Session = { browser, page, executablePath, home };
    browser.on("disconnected", () => {
      // Crashed or closed: the next export starts a new browser.
      if (live === current) {
        live = undefined;
        session = undefined;
      }
      rmSync(home, { recursive: true, force: true });
    });
    live = current;
    return current;
  } catch (error) {
    await browser?.close().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
    if (error instanceof LogprobLabError) throw error;
    throw new LogprobLabError(
      `could not start Chromium at ${executablePath} for figure images: ${(error as Error).message.split("\n")[0]}`,
      { cause: error },
    );
  }
}

async function shutdown(): Promise<void> {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
  const pending = session;
  session = undefined;
  live = undefined;
  const current = pending ? await pending.catch(() => undefined) : undefined;
  if (!current) return;
  await current.browser.close().catch(() => undefined);
  rmSync(current.home, { recursive: true, force: true });
}

function inNotebook(): boolean {
  if ((globalThis as { __tslab__?: unknown }).__tslab__) return true;
  try {
    return !!(globalThis as { Deno?: { jupyter?: unknown } }).Deno?.jupyter;
  } catch {
    return false;
  }
}

function scheduleIdleClose(idleTimeoutMs: number | undefined): void {
  if (!session) return;
  const ms = idleTimeoutMs ?? (inNotebook() ? 300_000 : 2_000);
  if (!Number.isFinite(ms)) return;
  idleTimer = setTimeout(() => {
    idleTimer = undefined;
    void closeImageExport();
  }, ms);
  // The timer alone does not hold the process; the open browser does, until the timer closes it.
  idleTimer.unref();
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Promise<void>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout().finally(() => reject(new LogprobLabError(`figure image took longer than ${ms} ms`)));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
