/**
 * Regression tests for faults found under stress. Real processes, no mocks; each test ends by checking (by pid,
 * process group and the environment marker every child inherits) that nothing it started survives.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Exit, Scope } from "effect"
import { Cause, Effect, Fiber, Layer, Logger, Option, References, Stream } from "effect"
import type { ProcessError, ProcessSpawner, StateError, TimeoutError } from "effect-process"
import { ManagedProcess } from "effect-process"
import * as path from "node:path"
import * as PerfHooks from "node:perf_hooks"
import { assertProcessError, assertStateError, assertTimeoutError } from "./assertions.js"
import { requireBuiltPackages, runReporting } from "./fault-matrix/support.js"
import { noSurvivors, type Tracker } from "./harness.js"
import type { LogEntry } from "./utils.js"
import {
  captureLogs,
  expectGone,
  expectMarkerGone,
  isAlive,
  newMarker,
  nodeEval,
  nodeFixture,
  parsePids,
  readFileIfExists,
  tempDir
} from "./utils.js"

/** Silences the library's logs (the SIGKILL warning of every release) for tests that do not look at them. */
const quiet = Logger.layer([])

// ---------------------------------------------------------------------------------------------------------------------
// 1. A reader waiting without a bound must wake up when the process is released
// ---------------------------------------------------------------------------------------------------------------------

/** A reader started on a process, run in a daemon fiber (the release of the process's scope does not interrupt it). */
interface ReaderSpec {
  readonly name: string
  readonly read: (proc: ManagedProcess.ManagedProcess) => Effect.Effect<unknown, unknown>
  /** Asserts that the way it ended is acceptable (it ended: that it did not hang is checked apart). */
  readonly check: (exit: Exit.Exit<unknown, unknown>) => void
}

