// Extracts the ```ts blocks of README.md so that `pnpm build` type-checks them against the current API (an example
// that no longer compiles fails the build) and `pnpm check` runs them, for both lines:
// - Effect 3 (scratchpad/test/readme.test.ts): the blocks before "## Usage" (the Install section's program) go to
//   scratchpad/src/readme-install.ts, a program of its own; every later block, in order, goes to
//   scratchpad/src/readme-examples.ts, one module: a block may use what an earlier one declared.
// - Effect 4 (packages/effect4-node/test/readme.test.ts): the same, into packages/effect4-node/readme/. A block
//   followed by a ```ts effect4 block (the README's "Effect 4" folds) is replaced by that block; any other block is
//   the same code with the Effect 4 packages' names (`effect-process`, `@effect-process/platform-node`). An
//   ```ts effect4 block that follows no block (the Effect 4 Install program) stands alone.
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..")
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8")
const usage = readme.indexOf("\n## Usage\n")
if (usage < 0) throw new Error("README.md has no \"## Usage\" section")

/** The blocks of `text` in order: `{ code, effect4 }`, `effect4` when the fence says ```ts effect4. */
const blocksOf = (text) =>
  [...text.matchAll(/^```ts( effect4)?\n([\s\S]*?)^```$/gm)].map((match) => ({
    code: match[2],
    effect4: match[1] !== undefined
  }))

const effect3Of = (blocks) => blocks.filter((block) => !block.effect4).map((block) => block.code)

const renamed = (code) =>
  code.replaceAll("\"@effect-process/core\"", "\"effect-process\"").replaceAll(
    "\"@effect-process/node\"",
    "\"@effect-process/platform-node\""
  )

const effect4Of = (blocks) => {
  const out = []
  for (const [i, block] of blocks.entries()) {
    if (block.effect4) {
      // A fold replaces the block before it (pushed already, renamed); alone, it stands for itself.
      if (i > 0 && !blocks[i - 1].effect4) out.pop()
      out.push(block.code)
    } else out.push(renamed(block.code))
  }
  return out
}

const header = [
  "// Generated from README.md by scripts/readme-examples.mjs at build time: edit the README, not this file.",
  ""
]
const write = (dir, name, blocks) => {
  if (blocks.length === 0) throw new Error(`README.md has no \`\`\`ts blocks for ${name}`)
  fs.mkdirSync(dir, { recursive: true })
  const out = path.join(dir, name)
  const text = header.join("\n") + blocks.join("\n")
  if (!fs.existsSync(out) || fs.readFileSync(out, "utf8") !== text) fs.writeFileSync(out, text)
  return blocks.length
}
const before = blocksOf(readme.slice(0, usage))
const after = blocksOf(readme.slice(usage))
const scratchpad = path.join(root, "scratchpad", "src")
const effect4 = path.join(root, "packages", "effect4-node", "readme")
const counts = [
  write(scratchpad, "readme-install.ts", effect3Of(before)),
  write(scratchpad, "readme-examples.ts", effect3Of(after)),
  write(effect4, "readme-install.ts", effect4Of(before)),
  write(effect4, "readme-examples.ts", effect4Of(after))
]
console.log(`readme-examples: Effect 3 ${counts[0]} + ${counts[1]} blocks, Effect 4 ${counts[2]} + ${counts[3]}`)
