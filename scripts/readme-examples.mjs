// Extracts every ```ts block of README.md, in order, into scratchpad/src/readme-examples.ts, so that `pnpm build`
// type-checks the README's examples against the current API: an example that no longer compiles fails the build.
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..")
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8")
const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1])
if (blocks.length === 0) throw new Error("README.md has no ```ts blocks")
const header = [
  "// Generated from README.md by scripts/readme-examples.mjs at build time: edit the README, not this file.",
  "// The examples are type-checked, not run: the programs they start are made up.",
  ""
]
const out = path.join(root, "scratchpad", "src", "readme-examples.ts")
const text = header.join("\n") + blocks.join("\n")
if (!fs.existsSync(out) || fs.readFileSync(out, "utf8") !== text) fs.writeFileSync(out, text)
console.log(`readme-examples: ${blocks.length} blocks`)