const failureOf = (exit: Exit.Exit<unknown, unknown>): unknown => {
  if (exit._tag === "Success") {
    return expect.fail(`expected a typed failure, the read succeeded: ${JSON.stringify(exit.value)}`)
  }
  const failure = Cause.findErrorOption(exit.cause)
  if (Option.isNone(failure)) return expect.fail(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return failure.value
}

/** A stream run to its end: it ends, or fails with StateError Released. */
const streamToEnd = (
  name: string,
  stream: (proc: ManagedProcess.ManagedProcess) => Stream.Stream<unknown, unknown>
): ReaderSpec => ({
  name,
  read: (proc) => Stream.runDrain(stream(proc)),
  check: (exit) => {
    if (exit._tag === "Success") return
    assertStateError(failureOf(exit), "Released")
  }
})

/** readLine with a timeout it never reaches: fails with ProcessError OutputEnded or StateError Released. */
const readLineLong: ReaderSpec = {
  name: "readLine({ timeout: \"1 hour\" })",
  read: (proc) => proc.readLine({ timeout: "1 hour" }),
  check: (exit) => {
    const error = failureOf(exit)
    if ((error as { _tag?: string })._tag === "StateError") assertStateError(error, "Released")
    else assertProcessError(error, "OutputEnded")
  }
}

const linesToEnd = streamToEnd("lines", (proc) => proc.lines)
const stderrLinesToEnd = streamToEnd("stderrLines", (proc) => proc.stderrLines)

/** How long a reader may take to end after its process's scope closed before it counts as hung. */
const HUNG_AFTER_MILLIS = 5_000

/**
 * `iterations` times: launch `slow-to-die.js` (ignores SIGTERM, about 10 ms from SIGKILL to its reported exit) with
 * `terminate: { timeout: "0 millis", killTimeout: "1 millis" }`, so that the release gives up waiting for the exit
 * and reaches its pipe wait before the exit is seen; start the readers in daemon fibers, let them wait, close the
 * scope. Then every reader must have ended, in an acceptable way, within `HUNG_AFTER_MILLIS` of its scope closing.
 * With `holder`, a descendant in a session of its own also holds stdout and stderr (it is out of the release's
 * reach by design, and is killed here once the readers are checked).
 */
const releaseWhileReading = (
  t: Tracker,
  readers: ReadonlyArray<ReaderSpec>,
  options: { readonly iterations: number; readonly holder?: boolean }
) =>
  Effect.gen(function*() {
    const started: Array<{
      readonly iteration: number
      readonly reader: ReaderSpec
      readonly fiber: Fiber.Fiber<unknown, unknown>
      readonly closedAt: number
    }> = []
    const holders: Array<number> = []
    for (let iteration = 0; iteration < options.iterations; iteration++) {
      const fibers = yield* Effect.scoped(Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(nodeFixture("slow-to-die.js", "128", ...(options.holder ? ["holder"] : [])), {
            env: t.env,
            terminate: { timeout: "0 millis", killTimeout: "1 millis" }
          })
        )
        if (options.holder) {
          const line = yield* proc.readLine({ timeout: "20 seconds" })
          holders.push(...parsePids(line))
          expect(holders).toHaveLength(iteration + 1)
        }
        expect(yield* proc.readLine({ timeout: "20 seconds" })).toBe("ready")
        const fibers = yield* Effect.forEach(readers, (reader) => Effect.forkDetach(reader.read(proc)))
        // Let every reader reach its wait.
        yield* Effect.sleep("50 millis")
        return fibers
      }))
      const closedAt = Date.now()
      fibers.forEach((fiber, i) => started.push({ iteration, reader: readers[i]!, fiber, closedAt }))
    }
    const lastClosed = Math.max(...started.map((s) => s.closedAt))
    const ends = yield* Effect.forEach(started, (s) =>
      Fiber.await(s.fiber).pipe(
        Effect.timeoutOption(Math.max(0, lastClosed + HUNG_AFTER_MILLIS - Date.now())),
        Effect.map((exit) => ({ ...s, exit }))
      ), { concurrency: "unbounded" })
    const hung = ends.filter((end) => Option.isNone(end.exit))
    // A hung reader is interrupted so that it does not outlive the test.
    yield* Effect.forEach(hung, (end) => Effect.forkDetach(Fiber.interrupt(end.fiber)), { discard: true })
    // The holders are out of the release's reach (a documented limit): clean them up, then check.
    for (const pid of holders) if (isAlive(pid)) process.kill(pid, "SIGKILL")
    yield* expectGone(holders)
    const iterationsHung = new Set(hung.map((end) => end.iteration)).size
    expect(
      hung.map((end) => `iteration ${end.iteration}: ${end.reader.name}`),
      `${hung.length} of ${started.length} readers (in ${iterationsHung} of ${options.iterations} iterations) still ` +
        `waiting ${HUNG_AFTER_MILLIS} ms after their process's scope closed`
    ).toEqual([])
    for (const end of ends) if (Option.isSome(end.exit)) end.reader.check(end.exit.value)
  })

describe("stress fault 1: a reader waiting without a bound wakes up when the process is released", () => {
  // Before the fix the release's own pipe wait took the pipe's only waiter slot and the reader's wake-up was lost:
  // in each of these tests 17 to 20 of the 20 iterations left a hung reader, and every run failed (9 runs of the
  // first, 6 of the others). With `ignore-term.sh` instead of `slow-to-die.js` the race is won by chance only, 0 to 4
  // times in 20.
  it.live("a lines stream run to its end ends (or fails Released) after the release, 20 times out of 20", () =>
    noSurvivors((t) => releaseWhileReading(t, [linesToEnd], { iterations: 20 })).pipe(Effect.provide(quiet)))

  it.live("a readLine with a 1 hour timeout fails typed (OutputEnded or Released) after the release, 20 times out of 20", () =>
    noSurvivors((t) => releaseWhileReading(t, [readLineLong], { iterations: 20 })).pipe(Effect.provide(quiet)))

  it.live("a stdout reader and a stderr reader waiting at once both end after the release, 20 times out of 20", () =>
    noSurvivors((t) => releaseWhileReading(t, [linesToEnd, stderrLinesToEnd], { iterations: 20 })).pipe(
      Effect.provide(quiet)
    ))

  it.live(
    "with a descendant outside the group holding the pipes, readLine and stderrLines still end after the release",
    () =>
      noSurvivors((t) => releaseWhileReading(t, [readLineLong, stderrLinesToEnd], { iterations: 20, holder: true }))
        .pipe(Effect.provide(quiet))
  )
})

