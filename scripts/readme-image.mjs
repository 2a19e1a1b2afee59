// Regenerates docs/first-example.png, the picture of the README's first example, with the
// project's own export (Figure.toPNG through playwright-core and the system Chromium).
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { connect, plot, closeImageExport } = createRequire(import.meta.url)(join(root, "dist/cjs/index.js"));

delete process.env.ACS_API_BASE;
const lab = connect();
const r = await lab.promptLogprobs("The capital of France is", { topK: 5 });
const png = await plot.surprisal(r).toPNG({ width: 800, height: 420, scale: 1 });
writeFileSync(join(root, "docs/first-example.png"), png);
await closeImageExport();
console.log(`wrote docs/first-example.png (${png.length} bytes)`);
