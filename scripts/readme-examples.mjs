// Extracts the ```ts blocks of README.md so that `pnpm build` type-checks them against the current API (an example
// that no longer compiles fails the build) and `pnpm check` runs them (scratchpad/test/readme.test.ts):
// - the blocks before "## Usage" (the Install section's program) go to scratchpad/src/readme-install.ts, a program
//   of its own;
// - every later block, in order, goes to scratchpad/src/readme-examples.ts, one module: a block may use what an
//   earlier one declared.
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..")
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8")
const usage = readme.indexOf("\n## Usage\n")
if (usage < 0) throw new Error("README.md has no \"## Usage\" section")
const blocksOf = (text) => [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1])
const header = [
  "// Generated from README.md by scripts/readme-examples.mjs at build time: edit the README, not this file.",
  ""
]
const write = (name, blocks) => {
  if (blocks.length === 0) throw new Error(`README.md has no \`\`\`ts blocks for ${name}`)
  const out = path.join(root, "scratchpad", "src", name)
  const text = header.join("\n") + blocks.join("\n")
  if (!fs.existsSync(out) || fs.readFileSync(out, "utf8") !== text) fs.writeFileSync(out, text)
  return blocks.length
}
const install = write("readme-install.ts", blocksOf(readme.slice(0, usage)))
const examples = write("readme-examples.ts", blocksOf(readme.slice(usage)))
console.log(`readme-examples: ${install} + ${examples} blocks`)
