// `pnpm release`: builds, packs and checks every published package (scripts/pack.mjs), then publishes them with
// changesets. `pnpm release --dry-run` stops after the packing: the tarballs in `.release/` are exactly what would
// be published.
import * as ChildProcess from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { packAll, root } from "./pack.mjs"

const dryRun = process.argv.includes("--dry-run")
const destination = path.join(root, ".release")
const packed = packAll(destination)
for (const { files, name, tarball, version } of packed) {
  const size = fs.statSync(tarball).size
  console.log(
    `${name}@${version}: ${path.relative(root, tarball)}, ${files.length} files, ${(size / 1024).toFixed(1)} KiB`
  )
  const { manifest } = packed.find((p) => p.name === name)
  for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) console.log(`  depends on ${dep} ${range}`)
  for (const [dep, range] of Object.entries(manifest.peerDependencies ?? {})) console.log(`  peer ${dep} ${range}`)
}
if (dryRun) {
  console.log("dry run: nothing published")
} else {
  const result = ChildProcess.spawnSync("npx", ["changeset", "publish"], { cwd: root, stdio: "inherit" })
  process.exit(result.status ?? 1)
}
