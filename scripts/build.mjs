// One build, two module formats. TypeScript emits CommonJS to dist/cjs (the top-level `main`/`types`
// that tslab's TypeScript 5.0 resolves with Node10 rules); dist/esm is a thin ES-module wrapper over
// that same CommonJS build, so an ESM importer (Deno, Node `import`) and a CJS importer (tslab) share
// one instance of the library's state (the once-per-session plotly.js inlining, the embedded server).
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
rmSync(join(root, "dist"), { recursive: true, force: true });
execFileSync(
  process.execPath,
  [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.json")],
  {
    stdio: "inherit",
    cwd: root,
  },
);
writeFileSync(join(root, "dist/cjs/package.json"), '{ "type": "commonjs" }\n');

const names = Object.keys(createRequire(import.meta.url)(join(root, "dist/cjs/index.js"))).filter(
  (name) => name !== "__esModule" && name !== "default",
);
mkdirSync(join(root, "dist/esm"), { recursive: true });
writeFileSync(join(root, "dist/esm/package.json"), '{ "type": "module" }\n');
writeFileSync(
  join(root, "dist/esm/index.js"),
  // @ts-self-types lets Deno (which reads no `types` condition for a plain .js) see the declarations.
  `// @ts-self-types="./index.d.ts"\nimport lab from "../cjs/index.js";\nexport const { ${names.join(", ")} } = lab;\n`,
);
writeFileSync(join(root, "dist/esm/index.d.ts"), 'export * from "../cjs/index.js";\n');
