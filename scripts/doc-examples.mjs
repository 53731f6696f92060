// Extracts the @example of every JSDoc comment in packages/*/src (public modules and internals alike) into its own
// module, so that `pnpm build` type-checks the documentation against the API: the Effect 3 line's (and the
// engine's) under scratchpad/doc-examples/, the Effect 4 line's under packages/effect4-node/doc-examples/, where
// "effect" is Effect 4.
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..")
const groups = [
  { outDir: path.join(root, "scratchpad", "doc-examples"), packages: ["engine", "core", "node", "cluster"] },
  { outDir: path.join(root, "packages", "effect4-node", "doc-examples"), packages: ["effect4-core", "effect4-node"] }
]
let count = 0
for (const { outDir, packages } of groups) {
  fs.rmSync(outDir, { recursive: true, force: true })
  fs.mkdirSync(outDir, { recursive: true })
  for (const pkg of packages) {
    const srcDir = path.join(root, "packages", pkg, "src")
    for (const file of fs.readdirSync(srcDir, { recursive: true })) {
      if (!String(file).endsWith(".ts")) continue
      const text = fs.readFileSync(path.join(srcDir, String(file)), "utf8")
      for (const comment of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
        const lines = comment[1].split("\n").map((line) => line.replace(/^\s*\* ?/, ""))
        const start = lines.findIndex((line) => line.startsWith("@example"))
        if (start < 0) continue
        const body = []
        for (const line of lines.slice(start + 1)) {
          if (line.startsWith("@")) break
          body.push(line)
        }
        const name = `${pkg}-${String(file).replace(/[/.]/g, "_")}-${++count}.ts`
        const header = `// Generated from packages/${pkg}/src/${file} by scripts/doc-examples.mjs: edit the source.\n`
        fs.writeFileSync(path.join(outDir, name), header + body.join("\n").trim() + "\nexport {}\n")
      }
    }
  }
}
console.log(`doc-examples: ${count} examples`)
