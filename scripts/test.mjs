#!/usr/bin/env node
// `npm test`: lint, typecheck, build, then the vitest projects unit → e2e → notebooks, one after the
// other. Stops at the first failing step and exits with its code. Each vitest project also writes a
// JSON report to artifacts/vitest/<project>.json; the last line sums them: "N passed, N failed".
// A project that executes zero tests fails the run (a green run must have run something).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const reportDir = join(root, "artifacts", "vitest");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
const projects = ["unit", "e2e", "notebooks"];

const totals = { passed: 0, failed: 0, skipped: 0 };
const timings = [];

function finish(code, reason) {
  console.log("");
  for (const { step, seconds, ok } of timings) {
    console.log(`${ok ? "ok  " : "FAIL"} ${step.padEnd(20)} ${seconds.toFixed(1).padStart(6)} s`);
  }
  if (reason) console.log(reason);
  const skipped = totals.skipped ? `, ${totals.skipped} skipped` : "";
  console.log(`${totals.passed} passed, ${totals.failed} failed${skipped}`);
  process.exit(code);
}

function step(name, command, args) {
  console.log(`\n=== ${name}: ${[command, ...args].join(" ")}`);
  const started = performance.now();
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env: process.env });
  const seconds = (performance.now() - started) / 1000;
  const code = result.error ? 1 : (result.status ?? 1);
  if (result.error) console.error(`could not run ${command}: ${result.error.message}`);
  timings.push({ step: name, seconds, ok: code === 0 });
  return code;
}

for (const script of ["lint", "typecheck", "build"]) {
  const code = step(script, npm, ["run", "--silent", script]);
  if (code !== 0) finish(code, `npm run ${script} failed.`);
}

mkdirSync(reportDir, { recursive: true });
for (const project of projects) {
  const report = join(reportDir, `${project}.json`);
  rmSync(report, { force: true });
  const code = step(`vitest ${project}`, process.execPath, [
    vitest,
    "run",
    "--project",
    project,
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
  ]);
  let counts;
  if (existsSync(report)) {
    const json = JSON.parse(readFileSync(report, "utf8"));
    counts = {
      passed: json.numPassedTests ?? 0,
      failed: json.numFailedTests ?? 0,
      skipped: (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0),
      failedSuites: json.numFailedTestSuites ?? 0,
    };
    totals.passed += counts.passed;
    totals.failed += counts.failed;
    totals.skipped += counts.skipped;
  }
  if (code !== 0) {
    const suites = counts?.failedSuites ? ` (${counts.failedSuites} failed suite(s) or hook(s))` : "";
    finish(code, `vitest project ${project} failed${suites}.`);
  }
  if (!counts) finish(1, `vitest project ${project} wrote no JSON report (${report}).`);
  if (counts.passed + counts.failed === 0) {
    timings[timings.length - 1].ok = false;
    finish(1, `vitest project ${project} executed no tests: refusing to call that a pass.`);
  }
}
finish(0);
