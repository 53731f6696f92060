// Found by adversarial probes of the packed packages: hostile option values, odd argv[0]s and dying checks.
import { describe, expect, it } from "@effect/vitest"
import { Cause, Duration, Effect, Exit, Fiber, Logger, Schedule, Stream } from "effect"
import {
  ManagedProcess,
  ProcessError,
  Readiness,
  StateError,
  Supervisor,
  TestSpawner,
  TimeoutError
} from "effect-process"
import { TestClock } from "effect/testing"
import * as metrics from "../src/internal/metrics.js"
import { describeFailure } from "../src/internal/telemetry.js"
import type { ProcessSpawner as ProcessSpawnerService } from "../src/ProcessSpawner.js"

/** Effect 4 hands a logger the messages of one log call as an array. */
const logged = (message: unknown) => Array.isArray(message) ? message.map(String).join(" ") : String(message)

const hostile = () => Object.create(null) as never

describe("hostile input is a typed InvalidCommand, never a defect or a throw", () => {
  it.effect("durations and log levels without a prototype, or whose toString throws", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make(() => ({ exitCode: 0 }))
      const throwing = {
        toString: () => {
          throw new Error("no")
        }
      } as never
      const attempts: ReadonlyArray<Effect.Effect<unknown, unknown, ProcessSpawnerService>> = [
        ManagedProcess.string(["x"], { timeout: hostile() }),
        ManagedProcess.run(["x"], { timeout: throwing }),
        Effect.scoped(ManagedProcess.make(["x"], { readinessTimeout: hostile() })),
        Effect.scoped(Supervisor.make(["x"], { resetAfter: hostile() })),
        Effect.scoped(Supervisor.make(["x"], { startLimit: { burst: 1, interval: throwing } })),
        Effect.scoped(Supervisor.make(["x"], { log: { restart: hostile() } })),
        Effect.scoped(Supervisor.make(["x"], { log: 5 as never })),
        Effect.scoped(Supervisor.make(["x"], { log: "None" as never })),
        Effect.scoped(Supervisor.make(["x"], { log: [] as never }))
      ]
      for (const attempt of attempts) {
        const exit = yield* Effect.exit(attempt.pipe(Effect.provide(spawner.layer)))
        const reasons = Exit.isFailure(exit) ? exit.cause.reasons : []
        // one typed failure, no defect
        expect(reasons.length === 1 && Cause.isFailReason(reasons[0]!) && reasons[0].error).toMatchObject({
          _tag: "ProcessError",
          reason: "InvalidCommand"
        })
      }
      expect(spawner.processes).toHaveLength(0)
    }))

  // Effect 4 only: its Durations can be negative, and `Duration.fromInput` reads any object as a DurationObject
  // (an object without a prototype was a zero duration; a negative field, a negative duration).
  it.effect("Effect 4 durations: negative Durations and DurationObjects are refused, a plain DurationObject is read", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make(() => ({ exitCode: 0 }))
      for (const timeout of [Duration.millis(-5), { seconds: -1 }, { seconds: Number.NaN }, { seconds: 1, bogus: 2 }]) {
        const error = yield* Effect.flip(ManagedProcess.run(["x"], { timeout: timeout as never })).pipe(
          Effect.provide(spawner.layer)
        )
        expect(error).toMatchObject({ _tag: "ProcessError", reason: "InvalidCommand" })
        expect(error.message).toContain("timeout")
      }
      expect(spawner.processes).toHaveLength(0)
      const result = yield* ManagedProcess.run(["x"], { timeout: { seconds: 2 } }).pipe(Effect.provide(spawner.layer))
      expect(result.exitCode).toBe(0)
    }))

  it.effect("make does not throw synchronously on a hostile option", () =>
    Effect.sync(() => {
      expect(() => ManagedProcess.make(["x"], { readinessTimeout: hostile() })).not.toThrow()
    }))

  it.effect("a command that is not an argv array of strings says so", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make(() => ({ exitCode: 0 }))
      const message = (input: unknown) =>
        Effect.flip(ManagedProcess.run(input as never)).pipe(
          Effect.map((error) => error.message),
          Effect.provide(spawner.layer)
        )
      expect(yield* message(42)).toContain("must be an argv array of strings (got number)")
      expect(yield* message(new String("git --version"))).toContain("must be an argv array of strings (got a String)")
      expect(yield* message({ command: "git" })).toContain("must be an argv array of strings (got object)")
      expect(yield* message([["git"]])).toContain("argv[0] must be a string (got an array)")
      expect(yield* message(["git", 7])).toContain("argv[1] must be a string (got number)")
      expect(yield* message("git --version")).toContain("must be an argv array, not a string")
    }))
})

