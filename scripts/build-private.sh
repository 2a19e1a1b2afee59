#!/usr/bin/env bash
# Builds the package into .dist-<name>/cjs (for `BENCH_DIST=.dist-<name> npm run bench`) without
# touching dist/, which tests, notebooks and other benches may be using at the same time.
set -euo pipefail
cd "$(dirname "$0")/.."
out=".dist-${1:?usage: scripts/build-private.sh <name>}"
rm -rf "${out}"
node node_modules/typescript/bin/tsc -p tsconfig.json --outDir "${out}/cjs"
echo '{ "type": "commonjs" }' > "${out}/cjs/package.json"
echo "${out}"
