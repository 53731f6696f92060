// Helpers for the ChildProcessSpawner conformance suite: an environment marker that every process a test starts
// carries (and inherits to its descendants), scanned in /proc/*/environ, so that a test can tell what it left
// behind; process-group liveness read from /proc (zombies do not count); real-time waits (the tests run under
// `it.effect`, whose clock is the TestClock, so nothing here uses Effect's clock).
import { Deferred, Effect, Fiber } from "effect"
import type { Exit, Scope } from "effect"
import * as NodeChildProcess from "node:child_process"
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"

export const MARKER = "EFFECT_PROCESS_CONFORMANCE_MARKER"

export const newMarker = (): string => crypto.randomUUID()

/** The environment to give a command so that it (and what it starts) carries `marker`. */
export const markerEnv = (marker: string): Record<string, string> => ({ [MARKER]: marker })

interface ProcInfo {
  readonly pid: number
  readonly state: string
  readonly pgid: number
}

const procInfo = (pid: number): ProcInfo | undefined => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    // comm may contain spaces and parentheses: the fields after it start after the last ") "
    const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ")
    return { pid, state: fields[0]!, pgid: Number(fields[2]) }
  } catch {
    return undefined
  }
}

const pids = (): Array<number> => fs.readdirSync("/proc").filter((entry) => /^\d+$/.test(entry)).map(Number)

/** The live (non-zombie) processes that carry `marker` in their environment. */
export const marked = (marker: string): Array<number> => {
  const out: Array<number> = []
  for (const pid of pids()) {
    try {
      const environ = fs.readFileSync(`/proc/${pid}/environ`, "utf8")
      if (!environ.split("\0").includes(`${MARKER}=${marker}`)) continue
      const info = procInfo(pid)
      if (info !== undefined && info.state !== "Z") out.push(pid)
    } catch {
      // gone, or not ours to read
    }
  }
  return out
}

/** The live (non-zombie) members of process group `pgid`. */
export const groupMembers = (pgid: number): Array<number> => {
  const out: Array<number> = []
  for (const pid of pids()) {
    const info = procInfo(pid)
    if (info !== undefined && info.pgid === pgid && info.state !== "Z") out.push(pid)
  }
  return out
}

export const isAlive = (pid: number): boolean => {
  const info = procInfo(pid)
  return info !== undefined && info.state !== "Z"
}

export const processGroupOf = (pid: number): number | undefined => procInfo(pid)?.pgid

export const stateOf = (pid: number): string | undefined => procInfo(pid)?.state

const delay = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis))

/** Real-time sleep (not Effect's clock, which `it.effect` replaces by the TestClock). */
export const sleep = (millis: number): Effect.Effect<void> => Effect.promise(() => delay(millis))

/** Polls `predicate` every 20 ms in real time until it holds or `millis` have passed; returns whether it held. */
export const waitUntil = (predicate: () => boolean, millis: number): Effect.Effect<boolean> =>
  Effect.promise(async () => {
    const deadline = Date.now() + millis
    for (;;) {
      if (predicate()) return true
      if (Date.now() >= deadline) return false
      await delay(20)
    }
  })

/** SIGKILLs every process carrying `marker` and every member of the given groups; best effort. */
export const killAll = (marker: string, groups: ReadonlyArray<number> = []): void => {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, "SIGKILL")
    } catch {
      // no such group
    }
  }
  for (const pid of marked(marker)) {
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // gone
    }
  }
}

/**
 * Waits (up to 3 s) until nothing carries `marker`; returns the survivors (killed), so that
 * `expect(yield* noSurvivors(marker)).toEqual([])` both checks and cleans up.
 */
export const noSurvivors = (marker: string): Effect.Effect<Array<number>> =>
  Effect.promise(async () => {
    const deadline = Date.now() + 3_000
    while (Date.now() < deadline) {
      if (marked(marker).length === 0) return []
      await delay(20)
    }
    const left = marked(marker)
    killAll(marker)
    return left
  })

/** Milliseconds since `start` (real time). */
export const since = (start: number): number => Date.now() - start