describe("log lines stay one line", () => {
  it("the program name escapes control, line separator and bidi characters; a trailing / is dropped", () => {
    expect(metrics.program(["/opt/we\nird\u202e"])).toBe("we\\u000aird\\u202e")
    expect(metrics.program(["/tmp/x/sub/"])).toBe("sub")
    expect(metrics.program(["/"])).toBe("/")
    expect(metrics.program(["a".repeat(100_000)]).length).toBeLessThanOrEqual(64)
  })

  it("a failure's message: line breaks of every kind become spaces, other controls are escaped, bounded", () => {
    expect(describeFailure(new Error("one\r\ntwo\rthree\u2028four\u2029five\u001b[31m"))).toBe(
      "one two three four five\\u001b[31m"
    )
    expect(describeFailure({
      get message() {
        throw new Error("no")
      }
    })).toBe("an error that cannot be shown")
    expect(describeFailure("x".repeat(1_000_000)).length).toBeLessThanOrEqual(500)
  })

  it("the argv in a message escapes bidi characters", () => {
    const error = new ProcessError({ reason: "SpawnFailed", command: ["./abc\u202edcba.sh"] })
    expect(error.message).toContain("abc\\u202edcba.sh")
    expect(error.message).not.toContain("\u202e")
  })
})

describe("errors are recognized across copies of the package", () => {
  it("instanceof is by a marker: an error of another copy (a CommonJS build, another version) matches", () => {
    // what another copy's error looks like to this one: another class, the same marker
    for (
      const [Class, key] of [
        [ProcessError, "@effect-process/core/ProcessError"],
        [StateError, "@effect-process/core/StateError"],
        [TimeoutError, "@effect-process/core/TimeoutError"]
      ] as const
    ) {
      class Other extends Error {
        get [Symbol.for(key)]() {
          return true
        }
      }
      expect(new Other() instanceof Class).toBe(true)
      expect(new Error() instanceof Class).toBe(false)
      expect(
        new Proxy({}, {
          get: () => {
            throw new Error("trap")
          }
        }) instanceof Class
      ).toBe(false)
    }
    expect(new ProcessError({ reason: "SpawnFailed", command: ["x"] }) instanceof StateError).toBe(false)
    expect(new TimeoutError({ reason: "Run", command: ["x"], timeout: Duration.seconds(1) }) instanceof TimeoutError)
      .toBe(true)
  })
})

describe("a Supervisor whose checks die", () => {
  it.effect("a readiness check that dies: supervision gives up with the defect as the cause; await does not hang", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make(() => ({ stdout: ["up\n"] }))
      const lines: Array<string> = []
      const supervisor = yield* Supervisor.make(["worker"], {
        readiness: Readiness.effect(Effect.sync(() => {
          throw new Error("the check has a bug")
        })),
        relayStderr: false
      }).pipe(
        Effect.provide(spawner.layer),
        Effect.provide(Logger.layer([Logger.make(({ message }) => lines.push(logged(message)))]))
      )
      const exit = yield* Effect.exit(supervisor.await)
      expect(Exit.isFailure(exit) && Cause.hasDies(exit.cause)).toBe(true)
      const events = (yield* Stream.runCollect(supervisor.events)).map((event) => event._tag)
      expect(events).toEqual(["Starting", "GaveUp"])
      expect(lines.some((line) => line.startsWith("giving up on worker: a defect: the check has a bug"))).toBe(true)
      expect(spawner.processes[0]?.signals).toContain("SIGTERM") // the process of that life was stopped
    }))

  it.effect("a health check that dies counts as a failed check: the process is restarted", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make(() => ({ stdout: ["up\n"] }))
      const supervisor = yield* Supervisor.make(["worker"], {
        restart: "always",
        backoff: Schedule.spaced("1 second"),
        healthCheck: { probe: Effect.die("probe bug"), interval: "1 second", failureThreshold: 2 },
        relayStderr: false
      }).pipe(Effect.provide(spawner.layer))
      const events = yield* Effect.forkChild(Stream.runCollect(Stream.take(supervisor.events, 5)))
      yield* TestClock.adjust("3 seconds")
      const tags = (yield* Fiber.join(events)).map((event) => event._tag)
      expect(tags).toEqual(["Starting", "Ready", "Unhealthy", "Exited", "Restarting"])
    }))
})
