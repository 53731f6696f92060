// Packs the published packages with pnpm (which turns `workspace:` ranges into versions) and checks each tarball
// as npm would see it: no `workspace:` range left, the README and the LICENSE and nothing else outside dist/ and
// src/, the builds with their types (the Effect 3 line's ES modules and CommonJS with its marker and
// `typesVersions`; the Effect 4 line's ES modules only, as `effect` 4), every file that `exports`, `main`, `module`
// and `types` name present, no internal entry point. Used by `scripts/release.mjs` and `scripts/consumer-test.mjs`.
import * as ChildProcess from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..")

/** The packages that are published (their directories under packages/), in dependency order. */
export const published = ["engine", "core", "node", "cluster", "effect4-core", "effect4-node"]

/** An ES-module-only package (the Effect 4 line): no CommonJS build, no `main`, no `require` condition. */
const isEsmOnly = (manifest) =>
  manifest.main === undefined && !JSON.stringify(manifest.exports ?? {}).includes("\"require\"")

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

const requiredEsm = ["package.json", "README.md", "LICENSE", "dist/esm/index.js", "dist/esm/index.d.ts"]
const requiredCjs = ["dist/cjs/index.js", "dist/cjs/index.d.ts", "dist/cjs/package.json"]

/** The files of the build(s) a package must have before it is packed. */
const builtFiles = (esmOnly) =>
  esmOnly ? ["dist/esm/index.js"] : ["dist/esm/index.js", "dist/cjs/index.js", "dist/cjs/package.json"]

/** Every file path in `exports` (conditions and subpaths, nested), with its subpath. */
const exportTargets = (exports, subpath = ".") => {
  if (typeof exports === "string") return [{ subpath, target: exports }]
  if (exports === null || typeof exports !== "object") return []
  return Object.entries(exports).flatMap(([key, value]) => exportTargets(value, key.startsWith(".") ? key : subpath))
}

/** Checks one tarball; returns its package.json. */
export const checkTarball = (tarball) => {
  const name = path.basename(tarball)
  const files = run(["tar", "-tzf", tarball]).split("\n").filter(Boolean).map((file) => file.replace(/^package\//, ""))
  const manifest = JSON.parse(run(["tar", "-xzOf", tarball, "package/package.json"]))
  const esmOnly = isEsmOnly(manifest)
  const missing = [...requiredEsm, ...(esmOnly ? [] : requiredCjs)].filter((file) => !files.includes(file))
  if (missing.length > 0) throw new Error(`${name} lacks ${missing.join(", ")}`)
  // only what `files` means to ship: npm and pnpm add any file or directory named like a README on their own
  const stray = files.filter((file) => !/^(package\.json|README\.md|LICENSE|dist\/|src\/)/.test(file))
  if (stray.length > 0) throw new Error(`${name} ships files outside dist/ and src/: ${stray.join(", ")}`)
  if (esmOnly) {
    if (manifest.type !== "module") throw new Error(`${name}: ES modules only, but "type" is not "module"`)
    // a stale CommonJS build left in dist/ would be published with it
    const cjs = files.filter((file) => file.startsWith("dist/cjs/"))
    if (cjs.length > 0) throw new Error(`${name}: ES modules only, but it ships ${cjs.length} file(s) in dist/cjs/`)
  }
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith("workspace:")) {
        throw new Error(`${name}: ${field}.${dep} is still "${range}"`)
      }
    }
  }
  if (manifest.devDependencies && JSON.stringify(manifest.devDependencies).includes("workspace:")) {
    throw new Error(`${name}: a devDependency is still a workspace: range`)
  }
  const fields = esmOnly
    ? ["engines", "exports", "module", "types", "license"]
    : ["engines", "exports", "main", "module", "types", "typesVersions", "license"]
  for (const field of fields) {
    if (manifest[field] === undefined) throw new Error(`${name}: no "${field}"`)
  }
  if (files.some((file) => file.startsWith("dist/esm/internal/")) && manifest.exports["./internal/*"] !== null) {
    throw new Error(`${name}: exports does not block "./internal/*"`)
  }
  // Every file an entry point names is in the tarball: a wildcard target for each public module (src/*.ts, the
  // modules the `./*` subpath exposes), `main`, `module` and `types` too.
  const modules = files.filter((file) => /^src\/[^/]+\.ts$/.test(file) && file !== "src/index.ts")
    .map((file) => file.slice(4, -3))
  const absent = new Set()
  const targets = [
    ...exportTargets(manifest.exports),
    ...["main", "module", "types"].filter((field) => manifest[field] !== undefined)
      .map((field) => ({ subpath: field, target: manifest[field] }))
  ]
  for (const { subpath, target } of targets) {
    const paths = target.includes("*") ? modules.map((module) => target.replaceAll("*", module)) : [target]
    for (const file of paths) {
      if (!files.includes(file.replace(/^\.\//, ""))) absent.add(`${subpath}: ${file}`)
    }
  }
  if (absent.size > 0) throw new Error(`${name}: entry points name files it lacks:\n  ${[...absent].join("\n  ")}`)
  if (esmOnly) return { manifest, files }
  // Every public module is reachable by TypeScript's node10 resolution too, which ignores `exports`.
  const listed = Object.keys(manifest.typesVersions["*"] ?? {})
  const unlisted = modules.filter((module) => !listed.includes(module))
  if (unlisted.length > 0) throw new Error(`${name}: typesVersions lacks ${unlisted.join(", ")}`)
  return { manifest, files }
}

/** Packs every published package into `destination`; returns `{ name, version, tarball, manifest, files }` each. */
export const packAll = (destination) => {
  fs.rmSync(destination, { recursive: true, force: true })
  fs.mkdirSync(destination, { recursive: true })
  return published.map((pkg) => {
    const dir = path.join(root, "packages", pkg)
    const local = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"))
    if (local.private) throw new Error(`packages/${pkg} is private: it cannot be published`)
    for (const file of builtFiles(isEsmOnly(local))) {
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
