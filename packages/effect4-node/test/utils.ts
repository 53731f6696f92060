/**
 * Test helpers that do not depend on the library: process liveness and process groups read from `/proc`, fixtures,
 * markers to find every process a test started, and a logger that records what it is given.
 */
import type { LogLevel } from "effect"
import { Duration, Effect, Layer, Logger, References } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

// ---------------------------------------------------------------------------------------------------------------------
// /proc
// ---------------------------------------------------------------------------------------------------------------------

/** The fields of `/proc/<pid>/stat` the tests need. */
export interface ProcStat {
  readonly pid: number
  /** `R`, `S`, `D`, `T`, `Z` (zombie), `X` (dead), ... */
  readonly state: string
  readonly ppid: number
  readonly pgrp: number
}

/** Reads `/proc/<pid>/stat`; `undefined` when the process does not exist. */
export const readStat = (pid: number): ProcStat | undefined => {
  let text: string
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
  } catch {
    return undefined
  }
  // The command name (2nd field) is in parentheses and may contain spaces or ")": split after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ")
  const [state, ppid, pgrp] = fields
  if (state === undefined || ppid === undefined || pgrp === undefined) return undefined
  return { pid, state, ppid: Number(ppid), pgrp: Number(pgrp) }
}

const isDead = (stat: ProcStat | undefined): boolean => stat === undefined || stat.state === "Z" || stat.state === "X"

/** Whether `pid` is alive: it exists and is not a zombie. */
export const isAlive = (pid: number): boolean => !isDead(readStat(pid))

const allPids = (): Array<number> => {
  const out: Array<number> = []
  for (const name of fs.readdirSync("/proc")) {
    if (/^\d+$/.test(name)) out.push(Number(name))
  }
  return out
}

/** The live (non-zombie) members of process group `pgid`. */
export const groupMembers = (pgid: number): Array<number> => {
  const out: Array<number> = []
  for (const pid of allPids()) {
    const stat = readStat(pid)
    if (stat !== undefined && !isDead(stat) && stat.pgrp === pgid) out.push(pid)
  }
  return out
}

/** The live (non-zombie) children of `ppid`. */
export const childrenOf = (ppid: number): Array<number> => {
  const out: Array<number> = []
  for (const pid of allPids()) {
    const stat = readStat(pid)
    if (stat !== undefined && !isDead(stat) && stat.ppid === ppid) out.push(pid)
  }
  return out
}

// ---------------------------------------------------------------------------------------------------------------------
// Markers: an environment variable with a unique value, inherited by the child and all its descendants, lets a test
// find every process it started, whatever the library reports (and even when a launch was interrupted).
// ---------------------------------------------------------------------------------------------------------------------

export const MARKER_VARIABLE = "EFFECT_PROCESS_E4_TEST_MARKER"

/** A fresh marker value; pass it as `env: { [MARKER_VARIABLE]: marker }` (see `markerEnv`). */
export const newMarker = (): string => crypto.randomUUID()

/** The `env` option that tags a child and its descendants with `marker`. */
export const markerEnv = (marker: string): Record<string, string> => ({ [MARKER_VARIABLE]: marker })

/** The live processes whose environment carries `marker`. */
export const markedProcesses = (marker: string): Array<number> => {
  const needle = `${MARKER_VARIABLE}=${marker}`
  const out: Array<number> = []
  for (const pid of allPids()) {
    if (pid === process.pid) continue
    let environ: string
    try {
      environ = fs.readFileSync(`/proc/${pid}/environ`, "utf8")
    } catch {
      continue
    }
    if (environ.split("\0").includes(needle) && isAlive(pid)) out.push(pid)
  }
  return out
}

// ---------------------------------------------------------------------------------------------------------------------
// Polling
// ---------------------------------------------------------------------------------------------------------------------

const survivorsOf = (pids: ReadonlyArray<number>, pgids: ReadonlyArray<number>, markers: ReadonlyArray<string>) => {
  const survivors = new Set<number>()
  for (const pid of pids) if (isAlive(pid)) survivors.add(pid)
  for (const pgid of pgids) for (const pid of groupMembers(pgid)) survivors.add(pid)
  for (const marker of markers) for (const pid of markedProcesses(marker)) survivors.add(pid)
  return [...survivors]
}

const describeProcess = (pid: number): string => {
  const stat = readStat(pid)
  let cmdline = "?"
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim()
  } catch {
    // gone meanwhile
  }
  return stat === undefined
    ? `${pid} (gone)`
    : `${pid} [state ${stat.state}, ppid ${stat.ppid}, pgrp ${stat.pgrp}] ${cmdline}`
}

const killQuietly = (pid: number): void => {
  try {
    process.kill(pid, "SIGKILL")
  } catch {
    // already gone
  }
}

/**
 * Polls until every pid is dead, every process group is empty and no process carries one of the markers, failing
 * (with the list of survivors) if that takes longer than `within`. Survivors are then SIGKILLed so that a failing
 * test does not leak processes into the others.
 */
