#!/usr/bin/env node
// `npm start`: opens the notebooks in Jupyter Notebook with this project's tslab kernel.
// Builds dist/ if it is missing, prepares the notebook environment (scripts/notebook-env.mjs), then
// runs `jupyter notebook` on notebooks/ bound to 127.0.0.1 (headless; --allow-root as root), prints
// the URL with its token and keeps running until Ctrl-C. Extra arguments go to Jupyter, e.g.
// `npm start -- --port 9999`. With ACS_API_BASE unset the notebooks use the embedded model; set
// ACS_API_BASE / ACS_API_KEY (and optionally ACS_MODEL) before `npm start` to use a real server.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { checkNotebookServer, NotebookEnvError, prepareNotebookEnv, repoRoot } from "./notebook-env.mjs";

function fail(message) {
  console.error(message);
  process.exit(1);
}

if (!existsSync(join(repoRoot, "dist", "cjs", "index.js"))) {
  console.error("dist/ is missing: building (npm run build)…");
  const build = spawnSync(process.execPath, [join(repoRoot, "scripts", "build.mjs")], {
    cwd: repoRoot,
    stdio: "inherit",
  });
  if (build.status !== 0) fail("Build failed; fix it and run `npm start` again.");
}

let env;
try {
  ({ env } = prepareNotebookEnv());
  checkNotebookServer(env);
} catch (error) {
  if (error instanceof NotebookEnvError) fail(error.message);
  throw error;
}

const notebookDir = join(repoRoot, "notebooks");
const args = [
  "notebook",
  `--notebook-dir=${notebookDir}`,
  "--ip=127.0.0.1",
  "--no-browser",
  "--NotebookApp.open_browser=False",
  ...(process.getuid?.() === 0 ? ["--allow-root"] : []),
  ...process.argv.slice(2),
];

// stdin is not a TTY for Jupyter, so one Ctrl-C stops it (no "Shutdown this notebook server (y/[n])?").
const child = spawn("jupyter", args, { cwd: notebookDir, env, stdio: ["ignore", "inherit", "inherit"] });
let stopping = false;
child.on("error", (error) => fail(`Could not start jupyter: ${error.message}`));
child.on("exit", (code, signal) => {
  if (!stopping) console.error(`Jupyter exited (${signal ?? `code ${code}`}).`);
  process.exit(stopping ? 0 : (code ?? 1));
});

// A Ctrl-C on the terminal reaches Jupyter too (same process group) and it shuts its kernels down by
// itself; signalling it again would interrupt that cleanup and orphan kernels. So on SIGINT wait a
// few seconds before sending SIGTERM (at once for SIGTERM/SIGHUP or a second Ctrl-C), and SIGKILL
// as the last resort.
let signals = 0;
function stop(sig) {
  signals++;
  if (!stopping) console.error("\nStopping Jupyter…");
  stopping = true;
  if (signals >= 3) {
    child.kill("SIGKILL");
    return;
  }
  if (sig === "SIGINT" && signals === 1) {
    setTimeout(() => child.kill("SIGTERM"), 5_000).unref();
    return;
  }
  child.kill("SIGTERM");
}
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => stop(sig));

// `jupyter` execs `jupyter-notebook` in the same process, which writes nbserver-<pid>.json (url,
// port, token) into JUPYTER_RUNTIME_DIR once it listens.
const infoFile = join(env.JUPYTER_RUNTIME_DIR, `nbserver-${child.pid}.json`);
const deadline = Date.now() + 60_000;
let info;
while (!info && !stopping) {
  if (Date.now() > deadline) {
    stopping = true;
    child.kill("SIGTERM");
    fail(`Jupyter did not report its URL within 60 s (${infoFile}).`);
  }
  try {
    info = JSON.parse(readFileSync(infoFile, "utf8"));
  } catch {
    await sleep(200);
  }
}
if (info) {
  const base = `http://127.0.0.1:${info.port}${info.base_url ?? "/"}`;
  const query = info.token ? `?token=${info.token}` : "";
  const endpoint = process.env.ACS_API_BASE?.trim()
    ? `ACS_API_BASE=${process.env.ACS_API_BASE.trim()}`
    : "the embedded offline model (set ACS_API_BASE/ACS_API_KEY before `npm start` for a real server)";
  console.log(
    [
      "",
      "logprob-lab notebooks are running:",
      `  ${base}${query}`,
      `  start here: ${base}notebooks/01-quickstart.ipynb${query}`,
      `Kernel: TypeScript (tslab, this project's node_modules, Node ${process.version}); logprobs from ${endpoint}.`,
      "Press Ctrl-C to stop.",
      "",
    ].join("\n"),
  );
}
