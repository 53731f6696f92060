/**
 * Running real parent programs (`parents/*.mjs`, which import the built packages) and reading what they report.
 * The oracle is independent of the library: plain `node:child_process` and `/proc` (through `../utils.js`).
 */
import { Effect } from "effect"
import * as ChildProcess from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { markerEnv } from "../utils.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const packagesDir = path.resolve(here, "../../..")

/** The absolute path of a parent program in `parents/`. */
export const parentProgram = (name: string): string => path.join(here, "parents", name)

const newestMtime = (dir: string, ext: string): number => {
  let newest = 0
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.name.endsWith(ext)) newest = Math.max(newest, fs.statSync(full).mtimeMs)
    }
  }
  walk(dir)
  return newest
}

/**
 * The parent programs run as separate Node processes and import `effect-process` and `@effect-process/platform-node`
 * from `dist`: fail with a clear message when the packages are not built, warn when `src` is newer than `dist`.
 */
export const requireBuiltPackages = (): void => {
  const missing: Array<string> = []
  for (
    const file of [
      "effect4-core/dist/esm/index.js",
      "effect4-node/dist/esm/index.js",
      "effect4-node/dist/esm/NodeReaper.js"
    ]
  ) {
    if (!fs.existsSync(path.join(packagesDir, file))) missing.push(`packages/${file}`)
  }
  if (missing.length > 0) {
    throw new Error(
      `the fault-matrix parent programs import the built packages, and ${missing.join(", ")} ` +
        "is missing: build them first (`npx tsc -b packages/effect4-core/tsconfig.src.json packages/effect4-node/tsconfig.src.json`)"
    )
  }
  for (const pkg of ["effect4-core", "effect4-node"]) {
    const src = newestMtime(path.join(packagesDir, pkg, "src"), ".ts")
    const dist = newestMtime(path.join(packagesDir, pkg, "dist", "esm"), ".js")
    if (src > dist) {
      console.warn(`fault-matrix: packages/${pkg}/src is newer than its dist; the parent programs run the old build`)
    }
  }
}

/** What a parent program reported before its fault. */
export interface ParentReport {
  readonly pid: number
  readonly watchdog: number | undefined
  readonly children: ReadonlyArray<number>
}

export interface RunningParent {
  readonly child: ChildProcess.ChildProcess
  readonly report: ParentReport
  /** Resolves with the parent's exit code and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Everything the parent wrote to stdout and stderr so far (for failure messages). */
  readonly output: () => string
}

/**
 * Starts `node parents/<program> <scenario as JSON>` in its own process group, with `marker` in its environment
 * (inherited by everything it starts, the watchdog included), and waits for its "ready" line.
 */
export const startParent = (
  program: string,
  scenario: unknown,
  marker: string,
  readyWithin = 30_000
): Effect.Effect<RunningParent, Error> =>
  Effect.callback<RunningParent, Error>((resume) => {
    const child = ChildProcess.spawn(process.execPath, [parentProgram(program), JSON.stringify(scenario)], {
      env: { ...process.env, ...markerEnv(marker) },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true
    })
    let output = ""
    let done = false
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once("exit", (code, signal) => resolve({ code, signal }))
    })
    const finish = (result: Effect.Effect<RunningParent, Error>) => {
      if (done) return
      done = true
      clearTimeout(timer)
      resume(result)
    }
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      finish(Effect.fail(new Error(`parent ${program} not ready after ${readyWithin} ms; output:\n${output}`)))
    }, readyWithin)
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8")
      if (/^ready$/m.test(output)) {
        const numbers = (name: string) => [...output.matchAll(new RegExp(`^${name}=(\\d+)$`, "gm"))].map((m) => +m[1]!)
        finish(Effect.succeed({
          child,
          report: { pid: child.pid!, watchdog: numbers("watchdog")[0], children: numbers("child") },
          exited,
          output: () => output
        }))
      }
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8")
    })
    child.once("error", (error) => finish(Effect.fail(error)))
    child.once("exit", (code, signal) =>
      finish(Effect.fail(new Error(`parent ${program} exited (${code ?? signal}) before ready; output:\n${output}`))))
  })

/** Waits (bounded) for the parent to exit. */
export const awaitParentExit = (parent: RunningParent, within = 15_000) =>
  Effect.tryPromise({
    try: () =>
      Promise.race([
        parent.exited,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`parent still running after ${within} ms:\n${parent.output()}`)), within)
        )
      ]),
    catch: (error) => error as Error
  })

/** A small seeded PRNG (mulberry32): the same seed gives the same sequence. */
export const prng = (seed: number): () => number => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The number of open file descriptors of this process. */
export const openFds = (): number => fs.readdirSync("/proc/self/fd").length

/** The total number of listeners on `process` (signals, exit, warnings, ...). */
export const processListeners = (): number =>
  process.eventNames().reduce((sum, name) => sum + process.listenerCount(name), 0)

/**
 * Runs the parent program `name` (the built packages) with `args` under `ulimit -n <descriptors>`, with `marker` in
 * its environment (inherited by everything it starts), and returns the JSON it printed on a line `report=<JSON>`.
 * Bounded: a program that hangs is killed after `bound` milliseconds and the run fails with its output.
 */
export const runReporting = <A>(
  name: string,
  args: ReadonlyArray<string>,
  marker: string,
  descriptors = 256,
  bound = 60_000
): Effect.Effect<A, Error> =>
  Effect.callback<A, Error>((resume) => {
    const child = ChildProcess.spawn(
      "sh",
      ["-c", `ulimit -n ${descriptors} && exec "$@"`, "sh", process.execPath, parentProgram(name), ...args],
      { env: { ...process.env, ...markerEnv(marker) }, stdio: ["ignore", "pipe", "pipe"] }
    )
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => output += chunk.toString("utf8"))
    child.stderr.on("data", (chunk: Buffer) => output += chunk.toString("utf8"))
    const timer = setTimeout(() => child.kill("SIGKILL"), bound)
    child.once("close", (code, signal) => {
      clearTimeout(timer)
      const report = /^report=(.*)$/m.exec(output)
      if (code !== 0 || report === null) {
        resume(Effect.fail(new Error(`${name} ended with ${code ?? signal}; output:\n${output}`)))
      } else resume(Effect.succeed(JSON.parse(report[1]!)))
    })
    return Effect.sync(() => child.kill("SIGKILL"))
  })
