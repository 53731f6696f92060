// `pnpm consumer-test`: proves that the published packages work in a project outside the workspace. It packs every
// published package (scripts/pack.mjs; `pnpm build` must have run) and tests the two lines of the library, at the
// same time, each in a fresh directory of its own under the system's temporary directory.
//
// Effect 3: the tarballs of @effect-process/engine, core and node, installed with npm together with their peer
// dependencies at the ranges of the packed manifests, TypeScript and @types/node; four consumers share that
// installation (Node's parent-directory `node_modules` lookup):
//
//   esm-ts  TypeScript, "type": "module", module NodeNext, strict, lib ES2022 (no DOM), skipLibCheck false (our
//           .d.ts are checked); plus every ```ts block of packages/node/README.md, compiled (with skipLibCheck
//           true: it imports @effect/platform-node, whose own declarations need the DOM library and @types/ws) and
//           run (30 s limit)
//   cjs-ts  TypeScript, "type": "commonjs", module NodeNext (tsc emits require()), the same options
//   mjs     a plain .mjs script with `import`
//   cjs     a plain .cjs script with `require()`
//
// Effect 4: the tarballs of @effect-process/engine, effect-process and @effect-process/platform-node, installed with
// npm together with effect 4.1.0, @effect/platform-node 4.1.0 (for the READMEs' NodeRuntime), TypeScript and
// @types/node 22; everything runs under Node 22 from the npm registry (`npx -p node@22`, checked >= 22.19, Effect
// 4's floor; npm too, so that the packages' `engines` are met), ES modules only:
//
//   effect4-esm-ts  TypeScript, "type": "module", module NodeNext, strict, lib ES2022 (no DOM), skipLibCheck false;
//                   plus every ```ts block of packages/effect4-core/README.md and packages/effect4-node/README.md,
//                   compiled in the same program and run. Effect 4.1.0's own declarations do not type-check without
//                   the DOM library (`CryptoKey`, `JsonWebKey`, `Transferable`): errors in node_modules/effect/ are
//                   tolerated (and counted in the step's note), any other error (ours, the consumer's, a README's)
//                   fails
//   effect4-mjs     a plain .mjs script with `import`
//
// Each consumer launches a long-running child with `ManagedProcess.make` inside `Effect.scoped`, waits for its
// "ready <pid>" line, leaves the scope (which terminates it), then checks `ManagedProcess.run`; an Effect 4 consumer
// then does the same through Effect 4's own API, `ChildProcess.make` of `effect/process` on this library's drop-in
// spawner (`NodeChildProcessSpawner.layer`), and checks `ChildProcessSpawner`'s `exitCode`. After each program
// the operating system is asked whether anything it started survived: every process whose environment carries the
// program's unique `CONSUMER_MARKER` (the program, the reaper's watchdog and the children inherit it), and the pid
// the program printed. A survivor fails the test (it is killed first).
//
// Options (environment variables):
//   KEEP_CONSUMER=1           keep the temporary directory (its path is printed)
//   CONSUMER_TEST_BREAK=require
//                             self-test: repack the tarballs with exports that have no "require" (nor "default")
//                             condition, only "types" and "import", the manifest of the bug this test guards
//                             against (tsc exits 0, Node throws ERR_PACKAGE_PATH_NOT_EXPORTED); the CommonJS
//                             consumers must then fail
//   CONSUMER_TEST_BREAK=exports
//                             self-test: repack effect-process with no "." entry in its exports, the manifest of a
//                             package nothing can import; the Effect 4 consumers must then fail
import * as ChildProcess from "node:child_process"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { packAll, root } from "./pack.mjs"

const typescriptVersion = "5.9.3"
const typesNodeVersion = "20.19.43"
/** The version the workspace tests the cluster package with. */
const sqlPgVersion = JSON.parse(fs.readFileSync(path.join(root, "packages", "cluster", "package.json"), "utf8"))
  .devDependencies["@effect/sql-pg"]
const effect4Version = "4.1.0"
const platformNode4Version = "4.1.0"
const typesNode22Version = "22.19.3"
const node22Floor = [22, 19]
const runTimeout = 30_000
const reaperAllowance = 2_000
const keep = process.env.KEEP_CONSUMER === "1"
const breakMode = process.env.CONSUMER_TEST_BREAK
if (breakMode !== undefined && breakMode !== "" && breakMode !== "require" && breakMode !== "exports") {
  console.error(`CONSUMER_TEST_BREAK=${breakMode}: the values are "require" and "exports"`)
  process.exit(2)
}

// ---------------------------------------------------------------------------------------------------------------
// Steps and reporting