// ---------------------------------------------------------------------------------------------------------------------
// 2. At EMFILE a launch fails typed (SpawnFailed with errno), not with a defect, and `retry` sees it
// ---------------------------------------------------------------------------------------------------------------------

interface LaunchReport {
  readonly ok?: true
  readonly failure?: string
  readonly errno?: string
  readonly defect?: string
}

/** Runs `parents/emfile-launches.mjs` under `ulimit -n 256` and returns what it reported. */
const runEmfileLaunches = (scenario: unknown, marker: string) =>
  runReporting<{ readonly launches: ReadonlyArray<LaunchReport> }>(
    "emfile-launches.mjs",
    [JSON.stringify(scenario)],
    marker
  )

const tally = (launches: ReadonlyArray<LaunchReport>) => {
  const count: Record<string, number> = {}
  for (const launch of launches) {
    const key = launch.ok ? "started" : launch.defect !== undefined ?
      `defect: ${launch.defect}` :
      `${launch.failure} ${launch.errno}`
    count[key] = (count[key] ?? 0) + 1
  }
  return count
}

const expectTypedEmfile = (launches: ReadonlyArray<LaunchReport>) => {
  const summary = JSON.stringify(tally(launches))
  expect(launches.filter((launch) => launch.defect !== undefined), `no defect; outcomes: ${summary}`).toEqual([])
  for (const launch of launches) {
    if (launch.ok) continue
    expect(launch.failure, summary).toBe("SpawnFailed")
    expect(["EMFILE", "ENFILE"], summary).toContain(launch.errno)
  }
}

describe("stress fault 2: launches at the descriptor limit fail typed and are retried", () => {
  // Before the fix, Node's spawn returned a child whose stdio streams were `undefined` at EMFILE and the spawner's
  // `!== null` checks let a TypeError through: 54 of the 60 launches ended as defects, with or without retry (both
  // tests failed in every run, 5 of 5).
  it.live("60 concurrent launches with 24 descriptors free: no defect, every failure SpawnFailed EMFILE/ENFILE", () =>
    Effect.gen(function*() {
      requireBuiltPackages()
      const marker = newMarker()
      const { launches } = yield* runEmfileLaunches({ count: 60, free: 24, retry: false }, marker).pipe(
        Effect.ensuring(Effect.orDie(expectMarkerGone(marker, "10 seconds")))
      )
      expect(launches).toHaveLength(60)
      expectTypedEmfile(launches)
      // the limit was met: some launches did fail
      expect(launches.filter((launch) => !launch.ok).length, JSON.stringify(tally(launches))).toBeGreaterThan(0)
    }))

  it.live("with retry, while other scopes close, retried launches start or fail typed, never as a defect", () =>
    Effect.gen(function*() {
      requireBuiltPackages()
      const marker = newMarker()
      const plain = yield* runEmfileLaunches({ count: 60, free: 24, retry: false }, marker).pipe(
        Effect.ensuring(Effect.orDie(expectMarkerGone(marker, "10 seconds")))
      )
      const retried = yield* runEmfileLaunches({ count: 60, free: 24, retry: true, holdMillis: 50 }, marker).pipe(
        Effect.ensuring(Effect.orDie(expectMarkerGone(marker, "10 seconds")))
      )
      expect(retried.launches).toHaveLength(60)
      expectTypedEmfile(retried.launches)
      // Retrying got more launches started than the descriptors allow at once (what starts without retry).
      const started = (launches: ReadonlyArray<LaunchReport>) => launches.filter((launch) => launch.ok).length
      expect(
        started(retried.launches),
        `without retry: ${JSON.stringify(tally(plain.launches))}; with: ${JSON.stringify(tally(retried.launches))}`
      ).toBeGreaterThan(started(plain.launches))
    }))
})

