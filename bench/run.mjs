// `npm run bench [-- --json] [-- --only parse,throughput]`: rates and ratios measured in one run
// (medians of alternated repetitions), one module per area. `--json` prints one JSON object
// { results: [{ name, value, baseline, ratio, target, pass }] } as its last line.
import os from "node:os";

const MODULES = ["embedded", "parse", "output", "throughput", "scale"];
const args = process.argv.slice(2);
const json = args.includes("--json");
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? args[onlyAt + 1].split(",") : MODULES;
const reps = Number(process.env.BENCH_REPS ?? 5);

const results = [];
const record = (name, value, baseline, target, pass, unit) =>
  results.push({ name, value, baseline, ratio: baseline ? value / baseline : null, target, pass, unit });

for (const name of MODULES.filter((m) => only.includes(m))) {
  const { bench } = await import(`./${name}.mjs`);
  await bench({ reps, record });
}

const fmt = (x) =>
  x === null ? "—" : Math.abs(x) >= 100 ? Math.round(x).toLocaleString("en") : x.toFixed(2);
const cpu = os.cpus()[0]?.model ?? "unknown CPU";
console.log(
  `logprob-lab bench — node ${process.version}, ${process.platform}/${process.arch}, ${os.cpus().length} × ${cpu}, reps ${reps}`,
);
for (const r of results) {
  console.log(
    `${r.pass ? "PASS" : "FAIL"}  ${r.name.padEnd(78)} ${fmt(r.value).padStart(12)}  baseline ${fmt(r.baseline).padStart(9)}  ratio ${fmt(r.ratio).padStart(7)}  target ${r.target}`,
  );
}
if (json) console.log(JSON.stringify({ results }));
process.exitCode = results.every((r) => r.pass) ? 0 : 1;