const started = Date.now()
const steps = []

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`

const tail = (text, max = 12_000) =>
  text.length > max ? `[... ${text.length - max} characters cut]\n${text.slice(-max)}` : text

const indent = (text) => text.trimEnd().split("\n").map((line) => `      ${line}`).join("\n")

const report = (step) => {
  const mark = step.skipped ? "skip" : step.ok ? "ok  " : "FAIL"
  console.log(`${mark} ${step.name.padEnd(50)} ${seconds(step.ms).padStart(7)}${step.note ? `  ${step.note}` : ""}`)
  if (!step.ok && step.detail) console.log(indent(step.detail))
}

class StepFailure extends Error {
  constructor(message, detail) {
    super(message)
    this.detail = detail
  }
}

/** Runs `body` as a step: its duration, ok or its failure (a `StepFailure`'s message and detail). */
const step = async (name, body) => {
  const start = Date.now()
  const entry = { name, ok: true, ms: 0, note: "", detail: "" }
  try {
    const note = await body()
    if (typeof note === "string") entry.note = note
  } catch (error) {
    entry.ok = false
    entry.note = error instanceof StepFailure ? error.message : "threw"
    entry.detail = error instanceof StepFailure ? (error.detail ?? "") : String(error?.stack ?? error)
  }
  entry.ms = Date.now() - start
  steps.push(entry)
  report(entry)
  return entry.ok
}

const skip = (name, why) => {
  const entry = { name, ok: true, skipped: true, ms: 0, note: why, detail: "" }
  steps.push(entry)
  report(entry)
}

// ---------------------------------------------------------------------------------------------------------------
// Processes

/** An environment without the variables of the package manager that runs this script, nor Node's module paths. */
const cleanEnvironment = (extra = {}) => {
  const keepNpm =
    /^npm_config_(registry|.*:registry|cache|cafile|ca|userconfig|globalconfig|proxy|https_proxy|noproxy|strict_ssl)$/i
  const env = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_)/i.test(key) && !keepNpm.test(key)) continue
    if (key === "NODE_PATH" || key === "NODE_OPTIONS" || key === "INIT_CWD") continue
    env[key] = value
  }
  return { ...env, ...extra }
}

/** Runs `argv`; resolves with its exit and output (never rejects). Killed after `timeout`. */
const exec = (argv, { cwd, env = cleanEnvironment(), timeout = 120_000 } = {}) =>
  new Promise((resolve) => {
    const start = Date.now()
    let stdout = ""
    let stderr = ""
    let timedOut = false
    let settled = false
    const child = ChildProcess.spawn(argv[0], argv.slice(1), { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
    child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk))
    const timer = setTimeout(() => {
      timedOut = true
      child.kill("SIGKILL")
    }, timeout)
    const finish = (code, signal, spawnError) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve({
        argv,
        pid: child.pid,
        code,
        signal,
        timedOut,
        stdout,
        stderr: spawnError ? `${stderr}${spawnError.message}\n` : stderr,
        ms: Date.now() - start
      })
    }
    child.on("error", (error) => finish(null, null, error))
    // The output is complete at "close"; a descendant that holds the pipes must not hold this test (the survivor
    // check reports it), so "exit" is followed by at most one second of waiting for the pipes.
    child.on("close", (code, signal) => finish(code, signal))
    child.on("exit", (code, signal) => setTimeout(() => finish(code, signal), 1_000).unref())
  })

const describe = (result) => {
  const how = result.timedOut
    ? `timed out and was killed`
    : result.signal
    ? `was killed by ${result.signal}`
    : `exited with ${result.code}`
  return `$ ${result.argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(" ")}\n` +
    `(${how})\n` +
    (result.stdout ? `--- stdout\n${tail(result.stdout)}\n` : "") +
    (result.stderr ? `--- stderr\n${tail(result.stderr)}\n` : "")
}

const mustSucceed = (result, what) => {
  if (result.code !== 0 || result.timedOut) throw new StepFailure(`${what} failed`, describe(result))
  return result
}

// ---------------------------------------------------------------------------------------------------------------
// Survivors, by the operating system

const hasProc = fs.existsSync("/proc/self/environ")

/** Whether `pid` is a live process (a zombie, waiting for its parent to collect it, counts as gone). */
const isAlive = (pid) => {
  try {
    process.kill(pid, 0)
  } catch (error) {
    if (error.code === "ESRCH") return false
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z"
  } catch {
    return !hasProc
  }
}

/** The live processes whose environment has `CONSUMER_MARKER=<marker>`, and those of `pids` that are alive. */
const findSurvivors = (marker, pids) => {
  const needle = `CONSUMER_MARKER=${marker}`
  const found = new Set()
  if (hasProc) {
    for (const entry of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
      let environ
      try {
        environ = fs.readFileSync(`/proc/${entry}/environ`, "latin1")
      } catch {
        continue // gone, or not ours to read
      }
      if (environ.split("\0").includes(needle) && isAlive(Number(entry))) found.add(Number(entry))
    }
  }
  for (const pid of pids) if (isAlive(pid)) found.add(pid)
  return [...found]
}

const commandLine = (pid) => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ")
  } catch {
    return "?"
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Fails (after killing them) if processes of the program with `marker`, or `pids`, outlive it by ~2 s. */
const checkNoSurvivors = async (marker, pids) => {
  const deadline = Date.now() + reaperAllowance
  let survivors = findSurvivors(marker, pids)
  while (survivors.length > 0 && Date.now() < deadline) {
    await sleep(100)
    survivors = findSurvivors(marker, pids)
  }
  if (survivors.length === 0) {
    return `${hasProc ? "no process with its marker" : "(no /proc: pids only)"}${
      pids.length > 0 ? `, pid ${pids.join(", ")} gone` : ""
    }`
  }
  const described = survivors.map((pid) => `  pid ${pid}: ${commandLine(pid)}`).join("\n")
  for (const pid of survivors) {
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // already gone
    }
  }
  throw new StepFailure(
    `${survivors.length} process(es) survived ${seconds(reaperAllowance)} after the program ended`,
    `${described}\n(killed with SIGKILL)`
  )
}

// ---------------------------------------------------------------------------------------------------------------
// The consumers

const childScript =
  "console.log('ready ' + process.pid + ' ' + process.env.CONSUMER_MARKER); setInterval(() => {}, 1000)"
const checked = ["@effect-process/core", "@effect-process/node", "effect"]

/**
 * The body shared by the four consumers. `ts`: TypeScript annotations; `wait`: "readLine" or "waitForOutput";
 * `resolve`: how the module system resolves a specifier (printed so that the test can check where it points).
 */
const consumerBody = ({ resolve, ts, wait }) => {
  const waitFor = wait === "readLine"
    ? `const line = yield* proc.readLine({ timeout: "10 seconds" })`
    : `const line = yield* proc.waitForOutput(["ready"], { timeout: "10 seconds" })`
  return `