// ---------------------------------------------------------------------------------------------------------------------
// 3. The default stderr relay does bounded work per turn of the event loop, and drops (with a count) what the
//    logger cannot keep up with, instead of blocking the child and the parent
// ---------------------------------------------------------------------------------------------------------------------

const STDERR_LINES = 200_000

/** A child that writes `line 0` ... `line 199999` to stderr (a pipe: the writes block while nobody drains it). */
const stderrFlood = nodeEval(
  `const out = []; for (let i = 0; i < ${STDERR_LINES}; i++) out.push("line " + i); ` +
    "process.stderr.write(out.join('\\n') + '\\n')"
)

/** Busy-waits `millis` on every log: a logger that cannot keep up (a slow sink, a synchronous file, a pretty printer). */
const SLOW_LOG_MILLIS = 0.2
const slowLogger = Logger.make(() => {
  const until = performance.now() + SLOW_LOG_MILLIS
  while (performance.now() < until) {
    // the logger's work
  }
})

/** Records the logs (`captureLogs`) through a logger that takes 0.2 ms a line: 200,000 lines would take 40 s. */
const slowCapturedLogs = () => {
  const logs = captureLogs()
  return {
    entries: logs.entries,
    layer: Layer.merge(Logger.layer([logs.logger, slowLogger]), Layer.succeed(References.MinimumLogLevel, "All"))
  }
}

/** Measures the worst event-loop delay while `self` runs (`perf_hooks.monitorEventLoopDelay`, 10 ms resolution). */
const withEventLoopLag = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<[A, number], E, R> =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const histogram = PerfHooks.monitorEventLoopDelay({ resolution: 10 })
      histogram.enable()
      return histogram
    }),
    (histogram) => Effect.map(self, (a): [A, number] => [a, histogram.max / 1e6]),
    (histogram) => Effect.sync(() => histogram.disable())
  )

const dropWarnings = (entries: ReadonlyArray<LogEntry>) =>
  entries.filter((entry) => /not (be )?(relayed|logged)/i.test(entry.message) && /\d/.test(entry.message))

/** The dropped-line counts the drop warnings report (a warning without a number is not one). */
const droppedCounts = (entries: ReadonlyArray<LogEntry>) =>
  dropWarnings(entries).map((entry) => {
    // the number in front of "lines" if there is one ("1,234 stderr lines not relayed"), else the first number
    const count = /(\d[\d,]*)\s+(?:stderr\s+)?lines?\b/i.exec(entry.message) ?? /(\d[\d,]*)/.exec(entry.message)!
    return Number(count[1]!.replace(/,/g, ""))
  })

const relayedLines = (entries: ReadonlyArray<LogEntry>) => entries.filter((entry) => /^line \d+$/.test(entry.message))

/** How long the child may take to write its 200,000 lines: about 80 ms undisturbed, 40 s or more if blocked. */
const CHILD_EXIT_BOUND = "20 seconds"

