// Static figure images (Figure.toPNG / toSVG / figureToImage) through playwright-core and the
// system Chromium (Debian: apt-get install chromium, or CHROMIUM_PATH). Needs no network.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { Figure } from "../../src/display/figure.js";
import { closeImageExport, figureToImage, imageExportStats } from "../../src/display/image-export.js";
import { UsageError } from "../../src/errors.js";

const root = join(__dirname, "../..");
const run = promisify(execFile);

const figure = new Figure({
  data: [{ type: "bar", x: ["<b>", "a,b", "⏎"], y: [3, 1, 2], name: "bits" }],
  layout: { title: { text: "Surprisal & friends" } },
});

/** Width and height from a PNG's IHDR chunk (right after the 8-byte signature). */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(png.toString("latin1", 12, 16)).toBe("IHDR");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const timings: Record<string, number> = {};
afterAll(async () => {
  await closeImageExport();
  console.log(
    `image export: ${Object.entries(timings)
      .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
      .join(", ")}`,
  );
});

describe("figure images in headless Chromium", () => {
  it("makes a PNG of width·scale × height·scale pixels", async () => {
    const started = performance.now();
    const png = await figure.toPNG({ width: 640, height: 360, scale: 2 });
    timings.coldPng = performance.now() - started;
    expect(png).toBeInstanceOf(Buffer);
    expect(pngSize(png)).toEqual({ width: 1280, height: 720 });
  });

  it("makes an SVG document drawn by plotly.js", async () => {
    const started = performance.now();
    const svg = await figure.toSVG({ width: 500, height: 300 });
    timings.warmSvg = performance.now() - started;
    expect(typeof svg).toBe("string");
    expect(svg).toMatch(/^<svg [^>]*class="main-svg"/);
    expect(svg).toContain('width="500"');
    expect(svg).toContain("Surprisal &amp; friends");
    expect(svg).not.toContain("<b>");
  });

  it("reuses one browser across calls, serializing concurrent ones", async () => {
    const before = imageExportStats();
    const started = performance.now();
    const images = await Promise.all([
      figure.toPNG({ width: 300, height: 200 }),
      figureToImage(figure.toJSON(), { format: "svg", width: 300, height: 200 }),
      figure.toPNG({ width: 200, height: 100, scale: 3 }),
    ]);
    timings.warmTriple = performance.now() - started;
    expect(pngSize(images[0] as Buffer)).toEqual({ width: 300, height: 200 });
    expect(images[1]).toContain("main-svg");
    expect(pngSize(images[2] as Buffer)).toEqual({ width: 600, height: 300 });
    const after = imageExportStats();
    expect(after.launches).toBe(before.launches);
    expect(after.images).toBe(before.images + 3);
    expect(after.open).toBe(true);
  });

  it("uses the figure's layout size by default", async () => {
    const sized = new Figure({ data: figure.data, layout: { ...figure.layout, width: 410, height: 230 } });
    expect(pngSize(await sized.toPNG())).toEqual({ width: 410, height: 230 });
  });

  it("says how to install Chromium when the executable path is wrong", async () => {
    const launches = imageExportStats().launches;
    const error = await figure.toPNG({ executablePath: "/nonexistent/chromium" }).catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain("/nonexistent/chromium");
    expect(error.message).toContain("apt-get install chromium");
    expect(error.message).toContain("CHROMIUM_PATH");
    expect(imageExportStats().launches).toBe(launches);
  });

  it("rejects a bad format or size with a UsageError", async () => {
    await expect(figureToImage(figure.toJSON(), { format: "gif" as never })).rejects.toBeInstanceOf(
      UsageError,
    );
    await expect(figure.toPNG({ width: -1 })).rejects.toBeInstanceOf(UsageError);
  });

  it("closeImageExport closes the browser; the next image starts a new one", async () => {
    await closeImageExport();
    expect(imageExportStats().open).toBe(false);
    const launches = imageExportStats().launches;
    expect(pngSize(await figure.toPNG({ width: 100, height: 80 }))).toEqual({ width: 100, height: 80 });
    expect(imageExportStats().launches).toBe(launches + 1);
    await closeImageExport();
  });
});

describe("figure images from the built package", () => {
  const dir = mkdtempSync(join(tmpdir(), "lplab-image-"));

  it("a script that never closes the exporter still exits soon after its last image", async () => {
    const script = join(dir, "exits.cjs");
    writeFileSync(
      script,
      `const { Figure } = require(${JSON.stringify(join(root, "dist/cjs/index.js"))});
const f = new Figure({ data: [{ type: "bar", x: [1, 2], y: [2, 1] }], layout: {} });
f.toPNG({ width: 120, height: 90 }).then((png) => { console.log(png.length); globalThis.done = Date.now(); });
process.on("exit", () => console.log("idle", Date.now() - globalThis.done));`,
    );
    const started = performance.now();
    const { stdout } = await run(process.execPath, [script], { timeout: 30_000 });
    const [bytes, idle] = stdout.trim().split("\n");
    expect(Number(bytes)).toBeGreaterThan(100);
    expect(idle).toMatch(/^idle \d+$/);
    expect(Number(idle!.split(" ")[1])).toBeLessThan(5_000);
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it("without playwright-core: a UsageError that says `npm install playwright-core`", async () => {
    const hide = join(dir, "hide-playwright.cjs");
    writeFileSync(
      hide,
      `const Module = require("node:module");
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === "playwright-core") {
    const error = new Error("Cannot find module 'playwright-core'");
    error.code = "MODULE_NOT_FOUND";
    throw error;
  }
  return resolve.call(this, request, ...rest);
};`,
    );
    const code = `const { Figure } = require(${JSON.stringify(join(root, "dist/cjs/index.js"))});
new Figure({ data: [], layout: {} }).toPNG().then(() => console.log("no error"), (e) => console.log(e.name + ": " + e.message));`;
    const { stdout } = await run(process.execPath, ["-r", hide, "-e", code], { timeout: 30_000 });
    expect(stdout).toContain("UsageError");
    expect(stdout).toContain("npm install playwright-core");
  });
});