const marker = process.env.CONSUMER_MARKER
if (marker === undefined || marker === "") throw new Error("CONSUMER_MARKER is not set")

for (const name of ${JSON.stringify(checked)}) console.log("RESOLVED " + name + " " + ${resolve})

const alive = (pid${ts ? ": number" : ""}) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return !(typeof error === "object" && error !== null && "code" in error && error.code === "ESRCH")
  }
}

const program = Effect.gen(function*() {
  const pid = yield* Effect.scoped(Effect.gen(function*() {
    const proc = yield* ManagedProcess.make(["node", "-e", ${JSON.stringify(childScript)}], {
      env: { CONSUMER_MARKER: marker }
    })
    ${waitFor}
    if (!line.includes("ready " + proc.pid + " " + marker)) {
      return yield* Effect.dieMessage("expected the line 'ready " + proc.pid + " <marker>', got " + JSON.stringify(line))
    }
    console.log("CHILD_PID=" + proc.pid)
    return proc.pid
  }))
  // leaving the scope terminated the child (and its release waited for its exit)
  if (alive(pid)) return yield* Effect.dieMessage("the child " + pid + " is alive after its scope closed")
  const result = yield* ManagedProcess.run(["node", "-e", "console.log('hello')"])
  if (result.stdout !== "hello\\n" || result.exitCode !== 0) {
    return yield* Effect.dieMessage("run: " + JSON.stringify({ stdout: result.stdout, exitCode: result.exitCode }))
  }
  console.log("RUN_OK")
}).pipe(Effect.provide(NodeProcess.layer))

Effect.runPromise(program).then(
  () => console.log("CONSUMER_OK"),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
`
}

const esmImports = `import { ManagedProcess } from "@effect-process/core"
import { NodeProcess } from "@effect-process/node"
import { Effect } from "effect"
`

const tsconfig = (file) => ({
  compilerOptions: {
    target: "ES2022",
    lib: ["ES2022"],
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    verbatimModuleSyntax: true,
    types: ["node"],
    skipLibCheck: false,
    rootDir: "src",
    outDir: "dist"
  },
  files: [`src/${file}`]
})

const origin = (file) =>
  /node_modules\/(@effect-process\/|effect-process\/)/.test(file)
    ? "our published .d.ts"
    : file.includes("node_modules/")
    ? "a dependency's .d.ts"
    : file.startsWith("src/readme-example")
    ? "the packages/node README example"
    : /^src\/readme4-(core|node)-/.test(file)
    ? `the packages/effect4-${file.match(/^src\/readme4-(core|node)-/)[1]} README example`
    : "the consumer's source"

/** The files that tsc's output has errors in, with those error lines. */
const errorsByFile = (stdout) => {
  const byFile = new Map()
  for (const line of stdout.split("\n").filter((line) => /error TS\d+/.test(line))) {
    const file = line.replace(/\(\d+,\d+\).*$/, "")
    byFile.set(file, [...(byFile.get(file) ?? []), line])
  }
  return byFile
}

/**
 * Runs the consumer's tsc on `config` as a step; whether it passed. `tolerated(file)`: the files whose errors do not
 * fail it (a dependency's own declarations), counted in its note; `errors` receives the errors by file.
 */
const compile = (label, dir, config, note, hint = "", { errors = new Map(), tolerated = () => false, tsc } = {}) =>
  step(`tsc ${label}`, async () => {
    const result = await exec([...tsc, "-p", config], { cwd: dir })
    if (result.code === 0 && !result.timedOut) return note
    for (const [file, lines] of errorsByFile(result.stdout)) errors.set(file, lines)
    const failing = [...errors].filter(([file]) => !tolerated(file))
    if (failing.length === 0 && errors.size > 0 && !result.timedOut) {
      const lines = [...errors.values()].flat()
      const quoted = lines.flatMap((line) => [...line.matchAll(/'([^']+)'/g)].map((match) => match[1]))
      const names = [...new Set(quoted.filter((name) => name !== "globalThis"))]
      return `${note}; ${lines.length} error(s) tolerated in ${errors.size} file(s) of effect's own .d.ts` +
        ` (${names.join(", ")})`
    }
    const summary = [...errors].map(([file, lines]) =>
      `${lines.length} error(s) in ${file} (${origin(file)}${tolerated(file) ? ", tolerated" : ""})`
    ).join("\n")
    const count = [...errors.values()].flat().length
    throw new StepFailure(`tsc failed (${count} error(s))`, `${summary}\n${hint}\n${describe(result)}`)
  })

