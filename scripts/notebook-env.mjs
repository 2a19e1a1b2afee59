#!/usr/bin/env node
// Prepares everything the notebooks in notebooks/ need, idempotently:
//  1. `import … from "logprob-lab"` resolves from notebooks/: tslab type-checks with TypeScript 5.0 and
//     Node10 resolution from the notebook's directory upward, and a package cannot import itself by
//     name, so node_modules/logprob-lab is a relative symlink to the repository root (npm deletes it
//     on install; it is recreated on every run).
//  2. A project-local tslab kernel spec in .jupyter-local/kernels/tslab/kernel.json that runs THIS
//     project's node_modules/tslab with the current Node binary, and a Deno kernel spec in
//     .jupyter-local/kernels/deno/kernel.json that runs the Deno binary of the `deno` devDependency
//     (shipped inside the npm package @deno/<platform>; nothing is downloaded). Deno resolves
//     `import … from "logprob-lab"` through the same node_modules symlink (a package.json above the
//     notebook makes Deno use node_modules), to the package's ESM entry (dist/esm/index.js).
//     The user's Jupyter configuration is never touched: the returned env points JUPYTER_PATH (and
//     Jupyter's config/data/runtime dirs, IPYTHONDIR and DENO_DIR) into .jupyter-local/, so nothing
//     is written to the home directory.
//  3. `jupyter nbconvert` (with nbclient) is installed; otherwise it says how to install it.
//
// Import: `const { env } = prepareNotebookEnv()`. Run: `node scripts/notebook-env.mjs [--json]`
// prints the env to use (as shell `export` lines, or JSON) and exits non-zero if Jupyter is missing.
import { spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { delimiter, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const kernelName = "tslab";
export const denoKernelName = "deno";

const INSTALL_HINT = [
  "Jupyter's nbconvert (with nbclient) is required to run the notebooks and was not found.",
  "Install it with one of:",
  "  Debian/Ubuntu:  apt-get install jupyter-notebook jupyter-nbconvert python3-nbclient   (as root, or with sudo)",
  "  pip:            pip install notebook nbconvert nbclient",
].join("\n");

export class NotebookEnvError extends Error {}

/**
 * Makes `node_modules/logprob-lab` a relative symlink to the repository root (recreated when missing
 * or pointing elsewhere). Refuses to replace a real directory (e.g. a registry install).
 */
export function linkSelf(root = repoRoot) {
  const nodeModules = join(root, "node_modules");
  if (!existsSync(nodeModules)) throw new NotebookEnvError("node_modules/ is missing: run `npm ci` first");
  const link = join(nodeModules, "logprob-lab");
  const target = relative(nodeModules, root) || ".";
  let stat;
  try {
    stat = lstatSync(link);
  } catch {
    stat = undefined;
  }
  if (stat?.isSymbolicLink()) {
    if (resolve(nodeModules, readlinkSync(link)) === root) return link;
    rmSync(link);
  } else if (stat) {
    throw new NotebookEnvError(
      `${link} exists and is not a symlink; remove it so the notebooks import this checkout of logprob-lab`,
    );
  }
  symlinkSync(target, link, "dir");
  return link;
}

/** The kernel.json a `tslab install` would write, but running this project's tslab with this Node. */
export function kernelSpec(root = repoRoot, nodePath = process.execPath) {
  const tslabBin = join(root, "node_modules", "tslab", "bin", "tslab");
  if (!existsSync(tslabBin)) throw new NotebookEnvError(`${tslabBin} is missing: run \`npm ci\` first`);
  return {
    // `{connection_file}` must be its own argument (tslab issue #36), exactly as tslab's install.py does.
    argv: [nodePath, tslabBin, "kernel", "--config-path", "{connection_file}"],
    display_name: "TypeScript",
    language: "typescript",
    metadata: { "logprob-lab": "project-local tslab kernel written by scripts/notebook-env.mjs" },
  };
}

/**
 * The Deno executable of the `deno` devDependency: `node_modules/deno/deno` (its postinstall links it
 * there) or, when install scripts did not run, the binary inside the platform package it comes from
 * (`@deno/linux-x64-glibc`, …). Throws NotebookEnvError when neither exists.
 */
export function denoBinary(root = repoRoot) {
  const exe = process.platform === "win32" ? "deno.exe" : "deno";
  const candidates = [join(root, "node_modules", "deno", exe)];
  const arch = process.arch;
  if (process.platform === "linux")
    candidates.push(join(root, "node_modules", "@deno", `linux-${arch}-glibc`, exe));
  else candidates.push(join(root, "node_modules", "@deno", `${process.platform}-${arch}`, exe));
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new NotebookEnvError(
      `The Deno binary is missing (looked for ${candidates.map((p) => relative(root, p)).join(", ")}): ` +
        "run `npm ci` (the `deno` devDependency ships it for linux x64/arm64 glibc, macOS and Windows).",
    );
  }
  return found;
}

/**
 * The kernel.json `deno jupyter --install` would write, but running this project's Deno binary with
 * its cache (DENO_DIR) inside .jupyter-local/ and no update check. The kernel runs with --allow-all.
 */
export function denoKernelSpec(root = repoRoot, denoPath = denoBinary(root)) {
  return {
    argv: [denoPath, "jupyter", "--kernel", "--conn", "{connection_file}"],
    display_name: "Deno",
    language: "typescript",
    env: { DENO_DIR: join(root, ".jupyter-local", "deno"), DENO_NO_UPDATE_CHECK: "1" },
    metadata: { "logprob-lab": "project-local Deno kernel written by scripts/notebook-env.mjs" },
  };
}

function writeSpec(root, name, spec) {
  const dir = join(root, ".jupyter-local", "kernels", name);
  const file = join(dir, "kernel.json");
  const text = `${JSON.stringify(spec, null, 2)}\n`;
  mkdirSync(dir, { recursive: true });
  if (!existsSync(file) || readFileSync(file, "utf8") !== text) writeFileSync(file, text);
  return file;
}

/** Writes .jupyter-local/kernels/tslab/kernel.json when its content changed. Returns its path. */
export function writeKernelSpec(root = repoRoot, nodePath = process.execPath) {
  return writeSpec(root, kernelName, kernelSpec(root, nodePath));
}

/** Writes .jupyter-local/kernels/deno/kernel.json when its content changed. Returns its path. */
export function writeDenoKernelSpec(root = repoRoot, denoPath = denoBinary(root)) {
  return writeSpec(root, denoKernelName, denoKernelSpec(root, denoPath));
}

/**
 * The environment for Jupyter processes: the project-local kernel spec first on JUPYTER_PATH, and
 * Jupyter's/IPython's own writable dirs inside .jupyter-local/ (trust database, cookie secret,
 * runtime/connection files, nbconfig) so nothing lands in ~.
 */
export function jupyterEnv(root = repoRoot, base = process.env) {
  const local = join(root, ".jupyter-local");
  const dirs = {
    JUPYTER_CONFIG_DIR: join(local, "config"),
    JUPYTER_DATA_DIR: join(local, "data"),
    JUPYTER_RUNTIME_DIR: join(local, "runtime"),
    IPYTHONDIR: join(local, "ipython"),
    // Deno's module/npm cache (the Deno kernel's spec sets it too).
    DENO_DIR: join(local, "deno"),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const path = [local, ...(base.JUPYTER_PATH ?? "").split(delimiter).filter((p) => p && p !== local)];
  return {
    ...base,
    ...dirs,
    JUPYTER_PATH: path.join(delimiter),
    // Config only from JUPYTER_CONFIG_DIR and the system dirs; do not write Python bytecode into ~.
    PYTHONDONTWRITEBYTECODE: "1",
    // Silences debugpy's "frozen modules" warning printed when Jupyter lists the python3 kernel spec.
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
    DENO_NO_UPDATE_CHECK: "1",
  };
}

/** Throws (with install instructions) unless `jupyter nbconvert` runs. Returns its version. */
export function checkNbconvert(env = process.env) {
  const result = spawnSync("jupyter", ["nbconvert", "--version"], { env, encoding: "utf8" });
  if (result.error || result.status !== 0) throw new NotebookEnvError(INSTALL_HINT);
  return result.stdout.trim();
}

/** Whether `jupyter notebook` (the server `npm start` runs) is installed. */
export function checkNotebookServer(env = process.env) {
  const result = spawnSync("jupyter", ["notebook", "--version"], { env, encoding: "utf8" });
  if (result.error || result.status !== 0) {
    throw new NotebookEnvError(INSTALL_HINT.replace("nbconvert (with nbclient)", "Notebook server"));
  }
  return result.stdout.trim();
}

/**
 * Does all of the above. Returns `{ env, kernelName, kernelSpecPath, denoKernelSpecPath,
 * denoProblem, nbconvertVersion }`; throws NotebookEnvError with an actionable message when
 * something the tslab kernel needs is missing. A missing Deno binary (e.g. an unsupported platform)
 * only leaves the Deno kernel out: `denoKernelSpecPath` is undefined and `denoProblem` says why.
 */
export function prepareNotebookEnv({ root = repoRoot, base = process.env } = {}) {
  linkSelf(root);
  const kernelSpecPath = writeKernelSpec(root);
  let denoKernelSpecPath;
  let denoProblem;
  try {
    denoKernelSpecPath = writeDenoKernelSpec(root);
  } catch (error) {
    if (!(error instanceof NotebookEnvError)) throw error;
    denoProblem = error.message;
    rmSync(join(root, ".jupyter-local", "kernels", denoKernelName), { recursive: true, force: true });
  }
  const env = jupyterEnv(root, base);
  const nbconvertVersion = checkNbconvert(env);
  return { env, kernelName, kernelSpecPath, denoKernelSpecPath, denoProblem, nbconvertVersion };
}

function main() {
  let prepared;
  try {
    prepared = prepareNotebookEnv();
  } catch (error) {
    if (!(error instanceof NotebookEnvError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const { env, kernelSpecPath, denoKernelSpecPath, denoProblem, nbconvertVersion } = prepared;
  const keys = [
    "JUPYTER_PATH",
    "JUPYTER_CONFIG_DIR",
    "JUPYTER_DATA_DIR",
    "JUPYTER_RUNTIME_DIR",
    "IPYTHONDIR",
    "DENO_DIR",
    "DENO_NO_UPDATE_CHECK",
  ];
  if (process.argv.includes("--json")) {
    const out = Object.fromEntries(keys.map((k) => [k, env[k]]));
    const kernels = { tslab: kernelSpecPath, deno: denoKernelSpecPath ?? null };
    console.log(
      JSON.stringify(
        { env: out, kernelName, kernelSpecPath, kernels, denoProblem, nbconvertVersion },
        null,
        2,
      ),
    );
    return;
  }
  console.error(
    `# tslab kernel spec: ${relative(process.cwd(), kernelSpecPath)} (nbconvert ${nbconvertVersion})`,
  );
  console.error(
    denoKernelSpecPath
      ? `# Deno kernel spec: ${relative(process.cwd(), denoKernelSpecPath)}`
      : `# no Deno kernel: ${denoProblem}`,
  );
  for (const k of keys) console.log(`export ${k}=${JSON.stringify(env[k])}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
