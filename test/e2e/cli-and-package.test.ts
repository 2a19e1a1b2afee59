import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { openInChromium, waitForFigures } from "../notebooks/run-notebook.js";

const root = join(__dirname, "../..");
const run = promisify(execFile);
// No endpoint configured: the CLI and the package start the embedded model themselves.
const env = { ...process.env, ACS_API_BASE: "", ACS_API_KEY: "" };

describe("the built package", () => {
  it("exports the same public names to require() and import", async () => {
    const cjs = await run(
      process.execPath,
      ["-e", 'console.log(Object.keys(require("logprob-lab")).sort().join())'],
      { cwd: root, env },
    );
    const esm = await run(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        'import * as lab from "logprob-lab"; console.log(Object.keys(lab).sort().join())',
      ],
      { cwd: root, env },
    );
    expect(esm.stdout).toBe(cjs.stdout);
    for (const name of ["connect", "fromResponse", "plot", "show", "serve", "LogprobResult", "UsageError"]) {
      expect(cjs.stdout.split(",").map((s) => s.trim())).toContain(name);
    }
  });

  it("scores from ESM with one shared instance and exits on its own", async () => {
    const code =
      'import { connect } from "logprob-lab"; const r = await connect().promptLogprobs("Hello world"); console.log(JSON.stringify(r.summary));';
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", code], {
      cwd: root,
      env,
      timeout: 30_000,
    });
    expect(JSON.parse(stdout)).toMatchObject({ tokenCount: 2, positionCount: 3 });
  });
});