const consumers = [
  {
    name: "esm-ts",
    type: "module",
    ts: true,
    build: "esm",
    file: "main.ts",
    source: esmImports + consumerBody({ ts: true, wait: "waitForOutput", resolve: "import.meta.resolve(name)" })
  },
  {
    name: "cjs-ts",
    type: "commonjs",
    ts: true,
    build: "cjs",
    file: "main.ts",
    // `import x = require()`: the CommonJS form under verbatimModuleSyntax (an `import {}` is error TS1295 there)
    source: `import core = require("@effect-process/core")
import node = require("@effect-process/node")
import effect = require("effect")

const { ManagedProcess } = core
const { NodeProcess } = node
const { Effect } = effect
` + consumerBody({ ts: true, wait: "readLine", resolve: "require.resolve(name)" })
  },
  {
    name: "mjs",
    type: "module",
    ts: false,
    build: "esm",
    file: "main.mjs",
    source: esmImports + consumerBody({ ts: false, wait: "waitForOutput", resolve: "import.meta.resolve(name)" })
  },
  {
    name: "cjs",
    type: "commonjs",
    ts: false,
    build: "cjs",
    file: "main.cjs",
    source: `const { ManagedProcess } = require("@effect-process/core")
const { NodeProcess } = require("@effect-process/node")
const { Effect } = require("effect")
` + consumerBody({ ts: false, wait: "readLine", resolve: "require.resolve(name)" })
  }
]

/** The ```ts blocks of packages/<pkg>/README.md; `prefix`: the name of their files. */
const readmeExamples = (pkg = "node", prefix = "readme-example") => {
  const readme = fs.readFileSync(path.join(root, "packages", pkg, "README.md"), "utf8")
  return [...readme.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((match, i) => ({
    file: `${prefix}-${i + 1}.ts`,
    source: match[1]
  }))
}

// The Effect 4 consumers.

const checked4 = [
  "effect-process",
  "@effect-process/platform-node",
  "@effect-process/engine",
  "effect",
  "effect/process"
]

/** The body shared by the Effect 4 consumers: `ManagedProcess`, then `ChildProcess` on the drop-in spawner. */
const effect4Body = ({ ts, wait }) => {
  const waitFor = wait === "readLine"
    ? `const line = yield* proc.readLine({ timeout: "10 seconds" })`
    : `const line = yield* proc.waitForOutput(["ready"], { timeout: "10 seconds" })`
  return `import { ManagedProcess } from "effect-process"
import { NodeChildProcessSpawner, NodeProcess } from "@effect-process/platform-node"
import { Effect, Option, Stream } from "effect"
import { ChildProcess, ChildProcessSpawner } from "effect/process"

const marker = process.env.CONSUMER_MARKER
if (marker === undefined || marker === "") throw new Error("CONSUMER_MARKER is not set")

console.log("NODE " + process.version)
for (const name of ${JSON.stringify(checked4)}) console.log("RESOLVED " + name + " " + import.meta.resolve(name))

const alive = (pid${ts ? ": number" : ""}) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return !(typeof error === "object" && error !== null && "code" in error && error.code === "ESRCH")
  }
}

const fail = (message${ts ? ": string" : ""}) => Effect.die(new Error(message))

const managed = Effect.gen(function*() {
  const pid = yield* Effect.scoped(Effect.gen(function*() {
    const proc = yield* ManagedProcess.make(["node", "-e", ${JSON.stringify(childScript)}], {
      env: { CONSUMER_MARKER: marker }
    })
    ${waitFor}
    if (!line.includes("ready " + proc.pid + " " + marker)) {
      return yield* fail("expected the line 'ready " + proc.pid + " <marker>', got " + JSON.stringify(line))
    }
    console.log("CHILD_PID=" + proc.pid)
    return proc.pid
  }))
  // leaving the scope terminated the child (and its release waited for its exit)
  if (alive(pid)) return yield* fail("the child " + pid + " is alive after its scope closed")
  const result = yield* ManagedProcess.run(["node", "-e", "console.log('hello')"])
  if (result.stdout !== "hello\\n" || result.exitCode !== 0) {
    return yield* fail("run: " + JSON.stringify({ stdout: result.stdout, exitCode: result.exitCode }))
  }
  console.log("RUN_OK")
}).pipe(Effect.provide(NodeProcess.layer))

// Effect 4's own API on this library's drop-in spawner
const dropIn = Effect.gen(function*() {
  const pid = yield* Effect.scoped(Effect.gen(function*() {
    const handle = yield* ChildProcess.make("node", ["-e", ${JSON.stringify(childScript)}], {
      env: { CONSUMER_MARKER: marker },
      extendEnv: true
    })
    const line = yield* Stream.decodeText(handle.stdout).pipe(Stream.splitLines, Stream.runHead)
    if (Option.isNone(line) || !line.value.includes("ready " + handle.pid + " " + marker)) {
      return yield* fail("expected the line 'ready " + handle.pid + " <marker>', got " + JSON.stringify(line))
    }
    console.log("CHILD_PID=" + handle.pid)
    return handle.pid
  }))
  if (alive(pid)) return yield* fail("the ChildProcess " + pid + " is alive after its scope closed")
  const code = yield* ChildProcessSpawner.ChildProcessSpawner.use((spawner) =>
    spawner.exitCode(ChildProcess.make("node", ["-e", "process.exit(3)"]))
  )
  if (code !== 3) return yield* fail("exitCode: " + code)
  console.log("DROP_IN_OK")
}).pipe(Effect.provide(NodeChildProcessSpawner.layer))

Effect.runPromise(Effect.andThen(managed, dropIn)).then(
  () => console.log("CONSUMER_OK"),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
`
}

const consumers4 = [
  { name: "effect4-esm-ts", ts: true, file: "main.ts", source: effect4Body({ ts: true, wait: "readLine" }) },
  { name: "effect4-mjs", ts: false, file: "main.mjs", source: effect4Body({ ts: false, wait: "waitForOutput" }) }
]

// ---------------------------------------------------------------------------------------------------------------
// The test

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "effect-process-consumer-"))
const tarballs = path.join(tmp, "tarballs")
const project = path.join(tmp, "project")
const modules = path.join(project, "node_modules")
const tsc = [process.execPath, path.join(modules, "typescript", "bin", "tsc")]
const project4 = path.join(tmp, "project-effect4")
const modules4 = path.join(project4, "node_modules")

