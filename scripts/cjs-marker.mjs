// Marks each CommonJS build directory given as an argument with a package.json of `"type": "commonjs"`, so that
// Node and TypeScript read its .js and .d.ts files as CommonJS inside a package that is `"type": "module"`.
import * as fs from "node:fs"
import * as path from "node:path"

for (const dir of process.argv.slice(2)) {
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ type: "commonjs", sideEffects: [] }, null, 2) + "\n"
  )
}