describe("stress fault 3: the stderr relay neither blocks the child nor stalls the parent's event loop", () => {
  // Before the fix, the relay logged every line (0.2 ms each here) on the parent's event loop: the pipe was not
  // drained meanwhile, the child took 47 to 51 s to write its lines and the event loop stalled for 12 to 15 s; no
  // line was dropped (each was logged at once, inside the pipe's data callback), so no warning either, and reading
  // stderrLines to the end took as long. All three tests failed in every run (5 of 5).
  it.live(
    "200,000 stderr lines, default relay, a slow logger: the child exits within 20 s, the event loop never stalls 500 ms",
    () => {
      const logs = slowCapturedLogs()
      return noSurvivors(
        (t) =>
          Effect.gen(function*() {
            const [exit, lag] = yield* withEventLoopLag(Effect.gen(function*() {
              const proc = t.track(yield* ManagedProcess.make(stderrFlood, { env: t.env }))
              return yield* proc.awaitExit.pipe(Effect.timeoutOption(CHILD_EXIT_BOUND))
            }))
            expect(Option.isSome(exit), `the child did not finish writing within ${CHILD_EXIT_BOUND}`).toBe(true)
            expect(Option.getOrThrow(exit).exitCode).toBe(0)
            expect(lag, "the worst event-loop delay (ms) while the child wrote").toBeLessThan(500)
          }),
        "3 seconds",
        "60 seconds"
      ).pipe(Effect.provide(logs.layer))
    },
    90_000
  )

  it.live("the lines the slow logger cannot take are dropped, and a warning gives their count", () => {
    const logs = slowCapturedLogs()
    return noSurvivors(
      (t) =>
        Effect.gen(function*() {
          const proc = t.track(yield* ManagedProcess.make(stderrFlood, { env: t.env }))
          // Not the speed check (the test above is): a generous bound, then the release flushes the relay.
          const exit = yield* proc.awaitExit.pipe(Effect.timeout("80 seconds"))
          expect(exit.exitCode).toBe(0)
        }).pipe(
          Effect.scoped,
          Effect.andThen(Effect.sync(() => {
            const relayed = relayedLines(logs.entries).length
            const dropped = droppedCounts(logs.entries)
            expect(dropped.length, `a warning like "N stderr lines not relayed" (${relayed} lines relayed)`)
              .toBeGreaterThan(0)
            // nothing lost silently: every line was either relayed or counted as dropped
            expect(relayed + dropped.reduce((a, b) => a + b, 0)).toBe(STDERR_LINES)
          }))
        ),
      "3 seconds",
      "100 seconds"
    ).pipe(Effect.provide(logs.layer))
  }, 120_000)

  it.live(
    "stderrLines read to the end yields all 200,000 lines in order (and stderrTail the last ones) while the relay drops",
    () => {
      const logs = slowCapturedLogs()
      return noSurvivors(
        (t) =>
          Effect.gen(function*() {
            const proc = t.track(yield* ManagedProcess.make(stderrFlood, { env: t.env }))
            const lines = yield* Stream.runCollect(proc.stderrLines).pipe(
              Effect.timeoutOrElse({
                duration: "30 seconds",
                orElse: () => Effect.fail(new Error("reading stderrLines to the end took more than 30 s"))
              })
            )
            expect(lines.length).toBe(STDERR_LINES)
            let outOfOrder = -1
            let i = 0
            for (const line of lines) {
              if (line !== `line ${i}`) {
                outOfOrder = i
                break
              }
              i++
            }
            expect(outOfOrder, "the first line out of order").toBe(-1)
            expect((yield* proc.stderrTail).endsWith(`line ${STDERR_LINES - 2}\nline ${STDERR_LINES - 1}\n`)).toBe(true)
            expect((yield* proc.awaitExit.pipe(Effect.timeout("10 seconds"))).exitCode).toBe(0)
          }).pipe(
            Effect.scoped,
            Effect.andThen(Effect.sync(() =>
              expect(droppedCounts(logs.entries).length, "the relay dropped lines (and said so) meanwhile")
                .toBeGreaterThan(0)
            ))
          ),
        "3 seconds",
        "60 seconds"
      ).pipe(Effect.provide(logs.layer))
    },
    90_000
  )
})
// ---------------------------------------------------------------------------------------------------------------------
// 5. An error's message stays short whatever the length of the argv; its `command` field keeps the whole argv
// ---------------------------------------------------------------------------------------------------------------------