let cleaned = false
const cleanUp = () => {
  if (cleaned) return
  cleaned = true
  if (keep) console.log(`kept ${tmp} (KEEP_CONSUMER=1)`)
  else fs.rmSync(tmp, { recursive: true, force: true })
}
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    cleanUp()
    process.exit(130)
  })
}

/** Repacks `tarball` with its manifest changed by `edit` (CONSUMER_TEST_BREAK). */
const repack = async (tarball, edit) => {
  const dir = fs.mkdtempSync(path.join(tmp, "break-"))
  mustSucceed(await exec(["tar", "-xzf", tarball, "-C", dir]), "tar -x")
  const file = path.join(dir, "package", "package.json")
  const manifest = JSON.parse(fs.readFileSync(file, "utf8"))
  edit(manifest)
  fs.writeFileSync(file, JSON.stringify(manifest, null, 2) + "\n")
  const broken = tarball.replace(/\.tgz$/, "-broken.tgz")
  mustSucceed(await exec(["tar", "-czf", broken, "-C", dir, "package"]), "tar -c")
  return broken
}

/** Exports that only have the "types" and "import" conditions (CONSUMER_TEST_BREAK=require). */
const breakRequire = (tarball) =>
  repack(tarball, (manifest) => {
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      if (target !== null && typeof target === "object" && target.import !== undefined) {
        manifest.exports[subpath] = { types: target.import.types, import: target.import }
      }
    }
  })

/** Exports without their "." entry (CONSUMER_TEST_BREAK=exports). */
const breakExports = (tarball) => repack(tarball, (manifest) => delete manifest.exports["."])

/** Every installed copy under `nodeModules` of the packages that must be installed once, by name. */
const installedCopies = (names, nodeModules = modules) => {
  const copies = new Map(names.map((name) => [name, []]))
  const visit = (nodeModules) => {
    if (!fs.existsSync(nodeModules)) return
    for (const entry of fs.readdirSync(nodeModules)) {
      if (entry.startsWith(".")) continue
      const dirs = entry.startsWith("@")
        ? fs.readdirSync(path.join(nodeModules, entry)).map((sub) => path.join(nodeModules, entry, sub))
        : [path.join(nodeModules, entry)]
      for (const dir of dirs) {
        const name = path.relative(nodeModules, dir).split(path.sep).join("/")
        if (copies.has(name)) copies.get(name).push(dir)
        visit(path.join(dir, "node_modules"))
      }
    }
  }
  visit(nodeModules)
  return copies
}

/**
 * Runs one program; checks its output, where its imports resolved (inside `nodeModules`; ours, the packages named
 * `ours`, into their `resolvesTo` build), and that nothing it started survives. `env`: added to its environment.
 */