describe("the logprob-lab command", () => {
  const cli = join(root, "bin/logprob-lab.cjs");

  it("scores a text as JSON", async () => {
    const { stdout } = await run(process.execPath, [cli, "score", "The capital of France is", "--json"], {
      env,
    });
    const out = JSON.parse(stdout);
    expect(out.text).toBe("The capital of France is");
    expect(out.tokens).toHaveLength(6);
    expect(out.summary.tokenCount).toBe(5);
  });

  it("prints a readable table by default", async () => {
    const { stdout } = await run(process.execPath, [cli, "score", "The capital of France is"], { env });
    expect(stdout).toMatch(/5 scored tokens of 6 positions/);
    expect(stdout).toContain("␣capital");
  });

  it("writes an offline HTML report", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "lplab-")), "report.html");
    await run(process.execPath, [cli, "report", "<b>bold</b> claims", "-o", out], { env });
    const html = readFileSync(out, "utf8");
    expect(html).toContain("lplab-figure");
    expect(html).not.toContain("<b>bold</b>");
    expect(html).not.toMatch(/src="https?:/);
  });

  describe("report", () => {
    const dir = mkdtempSync(join(tmpdir(), "lplab-report-"));
    const TEXT = 'The <script>alert("x")</script> & <b>bold</b> claims, "quoted",\nnew line é 😀';
    let html: string;
    let stdout: string;

    beforeAll(async () => {
      const out = join(dir, "report.html");
      ({ stdout } = await run(process.execPath, [cli, "report", TEXT, "-o", out, "--top-k", "3"], { env }));
      html = readFileSync(out, "utf8");
    }, 60_000);

    /** The HTML of one report section. */
    const section = (id: string) => {
      const match = new RegExp(`<section id="${id}"[\\s\\S]*?</section>`).exec(html);
      if (!match) throw new Error(`no section ${id}`);
      return match[0];
    };

    it("is a complete page with summary, surprisal chart, token table and alternatives", () => {
      expect(stdout).toMatch(/^wrote .*report\.html \(\d+ positions; opens offline\)/);
      expect(html).toMatch(/^<!doctype html>/);
      expect(section("summary")).toContain("perplexity");
      expect(section("surprisal")).toContain('class="lplab-figure"');
      expect(section("tokens")).toContain('class="lplab-table"');
      expect(section("alternatives")).toMatch(/most surprising tokens/);
      expect(section("alternatives")).toContain("<h3>position ");
      expect(html).toContain('<a href="#tokens">');
    });

    it("lists every position in the token table", () => {
      const positions = Number(/(\d+) positions/.exec(stdout)![1]);
      const rows = section("tokens").match(/<tr><td>/g) ?? [];
      expect(rows.length).toBe(positions);
      expect(section("tokens")).toContain(`${positions} of ${positions} rows`);
    });

    it("is self-contained: plotly.js inlined, no external src, href, stylesheet or import", () => {
      const loader = /<script>if\(!window\.Plotly\)\{[\s\S]*?\n\}<\/script>/;
      expect(html).toMatch(loader);
      // The page around the inlined library (plotly.js's own code mentions URLs in strings).
      const page = html.replace(loader, "<script>/* plotly.js */</script>");
      expect(page.length).toBeLessThan(html.length / 10);
      const attributes = [...page.matchAll(/\s(src|href|action|srcset)\s*=\s*["']?([^"'\s>]*)/gi)].map(
        (m) => m[2],
      );
      expect(attributes.filter((value) => !value!.startsWith("#"))).toEqual([]);
      expect(page.match(/<(link|iframe|img|object|embed)\b[^>]*>/gi) ?? []).toEqual([]);
      expect(page.match(/@import|url\(/gi) ?? []).toEqual([]);
      expect(page.match(/https?:\/\/[^\s"'<]*/gi) ?? []).toEqual([]);
    });

    it("escapes the text and every token", () => {
      expect(html).not.toContain('<script>alert("x")</script>');
      expect(html).not.toContain("<b>bold</b>");
      expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
      expect(html).toContain("&lt;b&gt;bold&lt;/b&gt;");
      expect(html).toContain("😀");
      // Only our own scripts: the plotly.js loader, the queue flush and one per figure.
      expect((html.match(/<script>/g) ?? []).length).toBe(
        2 + (html.match(/class="lplab-figure"/g) ?? []).length,
      );
    });

    it("--rows shows the first N positions with a note; bad numbers exit 2", async () => {
      const out = join(dir, "short.html");
      await run(process.execPath, [cli, "report", TEXT, "-o", out, "--rows", "4", "--title", "A <title>"], {
        env,
      });
      const short = readFileSync(out, "utf8");
      expect(short).toMatch(/Showing the first 4 of \d+ positions/);
      expect(short).toContain("<title>A &lt;title&gt;</title>");
      const error = await run(process.execPath, [cli, "report", TEXT, "-o", out, "--rows", "0"], {
        env,
      }).catch((e) => e);
      expect(error.code).toBe(2);
      expect(error.stderr).toContain("--rows must be a positive integer");
    });

    it("renders offline in headless Chromium: the chart is drawn, nothing is fetched", async () => {
      const rendered = await openInChromium(join(dir, "report.html"));
      try {
        await waitForFigures(rendered.page);
        expect(rendered.pageErrors).toEqual([]);
        expect(rendered.consoleErrors).toEqual([]);
        expect(rendered.blocked).toEqual([]);
        const bars = await rendered.page.locator("#surprisal .main-svg g.trace.bars g.point").count();
        expect(bars).toBeGreaterThan(5);
      } finally {
        await rendered.close();
      }
    });
  });

  it("scores a file of texts with progress, streaming JSON lines", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lplab-"));
    const input = join(dir, "texts.txt");
    writeFileSync(input, "The capital of France is Paris.\n\nFour score and seven years ago.\nHello world\n");
    const { stdout, stderr } = await run(
      process.execPath,
      [cli, "score", "--file", input, "-o", join(dir, "out.jsonl")],
      { env },
    );
    expect(stdout).toContain("scored 3 texts");
    expect(stderr).toMatch(/3\/3 \(100%\)/);
    const lines = readFileSync(join(dir, "out.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.index).sort()).toEqual([0, 1, 2]);
    expect(lines.find((line) => line.index === 2).text).toBe("Hello world");
  });

  it("exits 2 with usage on a bad command", async () => {
    const error = await run(process.execPath, [cli, "frobnicate"], { env }).catch((e) => e);
    expect(error.code).toBe(2);
    expect(error.stderr).toContain("Usage:");
  });
});
