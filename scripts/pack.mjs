// Packs the published packages with pnpm (which turns `workspace:` ranges into versions) and checks each tarball
// as npm would see it: no `workspace:` range left, the README and the LICENSE, both builds with their types, the
// CommonJS marker, no internal entry point. Used by `scripts/release.mjs` and `scripts/consumer-test.mjs`.
import * as ChildProcess from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..")

/** The packages that are published, in dependency order. */
export const published = ["engine", "core", "node"]

const pnpm = process.env.npm_execpath && process.env.npm_execpath.includes("pnpm")
  ? [process.execPath, process.env.npm_execpath]
  : ["npx", "--yes", "pnpm@10.34.9"]

const run = (argv, cwd) => {
  const result = ChildProcess.spawnSync(argv[0], argv.slice(1), { cwd, encoding: "utf8" })
  if (result.status !== 0) {
    throw new Error(`${argv.join(" ")} failed (${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`)
  }
  return result.stdout
}

const required = [
  "package.json",
  "README.md",
  "LICENSE",
  "dist/esm/index.js",
  "dist/esm/index.d.ts",
  "dist/cjs/index.js",
  "dist/cjs/index.d.ts",
  "dist/cjs/package.json"
]

/** Checks one tarball; returns its package.json. */
export const checkTarball = (tarball) => {
  const files = run(["tar", "-tzf", tarball]).split("\n").filter(Boolean).map((file) => file.replace(/^package\//, ""))
  const missing = required.filter((file) => !files.includes(file))
  if (missing.length > 0) throw new Error(`${path.basename(tarball)} lacks ${missing.join(", ")}`)
  const manifest = JSON.parse(run(["tar", "-xzOf", tarball, "package/package.json"]))
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith("workspace:")) {
        throw new Error(`${path.basename(tarball)}: ${field}.${name} is still "${range}"`)
      }
    }
  }
  if (manifest.devDependencies && JSON.stringify(manifest.devDependencies).includes("workspace:")) {
    throw new Error(`${path.basename(tarball)}: a devDependency is still a workspace: range`)
  }
  for (const field of ["engines", "exports", "main", "module", "types", "typesVersions", "license"]) {
    if (manifest[field] === undefined) throw new Error(`${path.basename(tarball)}: no "${field}"`)
  }
  // Every public module is reachable by TypeScript's node10 resolution too, which ignores `exports`.
  const modules = files.filter((file) => /^src\/[^/]+\.ts$/.test(file) && file !== "src/index.ts")
    .map((file) => file.slice(4, -3))
  const listed = Object.keys(manifest.typesVersions["*"] ?? {})
  const unlisted = modules.filter((name) => !listed.includes(name))
  if (unlisted.length > 0) throw new Error(`${path.basename(tarball)}: typesVersions lacks ${unlisted.join(", ")}`)
  return { manifest, files }
}

/** Packs every published package into `destination`; returns `{ name, version, tarball, manifest, files }` each. */
export const packAll = (destination) => {
  fs.rmSync(destination, { recursive: true, force: true })
  fs.mkdirSync(destination, { recursive: true })
  return published.map((pkg) => {
    const dir = path.join(root, "packages", pkg)
    for (const file of ["dist/esm/index.js", "dist/cjs/index.js", "dist/cjs/package.json"]) {
      if (!fs.existsSync(path.join(dir, file))) {
        throw new Error(`packages/${pkg}/${file} is missing: run \`pnpm build\` first`)
      }
    }
    const before = new Set(fs.readdirSync(destination))
    run([...pnpm, "pack", "--pack-destination", destination], dir)
    const tarball = fs.readdirSync(destination).find((file) => file.endsWith(".tgz") && !before.has(file))
    if (tarball === undefined) throw new Error(`pnpm pack wrote no tarball for packages/${pkg}`)
    const full = path.join(destination, tarball)
    const { files, manifest } = checkTarball(full)
    return { name: manifest.name, version: manifest.version, tarball: full, manifest, files }
  })
}