const runProgram = async (
  label,
  argv,
  { cwd, env = {}, expect, needsPid = true, nodeModules = modules, ours = [], pidPattern, resolvesTo }
) => {
  const marker = `${label}-${crypto.randomUUID()}`
  let result
  let pids = []
  const ran = await step(`run ${label}`, async () => {
    result = await exec(argv, { cwd, env: cleanEnvironment({ ...env, CONSUMER_MARKER: marker }), timeout: runTimeout })
    pids = [...result.stdout.matchAll(pidPattern)].map((match) => Number(match[1]))
    mustSucceed(result, label)
    for (const text of expect) {
      if (!result.stdout.includes(text) && !result.stderr.includes(text)) {
        throw new StepFailure(`no "${text}" in its output`, describe(result))
      }
    }
    if (needsPid && pids.length === 0) throw new StepFailure("printed no child pid", describe(result))
    if (resolvesTo !== undefined) {
      for (const [, name, where] of result.stdout.matchAll(/^RESOLVED (\S+) (\S+)$/gm)) {
        const file = where.startsWith("file:") ? fileURLToPath(where) : where
        if (!file.startsWith(nodeModules + path.sep)) {
          throw new StepFailure(`${name} resolved outside the consumer's node_modules: ${file}`, describe(result))
        }
        if (ours.includes(name) && !file.includes(`${path.sep}dist${path.sep}${resolvesTo}${path.sep}`)) {
          throw new StepFailure(`${name} resolved to ${file}, not to the ${resolvesTo} build`, describe(result))
        }
      }
    }
    return pids.length > 0 ? `child pid ${pids.join(", ")}` : ""
  })
  if (result !== undefined) {
    await step(`  no survivors of ${label}`, () => checkNoSurvivors(marker, pids))
  }
  return ran
}

/**
 * Writes `dir/package.json` with `packed`'s tarballs and `dependencies`, runs npm install there (with `env`), and
 * checks that each of `once` is installed once and that ours are the packed versions; the note: `shown`'s versions.
 */
const install = (label, dir, packed, dependencies, { env = {}, once, shown }) => {
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify(
      {
        name: "effect-process-consumer",
        version: "0.0.0",
        private: true,
        dependencies: { ...Object.fromEntries(packed.map((p) => [p.name, `file:${p.tarball}`])), ...dependencies }
      },
      null,
      2
    ) + "\n"
  )
  const nodeModules = path.join(dir, "node_modules")
  return step(label, async () => {
    mustSucceed(
      await exec(["npm", "install", "--no-audit", "--no-fund", "--prefer-offline"], {
        cwd: dir,
        env: cleanEnvironment(env),
        timeout: 300_000
      }),
      "npm install"
    )
    const copies = installedCopies([...packed.map((p) => p.name), ...once], nodeModules)
    const problems = []
    for (const [name, dirs] of copies) {
      if (dirs.length !== 1) problems.push(`${name}: ${dirs.length} copies${dirs.length ? `: ${dirs.join(", ")}` : ""}`)
    }
    for (const p of packed) {
      const installed = JSON.parse(fs.readFileSync(path.join(nodeModules, p.name, "package.json"), "utf8"))
      if (installed.version !== p.version) {
        problems.push(`${p.name}: ${installed.version} installed, ${p.version} packed`)
      }
    }
    if (problems.length > 0) throw new StepFailure("unexpected installation", problems.join("\n"))
    const version = (name) => JSON.parse(fs.readFileSync(path.join(nodeModules, name, "package.json"), "utf8")).version
    return shown.map((name) => `${name}@${version(name)}`).join(", ")
  })
}

/** The peer dependencies of `packed`, at the ranges of their manifests (which must agree). */
const peersOf = (packed) => {
  const peers = {}
  for (const p of packed) {
    for (const [name, range] of Object.entries(p.manifest.peerDependencies ?? {})) {
      if (peers[name] !== undefined && peers[name] !== range) {
        throw new StepFailure(`the packages disagree on the peer range of ${name}: ${peers[name]} and ${range}`)
      }
      peers[name] = range
    }
  }
  return peers
}