export const expectGone = (
  pids: ReadonlyArray<number>,
  pgids: ReadonlyArray<number> = [],
  within: Duration.Input = "3 seconds",
  markers: ReadonlyArray<string> = []
): Effect.Effect<void, Error> =>
  Effect.suspend(() => {
    const deadline = Date.now() + Duration.toMillis(within)
    const loop: Effect.Effect<void, Error> = Effect.suspend(() => {
      const survivors = survivorsOf(pids, pgids, markers)
      if (survivors.length === 0) return Effect.void
      if (Date.now() < deadline) return Effect.andThen(Effect.sleep("20 millis"), loop)
      const report = survivors.map(describeProcess).join("; ")
      survivors.forEach(killQuietly)
      return Effect.fail(
        new Error(`still alive after ${Duration.format(Duration.fromInputUnsafe(within))}: ${report}`)
      )
    })
    return loop
  })

/** `expectGone` for the processes that carry `marker`. */
export const expectMarkerGone = (marker: string, within: Duration.Input = "3 seconds") =>
  expectGone([], [], within, [marker])

/**
 * Polls `check` every 20 ms until it returns a value other than `undefined`, failing after `within`.
 */
export const eventually = <A>(
  what: string,
  check: () => A | undefined,
  within: Duration.Input = "3 seconds"
): Effect.Effect<A, Error> =>
  Effect.suspend(() => {
    const deadline = Date.now() + Duration.toMillis(within)
    const loop: Effect.Effect<A, Error> = Effect.suspend(() => {
      const value = check()
      if (value !== undefined) return Effect.succeed(value)
      if (Date.now() < deadline) return Effect.andThen(Effect.sleep("20 millis"), loop)
      return Effect.fail(
        new Error(`timed out after ${Duration.format(Duration.fromInputUnsafe(within))} waiting for ${what}`)
      )
    })
    return loop
  })

/** Waits until process group `pgid` has at least `count` live members and returns them. */
export const awaitGroupSize = (pgid: number, count: number, within: Duration.Input = "3 seconds") =>
  eventually(`process group ${pgid} to have ${count} members`, () => {
    const members = groupMembers(pgid)
    return members.length >= count ? members : undefined
  }, within)

/** Measures the wall-clock duration of `self` in milliseconds (real time, for `it.live` tests). */
export const timed = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<[A, number], E, R> =>
  Effect.suspend(() => {
    const start = Date.now()
    return Effect.map(self, (a): [A, number] => [a, Date.now() - start])
  })

// ---------------------------------------------------------------------------------------------------------------------
// Fixtures and files
// ---------------------------------------------------------------------------------------------------------------------

const fixturesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures")

/** The absolute path of `packages/effect4-node/test/fixtures/<name>`. */
export const fixture = (name: string): string => path.join(fixturesDir, name)

/** argv running a Node fixture with the current Node binary (no dependence on `node` being on PATH). */
export const nodeFixture = (name: string, ...args: ReadonlyArray<string>): Array<string> => [
  process.execPath,
  fixture(name),
  ...args
]

/** argv running a Node one-liner with the current Node binary. */
export const nodeEval = (code: string, ...args: ReadonlyArray<string>): Array<string> => [
  process.execPath,
  "-e",
  code,
  ...args
]

/** The pids announced by `pid=<n>` lines in `text`. */
export const parsePids = (text: string): Array<number> => {
  const out: Array<number> = []
  for (const match of text.matchAll(/^pid=(\d+)$/gm)) out.push(Number(match[1]))
  return out
}

/** A fresh temporary directory, removed when the scope closes. */
export const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "effect-process-test-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

/** Reads a file, or `undefined` if it does not exist. */
export const readFileIfExists = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, "utf8")
  } catch {
    return undefined
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Logger
// ---------------------------------------------------------------------------------------------------------------------

export interface LogEntry {
  /** The logged message, rendered as text. */
  readonly message: string
  /** Effect 4's level names: "Info", "Warn", ... */
  readonly level: LogLevel.LogLevel
  readonly annotations: Readonly<Record<string, unknown>>
}

const renderMessage = (message: unknown): string =>
  Array.isArray(message) ? message.map(renderMessage).join(" ") : typeof message === "string"
    ? message
    : typeof message === "object" && message !== null
    ? safeJson(message)
    : String(message)

const safeJson = (value: unknown): string => {
  try {
    return JSON.stringify(value)
  } catch {
    return String(value)
  }
}

/**
 * A logger that records every message (with its level and annotations) instead of printing it. `layer` replaces the
 * default logger and lets everything through (minimum level `All`).
 */
export const captureLogs = (): {
  readonly entries: Array<LogEntry>
  /** The recording logger, to install beside others (`Logger.layer([logs.logger, other])`). */
  readonly logger: Logger.Logger<unknown, void>
  readonly layer: Layer.Layer<never>
} => {
  const entries: Array<LogEntry> = []
  // Effect 4: the annotations are the fiber's, not the logger's options.
  const logger = Logger.make(({ fiber, logLevel, message }) => {
    entries.push({
      message: renderMessage(message),
      level: logLevel,
      annotations: { ...fiber.getRef(References.CurrentLogAnnotations) }
    })
  })
  return {
    entries,
    logger,
    layer: Layer.merge(Logger.layer([logger]), Layer.succeed(References.MinimumLogLevel, "All"))
  }
}