/** What happened after a scope that owned a process group began to close. */
export interface ScopeCloseReport<E> {
  readonly pgid: number
  /** The processes carrying the marker right before the close. */
  readonly before: ReadonlyArray<number>
  /** Milliseconds from the start of the close until nothing carried the marker and the group was empty. */
  readonly goneAfter: number | undefined
  /** Milliseconds from the start of the close until the scope's close returned. */
  readonly closedAfter: number | undefined
  /** What still carried the marker when the bound was reached (then killed). */
  readonly survivors: ReadonlyArray<number>
  /** Milliseconds from the start of the close until it returned, the clean-up included (if it was needed). */
  readonly closedAfterCleanup: number | undefined
  /** The scoped fiber's exit, once it ended (after the clean-up if it had to be killed free). */
  readonly exit: Exit.Exit<void, E> | undefined
}

/**
 * Runs `setup` (which starts processes carrying `marker` and returns the process group to watch) in a scope of its
 * own on a detached fiber, lets the scope close as soon as `setup` returns, and watches in real time, for up to
 * `boundMillis`, for the group and the marked processes to be gone and for the close to return. Whatever is still
 * there at the bound is SIGKILLed, so that a close that blocks on a survivor can end; a hang becomes a report.
 */
export const closeScopeAndWatch = <E, R>(
  marker: string,
  setup: Effect.Effect<number, E, R | Scope.Scope>,
  boundMillis: number
): Effect.Effect<ScopeCloseReport<E>, E, Exclude<R, Scope.Scope>> =>
  Effect.gen(function*() {
    const ready = yield* Deferred.make<number>()
    const fiber = yield* Effect.forkDetach(
      Effect.scoped(Effect.flatMap(setup, (pgid) => Deferred.succeed(ready, pgid))).pipe(Effect.asVoid)
    )
    const pgid = yield* Effect.raceFirst(
      Deferred.await(ready),
      Effect.flatMap(Fiber.join(fiber), () => Effect.die(new Error("setup ended without a process group")))
    )
    const before = marked(marker)
    const start = Date.now()
    let goneAfter: number | undefined
    let closedAfter: number | undefined
    yield* Effect.promise(async () => {
      for (;;) {
        if (goneAfter === undefined && marked(marker).length === 0 && groupMembers(pgid).length === 0) {
          goneAfter = since(start)
        }
        if (closedAfter === undefined && fiber.pollUnsafe() !== undefined) closedAfter = since(start)
        if ((goneAfter !== undefined && closedAfter !== undefined) || since(start) >= boundMillis) return
        await delay(20)
      }
    })
    const survivors = marked(marker)
    if (goneAfter === undefined || closedAfter === undefined) killAll(marker, [pgid])
    const closed = yield* waitUntil(() => fiber.pollUnsafe() !== undefined, 10_000)
    const closedAfterCleanup = closed ? since(start) : undefined
    const exit = fiber.pollUnsafe()
    return { pgid, before, goneAfter, closedAfter, survivors, closedAfterCleanup, exit }
  })

const parentFixture = fileURLToPath(new URL("./fixtures/parent.mjs", import.meta.url))

/**
 * Starts the parent fixture (this Node, `fixtures/parent.mjs`) with the spawner module `spawnerModule`, its
 * environment carrying `marker`; resolves with the parent's pid and the pid of the `sleep 1000` it started.
 */
export const startParent = (spawnerModule: string, marker: string) =>
  Effect.promise(() =>
    new Promise<{ readonly parent: number; readonly child: number; readonly exited: Promise<void> }>(
      (resolve, reject) => {
        const parent = NodeChildProcess.spawn(process.execPath, [parentFixture, spawnerModule], {
          env: { ...process.env, [MARKER]: marker },
          stdio: ["ignore", "pipe", "pipe"]
        })
        const exited = new Promise<void>((resolveExit) => parent.once("exit", () => resolveExit()))
        let stdout = ""
        let stderr = ""
        parent.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
        parent.stdout!.on("data", (chunk: Buffer) => {
          stdout += chunk.toString()
          const line = /^(\d+)\n/.exec(stdout)
          if (line !== null) resolve({ parent: parent.pid!, child: Number(line[1]), exited })
        })
        parent.once("error", reject)
        parent.once("exit", (code, signal) =>
          reject(new Error(`the parent fixture exited (${code ?? signal}) before printing a pid: ${stderr}`)))
      }
    )
  )