/** The Effect 3 line: core and node in four consumers. */
const effect3 = async (packed) => {
  const peers = peersOf(packed)
  const installOk = await install(
    "npm install",
    project,
    packed,
    // @effect/sql-pg: for the cluster README's example, which connects its cluster to PostgreSQL
    { ...peers, "@effect/sql-pg": sqlPgVersion, typescript: typescriptVersion, "@types/node": typesNodeVersion },
    { once: Object.keys(peers), shown: Object.keys(peers) }
  )
  if (!installOk) return

  // the consumers, concurrently
  const examples = [...readmeExamples(), ...readmeExamples("cluster", "readme-cluster")]
  const ours = packed.map((p) => p.name)
  const chain = async (consumer) => {
    const dir = path.join(project, consumer.name)
    fs.mkdirSync(path.join(dir, "src"), { recursive: true })
    fs.writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ name: `consumer-${consumer.name}`, private: true, type: consumer.type }, null, 2) + "\n"
    )
    fs.writeFileSync(path.join(dir, "src", consumer.file), consumer.source)
    const options = { cwd: dir, expect: ["RUN_OK", "CONSUMER_OK"], ours, pidPattern: /^CHILD_PID=(\d+)$/gm }
    if (!consumer.ts) {
      await runProgram(consumer.name, [process.execPath, path.join("src", consumer.file)], {
        ...options,
        resolvesTo: consumer.build
      })
      return
    }
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig(consumer.file), null, 2) + "\n")
    const compiled = await compile(consumer.name, dir, "tsconfig.json", "skipLibCheck false", "", { tsc })
    // tsc emits even with errors: what was emitted is run, to report as much as possible
    const mainJs = path.join(dir, "dist", consumer.file.replace(/\.ts$/, ".js"))
    if (fs.existsSync(mainJs)) {
      await runProgram(consumer.name, [process.execPath, path.relative(dir, mainJs)], {
        ...options,
        resolvesTo: consumer.build
      })
    } else {
      skip(`run ${consumer.name}`, `tsc emitted nothing${compiled ? "" : " (see tsc above)"}`)
    }
    if (consumer.name !== "esm-ts") return
    if (examples.length === 0) {
      skip("tsc packages/node README example", "the README has no ```ts block")
      return
    }
    // The README example imports @effect/platform-node, whose declarations do not type-check without the DOM
    // library and @types/ws (not dependencies of theirs): for it the libraries' declarations are skipped. Ours are
    // checked above, with skipLibCheck false.
    for (const example of examples) fs.writeFileSync(path.join(dir, "src", example.file), example.source)
    fs.writeFileSync(
      path.join(dir, "tsconfig.readme.json"),
      JSON.stringify(
        {
          extends: "./tsconfig.json",
          compilerOptions: { skipLibCheck: true },
          include: examples.map((example) => `src/${example.file}`)
        },
        null,
        2
      ) + "\n"
    )
    const examplesCompiled = await compile(
      `${consumer.name} README example${examples.length > 1 ? "s" : ""}`,
      dir,
      "tsconfig.readme.json",
      `packages/node/README.md, ${examples.length} block(s), skipLibCheck true`,
      "\nThe packages/node README example does not compile against the packed packages: an API it uses" +
        " (e.g. ManagedProcess.string / ManagedProcess.lines) may not be exported (yet), or the example is wrong.\n",
      { tsc }
    )
    for (const example of examples) {
      const label = `${consumer.name} ${example.file}`
      if (!examplesCompiled) {
        skip(`run ${label}`, "it does not compile (see tsc above)")
        continue
      }
      await runProgram(label, [process.execPath, path.join("dist", example.file.replace(/\.ts$/, ".js"))], {
        cwd: dir,
        expect: [],
        needsPid: false,
        pidPattern: /\bpid (\d+)/g
      })
    }
  }
  await Promise.all(consumers.map(chain))
}

/** Node 22 from the npm registry (`npx -p node@22`): its version and the path of its binary, checked >= 22.19. */
const node22 = async () => {
  let found
  const ok = await step("effect4 Node 22 (npx -p node@22)", async () => {
    const result = mustSucceed(
      await exec(["npx", "--yes", "-p", "node@22", "--", "node", "-p", "process.version + ' ' + process.execPath"], {
        timeout: 300_000
      }),
      "npx -p node@22"
    )
    const [version, execPath] = result.stdout.trim().split("\n").at(-1).split(" ")
    const [major, minor] = version.slice(1).split(".").map(Number)
    if (!(major > node22Floor[0] || (major === node22Floor[0] && minor >= node22Floor[1]))) {
      throw new StepFailure(`node@22 from the registry is ${version}: need >= ${node22Floor.join(".")}`)
    }
    found = { version, execPath }
    return `${version}, ${execPath}`
  })
  return ok ? found : undefined
}

