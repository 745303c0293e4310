// The app's lint step: `node --check` on every module, so a syntax error fails the build stage
// before anything is packaged. No dependencies: it runs right after `npm ci --omit=dev`.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const files = ["src", "test", "scripts"].flatMap((dir) =>
  readdirSync(dir, { recursive: true })
    .filter((f) => /\.(mjs|cjs|js)$/.test(f))
    .sort()
    .map((f) => join(dir, f)),
);
let failed = 0;
for (const file of files) {
  if (spawnSync(process.execPath, ["--check", file], { stdio: "inherit" }).status !== 0) failed++;
}
console.log(`syntax check: ${files.length} files, ${failed} with errors`);
process.exit(failed ? 1 : 0);