const MAX_MESSAGE = 1_000

/** Checks the message bound without printing a megabyte on failure. */
const expectShortMessage = (error: { readonly message: string }) =>
  expect(
    error.message.length,
    `message of ${error.message.length} characters: ${error.message.slice(0, 200)}…`
  ).toBeLessThanOrEqual(MAX_MESSAGE)

/** Checks that `command` is `argv`, without printing it on failure. */
const expectWholeCommand = (command: ReadonlyArray<string>, argv: ReadonlyArray<string>) => {
  expect(command.length).toBe(argv.length)
  command.forEach((arg, i) => expect(arg === argv[i], `argument ${i} is kept whole`).toBe(true))
}

describe("stress fault 5: a long argv does not end up whole in error messages", () => {
  // Before the fix every message began with the whole argv (3,145,825 characters for the E2BIG case, about 100,060
  // for the others): all four tests failed in every run (5 of 5).
  it.live("an E2BIG spawn failure is a typed SpawnFailed with a short message, the full argv in command, nothing started", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const trace = path.join(dir, "trace")
        // 3 MiB in one argument: above the kernel's limit for one argument (128 KiB) and for the whole argv.
        const argv = ["sh", "-c", "echo ran > \"$0\"", trace, "x".repeat(3 * 1024 * 1024)]
        const launches: ReadonlyArray<
          Effect.Effect<unknown, ProcessError | StateError | TimeoutError, Scope.Scope | ProcessSpawner.ProcessSpawner>
        > = [
          ManagedProcess.make(argv, { env: t.env }),
          ManagedProcess.run(argv, { env: t.env })
        ]
        for (const launch of launches) {
          const error = yield* Effect.flip(launch)
          assertProcessError(error, "SpawnFailed")
          expect(error.errno).toBe("E2BIG")
          expectShortMessage(error)
          expectWholeCommand(error.command, argv)
        }
        yield* Effect.sleep("300 millis")
        expect(readFileIfExists(trace)).toBeUndefined()
      })
    ))

  it.live("NonZeroExit of a command with a 100 KB argument has a short message and the full argv in command", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const argv = ["sh", "-c", "exit 3", "sh", "y".repeat(100_000)]
        const error = yield* Effect.flip(ManagedProcess.run(argv, { env: t.env }))
        assertProcessError(error, "NonZeroExit")
        expect(error.exitCode).toBe(3)
        expectShortMessage(error)
        expectWholeCommand(error.command, argv)
      })
    ))

  it.live("a TimeoutError of a command with a 100 KB argument has a short message and the full argv in command", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const argv = ["sh", "-c", "sleep 1000", "sh", "z".repeat(100_000)]
        const run = yield* Effect.flip(ManagedProcess.run(argv, { env: t.env, timeout: "200 millis" }))
        assertTimeoutError(run, "Run")
        expectShortMessage(run)
        expectWholeCommand(run.command, argv)
        const proc = t.track(yield* ManagedProcess.make(argv, { env: t.env }))
        const read = yield* Effect.flip(proc.readLine({ timeout: "200 millis" }))
        assertTimeoutError(read, "ReadLine")
        expectShortMessage(read)
        expectWholeCommand(read.command, argv)
      })
    ))

  it.live("a StateError of a command with a 100 KB argument has a short message and the full argv in command", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const argv = ["sh", "-c", "sleep 1000", "sh", "w".repeat(100_000)]
        const proc = yield* Effect.scoped(Effect.map(ManagedProcess.make(argv, { env: t.env }), t.track))
        const error = yield* Effect.flip(proc.readLine({ timeout: "1 second" }))
        assertStateError(error, "Released")
        expectShortMessage(error)
        expectWholeCommand(error.command, argv)
      })
    ))
})