/** The Effect 4 line: effect-process and @effect-process/platform-node, under Node 22, ES modules only. */
const effect4 = async (packed, nodePromise) => {
  const node = await nodePromise
  if (node === undefined) return
  // Node 22 first on the PATH: npm runs under it (the packages' `engines` are met), so do the programs' children
  const env = { PATH: `${path.dirname(node.execPath)}${path.delimiter}${process.env.PATH ?? ""}` }
  const tsc4 = [node.execPath, path.join(modules4, "typescript", "bin", "tsc")]
  const installOk = await install(
    "effect4 npm install",
    project4,
    packed,
    {
      effect: effect4Version,
      "@effect/platform-node": platformNode4Version,
      typescript: typescriptVersion,
      "@types/node": typesNode22Version
    },
    { env, once: ["effect", "@effect/platform-node"], shown: ["effect", "@effect/platform-node", "@types/node"] }
  )
  if (!installOk) return

  const ours = packed.map((p) => p.name)
  const examples = [
    ...readmeExamples("effect4-core", "readme4-core"),
    ...readmeExamples("effect4-node", "readme4-node")
  ]
  const chain = async (consumer) => {
    const dir = path.join(project4, consumer.name)
    fs.mkdirSync(path.join(dir, "src"), { recursive: true })
    fs.writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ name: `consumer-${consumer.name}`, private: true, type: "module" }, null, 2) + "\n"
    )
    fs.writeFileSync(path.join(dir, "src", consumer.file), consumer.source)
    const options = {
      cwd: dir,
      env,
      expect: ["RUN_OK", "DROP_IN_OK", "CONSUMER_OK", `NODE ${node.version}`],
      nodeModules: modules4,
      ours,
      pidPattern: /^CHILD_PID=(\d+)$/gm,
      resolvesTo: "esm"
    }
    if (!consumer.ts) {
      await runProgram(consumer.name, [node.execPath, path.join("src", consumer.file)], options)
      return
    }
    // One program: the consumer and the READMEs' examples (a tsc of effect 4 with skipLibCheck false takes ~10 s).
    for (const example of examples) fs.writeFileSync(path.join(dir, "src", example.file), example.source)
    const config = tsconfig(consumer.file)
    config.files.push(...examples.map((example) => `src/${example.file}`))
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(config, null, 2) + "\n")
    const errors = new Map()
    const compiled = await compile(
      `${consumer.name} + README examples`,
      dir,
      "tsconfig.json",
      `skipLibCheck false, ${examples.length} README block(s)`,
      "\nA README example that does not compile against the packed packages: an API it uses may not be exported" +
        " (yet), or the example is wrong.\n",
      { errors, tolerated: (file) => file.includes("node_modules/effect/"), tsc: tsc4 }
    )
    // tsc emits even with errors: what was emitted is run, to report as much as possible
    const emitted = (file) => path.join("dist", file.replace(/\.ts$/, ".js"))
    if (fs.existsSync(path.join(dir, emitted(consumer.file)))) {
      await runProgram(consumer.name, [node.execPath, emitted(consumer.file)], options)
    } else {
      skip(`run ${consumer.name}`, `tsc emitted nothing${compiled ? "" : " (see tsc above)"}`)
    }
    for (const example of examples) {
      const label = `${consumer.name} ${example.file}`
      if (errors.has(`src/${example.file}`) || !fs.existsSync(path.join(dir, emitted(example.file)))) {
        skip(`run ${label}`, "it does not compile (see tsc above)")
        continue
      }
      await runProgram(label, [node.execPath, emitted(example.file)], {
        cwd: dir,
        env,
        expect: [],
        needsPid: false,
        pidPattern: /\bpid (\d+)/g
      })
    }
  }
  await Promise.all(consumers4.map(chain))
}

const main = async () => {
  console.log(`consumer-test in ${tmp}${breakMode ? ` (CONSUMER_TEST_BREAK=${breakMode})` : ""}`)

  // Nothing above the temporary directory may provide packages.
  for (let dir = path.dirname(tmp);; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "node_modules"))) {
      throw new StepFailure(`${path.join(dir, "node_modules")} exists: it would leak into the consumers' resolution`)
    }
    if (path.dirname(dir) === dir) break
  }
  if (tmp.startsWith(root + path.sep)) throw new StepFailure(`${tmp} is inside the workspace`)

  // Node 22 is fetched while the packages are packed (the first run downloads it)
  const nodePromise = node22()

  // 1. pack
  let packed
  const packOk = await step("pack (scripts/pack.mjs)", () => {
    try {
      packed = packAll(tarballs)
    } catch (error) {
      throw new StepFailure("packing failed", error.message)
    }
    return packed.map((p) => `${p.name}@${p.version}`).join(", ")
  })
  if (!packOk) {
    await nodePromise
    return
  }

  if (breakMode === "require") {
    const ok = await step("CONSUMER_TEST_BREAK=require: repack", async () => {
      for (const p of packed) {
        if (p.manifest.main !== undefined) p.tarball = await breakRequire(p.tarball)
      }
      return "exports without require/default"
    })
    if (!ok) return
  }
  if (breakMode === "exports") {
    const ok = await step("CONSUMER_TEST_BREAK=exports: repack", async () => {
      const p = packed.find((p) => p.name === "effect-process")
      p.tarball = await breakExports(p.tarball)
      return "effect-process without exports[\".\"]"
    })
    if (!ok) return
  }

  // 2. the two lines, concurrently: each installs its packages, then runs its consumers
  const byName = (...names) =>
    names.map((name) => {
      const p = packed.find((p) => p.name === name)
      if (p === undefined) throw new StepFailure(`${name} was not packed`)
      return p
    })
  await Promise.all([
    effect3(
      byName("@effect-process/engine", "@effect-process/core", "@effect-process/node", "@effect-process/cluster")
    ),
    effect4(byName("@effect-process/engine", "effect-process", "@effect-process/platform-node"), nodePromise)
  ])
}

let fatal
try {
  await main()
} catch (error) {
  fatal = error
}
cleanUp()

const failed = steps.filter((s) => !s.ok)
if (fatal !== undefined) {
  console.log(`FAIL ${fatal.message}${fatal.detail ? `\n${indent(fatal.detail)}` : ""}`)
  if (!(fatal instanceof StepFailure)) console.log(fatal.stack)
}
const ran = steps.filter((s) => !s.skipped).length
const skipped = steps.length - ran
console.log(
  `\nconsumer-test: ${ran} steps, ${ran - failed.length} passed, ${failed.length} failed` +
    `${skipped ? `, ${skipped} skipped` : ""}, in ${seconds(Date.now() - started)}`
)
for (const s of failed) console.log(`  failed: ${s.name.trim()}: ${s.note}`)
process.exit(failed.length > 0 || fatal !== undefined ? 1 : 0)
