import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

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

  it("exits 2 with usage on a bad command", async () => {
    const error = await run(process.execPath, [cli, "frobnicate"], { env }).catch((e) => e);
    expect(error.code).toBe(2);
    expect(error.stderr).toContain("Usage:");
  });
});
