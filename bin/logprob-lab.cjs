#!/usr/bin/env node
"use strict";
require("../dist/cjs/cli.js")
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`logprob-lab: ${error?.message ? error.message : error}\n`);
      process.exitCode = 1;
    },
  );
