// Found by adversarial probes (issue 13): out-of-range ports, malformed patterns, unchecked supervisor options and
// schedules that fail or are not schedules. Each is a typed failure, never a defect, a throw or a hang.
import { ManagedProcess, OutputPattern, ProcessError, Readiness, Supervisor, TestSpawner } from "@effect-process/core"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Layer, Option, Schedule, TestClock } from "effect"
import { scripted } from "./TestSpawner.js"

/** One typed `ProcessError` (no defect, nothing else in the cause), returned for more checks. */
const invalidCommand = (exit: Exit.Exit<unknown, unknown>): ProcessError => {
  const error = Exit.isFailure(exit) && Cause.isFailType(exit.cause) ? exit.cause.error : undefined
  expect(error, Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "succeeded").toBeInstanceOf(ProcessError)
  expect((error as ProcessError).reason).toBe("InvalidCommand")
  return error as ProcessError
}

/** A connector like Node's: a port out of range is a `RangeError` (a defect); any other port is closed. */
const nodeLikeConnector = Layer.succeed(Readiness.Connector, {
  canConnect: (_host, port) =>
    Number.isInteger(port) && port >= 0 && port < 65536
      ? Effect.succeed(false)
      : Effect.die(new RangeError(`Port should be >= 0 and < 65536. Received ${port}`))
})

describe("F10: Readiness.port refuses a port that is not an integer from 1 to 65535", () => {
  it.scopedLive("as InvalidCommand when the probe runs, with the process's command; the process is stopped", () => {
    const script = scripted({ dieOn: ["SIGTERM"] })
    return Effect.gen(function*() {
      for (const port of [-1, 70000, NaN, 1.5, 0, Infinity, "80", null]) {
        const exit = yield* Effect.exit(Effect.scoped(ManagedProcess.make(["server", "--port"], {
          readiness: Readiness.port(port as never),
          readinessTimeout: "300 millis"
        })))
        const error = invalidCommand(exit)
        expect(error.command).toEqual(["server", "--port"])
        expect(error.detail).toContain("port must be an integer from 1 to 65535")
        expect(script.alive).toBe(false)
      }
      const host = invalidCommand(
        yield* Effect.exit(Effect.scoped(ManagedProcess.make(["server"], {
          readiness: Readiness.port(80, { host: 42 as never })
        })))
      )
      expect(host.detail).toContain("host must be a non-empty string (got number)")
      // Options that are null are no options (building a readiness check never throws).
      expect(() => Readiness.port(80, null as never)).not.toThrow()
    }).pipe(Effect.provide(Layer.merge(script.layer, nodeLikeConnector)))
  })
})

describe("F11: a malformed pattern fails its use with InvalidCommand", () => {
  const expectInvalidUse = (
    use: (proc: ManagedProcess.ManagedProcess) => Effect.Effect<unknown, unknown>,
    detail: string
  ) => {
    const script = scripted({ dieOn: ["SIGTERM"], stdout: ["line1\n", "line2\n"] })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["app"])
      const error = invalidCommand(yield* Effect.exit(use(proc)))
      expect(error.pid).toBe(proc.pid)
      expect(error.detail).toContain(detail)
      // Nothing was consumed: the output is still there for the next reader.
      expect(yield* proc.readLine()).toBe("line1")
    }).pipe(Effect.provide(script.layer))
  }

  it.scoped("waitForOutput with a string, null or {} (an array of strings or an OutputPattern is asked)", () =>
    Effect.gen(function*() {
      for (const [pattern, got] of [["line1", "a string"], [null, "null"], [{}, "object"], [42, "number"]] as const) {
        yield* expectInvalidUse(
          (proc) => proc.waitForOutput(pattern as never, { timeout: "1 second" }),
          `waitForOutput: the pattern must be an array of strings or an OutputPattern (got ${got})`
        )
      }
      yield* expectInvalidUse(
        (proc) => proc.waitForOutput(["line1", 7] as never),
        "the parts must be strings (part 1 is number)"
      )
    }))

  it.scoped("constructors given the wrong kind of argument", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [OutputPattern.OutputPattern<unknown>, string]> = [
        [OutputPattern.regex("line" as never), "OutputPattern.regex: the pattern must be a RegExp (got a string)"],
        [OutputPattern.substring(42 as never), "OutputPattern.substring: the text must be a string (got number)"],
        [OutputPattern.allParts("line" as never), "OutputPattern.allParts: the parts must be an array of strings"],
        [OutputPattern.line("parse" as never), "OutputPattern.line: the parser must be a function (got a string)"],
        [OutputPattern.any(OutputPattern.substring("line1"), "x" as never), "OutputPattern.any: argument 2 is not"],
        [OutputPattern.all(null as never), "OutputPattern.all: argument 1 is not an OutputPattern (got null)"],
        [OutputPattern.times(null as never, 2), "OutputPattern.times: not an OutputPattern (got null)"],
        [OutputPattern.times(OutputPattern.substring("line1"), "2" as never), "the count must be a positive integer"],
        [OutputPattern.failOn(OutputPattern.substring("line1"), "x" as never), "the failures must be an array"],
        [OutputPattern.failOn(OutputPattern.substring("line1"), [42 as never]), "failure 1 is not a string"],
        [OutputPattern.fromSource(OutputPattern.substring("line1"), "all" as never), "\"stdout\", \"stderr\" or"],
        // nested: the invalid part fails the whole pattern, before anything is read
        [OutputPattern.any(OutputPattern.substring("line1"), OutputPattern.regex({} as never)), "must be a RegExp"]
      ]
      for (const [pattern, detail] of cases) {
        yield* expectInvalidUse((proc) => proc.waitForOutput(pattern, { timeout: "1 second" }), detail)
      }
    }))

  it.scoped("OutputPattern.line whose parser returns something that is not an Option (null): refused", () =>
    Effect.gen(function*() {
      for (const result of [null, undefined, "line1", true]) {
        yield* expectInvalidUse(
          (proc) => proc.waitForOutput(OutputPattern.line(() => result as never), { timeout: "1 second" }),
          "OutputPattern.line: the parser must return an Option"
        )
      }
      // A parser that keeps its contract is unchanged.
      const script = scripted({ dieOn: ["SIGTERM"], stdout: ["line1\n", "line2\n"] })
      const proc = yield* ManagedProcess.make(["app"]).pipe(Effect.provide(script.layer))
      const value = yield* proc.waitForOutput(
        OutputPattern.line((line) => line === "line2" ? Option.some(2) : Option.none())
      )
      expect(value).toBe(2)
    }))

  it.scoped("as readiness: Readiness.output(\"x\"), output of a malformed pattern, all/any of what is not a check", () => {
    const script = scripted({ dieOn: ["SIGTERM"], stdout: ["line1\n"] })
    return Effect.gen(function*() {
      const checks: ReadonlyArray<readonly [Readiness.Readiness<unknown, unknown, never>, string]> = [
        [Readiness.output("x" as never), "Readiness.output: the pattern must be an array of strings or an"],
        [Readiness.output(OutputPattern.regex("x" as never)), "OutputPattern.regex: the pattern must be a RegExp"],
        [
          Readiness.all(Readiness.output(["line1"]), Readiness.output(OutputPattern.regex("x" as never))),
          "OutputPattern.regex: the pattern must be a RegExp"
        ],
        [Readiness.all(Readiness.output(["line1"]), 42 as never), "Readiness.all: argument 2 is not a Readiness"],
        [Readiness.any(undefined as never), "Readiness.any: argument 1 is not a Readiness (got undefined)"]
      ]
      for (const [readiness, detail] of checks) {
        const error = invalidCommand(
          yield* Effect.exit(Effect.scoped(
            ManagedProcess.make(["app"], { readiness, readinessTimeout: "1 second" })
          ))
        )
        expect(error.command).toEqual(["app"])
        expect(error.detail).toContain(detail)
        expect(script.alive).toBe(false)
      }
    }).pipe(Effect.provide(script.layer))
  })
})

describe("F12: Supervisor refuses counts and policies that are not what they must be", () => {
  it.scoped("healthCheck.failureThreshold, startLimit.burst, restart, successExitCodes, healthCheck: InvalidCommand", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make(() => ({ ignore: [] }))
      const probe = Effect.void
      const cases: ReadonlyArray<readonly [Supervisor.Options, string]> = [
        ...[0, NaN, -1, 1.5, Infinity, "3"].map((failureThreshold) =>
          [
            { healthCheck: { probe, interval: "50 millis", failureThreshold: failureThreshold as never } },
            "healthCheck.failureThreshold must be a positive integer"
          ] as const
        ),
        ...[0, NaN, -1, 1.5, "5", null].map((burst) =>
          [
            { startLimit: { burst: burst as never, interval: "1 second" } },
            "startLimit.burst must be a positive integer or Infinity"
          ] as const
        ),
        [{ startLimit: 5 as never }, "startLimit must be an object { burst, interval } (got number)"],
        [
          { restart: "sometimes" as never },
          "restart must be \"always\", \"on-failure\" or \"never\" (got \"sometimes\")"
        ],
        [{ successExitCodes: 0 as never }, "successExitCodes must be an array of integers from 0 to 255 (got number)"],
        [{ successExitCodes: [0, "1"] as never }, "successExitCodes must be an array of integers from 0 to 255"],
        [{ successExitCodes: [1.5] }, "successExitCodes must be an array of integers from 0 to 255"],
        [{ healthCheck: 5 as never }, "healthCheck must be an object with a probe (got number)"],
        [{ healthCheck: { probe: "curl" as never } }, "healthCheck.probe must be an Effect or a Readiness"]
      ]
      for (const [options, detail] of cases) {
        const exit = yield* Effect.exit(
          Effect.scoped(Supervisor.make(["web"], options)).pipe(
            Effect.provide(spawner.layer)
          )
        )
        const error = invalidCommand(exit)
        expect(error.command).toEqual(["web"])
        expect(error.detail).toContain(detail)
      }
      expect(spawner.processes).toHaveLength(0)
      // A start limit of Infinity is no start limit; a failureThreshold of 1 is accepted.
      const ok = yield* Supervisor.make(["web"], {
        startLimit: { burst: Infinity, interval: "1 second" },
        healthCheck: { probe, failureThreshold: 1 }
      }).pipe(Effect.provide(spawner.layer))
      yield* TestClock.adjust("1 millis")
      expect(Option.isSome(yield* ok.current)).toBe(true)
    }))
})

describe("F13: schedules that fail or are not schedules", () => {
  it.scoped("a backoff that is not a Schedule is refused by Supervisor.make, nothing started", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make(() => ({ exitCode: 1 }))
      for (const [backoff, got] of [["fast", "a string"], [42, "number"], [{}, "object"], [null, "null"]] as const) {
        const exit = yield* Effect.exit(
          Effect.scoped(Supervisor.make(["web"], { backoff: backoff as never })).pipe(Effect.provide(spawner.layer))
        )
        expect(invalidCommand(exit).detail).toBe(`backoff must be a Schedule (got ${got})`)
      }
      const retry = yield* Effect.exit(
        Effect.scoped(Supervisor.make(["web"], { retry: "fast" as never })).pipe(Effect.provide(spawner.layer))
      )
      expect(invalidCommand(retry).detail).toBe("retry must be a Schedule (got a string)")
      expect(spawner.processes).toHaveLength(0)
    }))

  it.scoped("a backoff that fails gives up typed: GaveUp naming the backoff, its failure as the cause", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make(() => ({ exitCode: 1 }))
      const failing = Schedule.mapEffect(Schedule.recurs(5), (() => Effect.fail("schedule-boom")) as never) as never
      const supervisor = yield* Supervisor.make(["web"], { backoff: failing, relayStderr: false }).pipe(
        Effect.provide(spawner.layer)
      )
      const outcome = yield* Effect.fork(Effect.exit(supervisor.await))
      yield* TestClock.adjust("1 second")
      const exit = yield* Fiber.join(outcome)
      const error = Exit.isFailure(exit) && Cause.isFailType(exit.cause) ? exit.cause.error : undefined
      expect(error).toBeInstanceOf(ProcessError)
      expect(error?.reason).toBe("GaveUp")
      expect(error?.detail).toContain("the backoff schedule failed")
      expect(error?.cause).toBe("schedule-boom")
      expect(spawner.processes).toHaveLength(1)
    }))

  it.scoped("make with a retry that is not a Schedule, or a retryWhile that is not a function: InvalidCommand", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make(() => ({ exitCode: 0 }))
      for (const retry of ["fast", 42, {}]) {
        const exit = yield* Effect.exit(
          Effect.scoped(ManagedProcess.make(["true"], { retry: retry as never })).pipe(Effect.provide(spawner.layer))
        )
        expect(invalidCommand(exit).detail).toContain("retry must be a Schedule")
      }
      const exit = yield* Effect.exit(
        Effect.scoped(ManagedProcess.make(["true"], { retry: Schedule.recurs(1), retryWhile: "yes" as never })).pipe(
          Effect.provide(spawner.layer)
        )
      )
      expect(invalidCommand(exit).detail).toBe("retryWhile must be a function (got a string)")
      expect(spawner.processes).toHaveLength(0)
    }))

  it.scoped("a retry schedule that fails ends the retries: the last attempt's error, with its attempts", () => {
    const script = scripted({ failSpawn: "ENOENT" })
    return Effect.gen(function*() {
      const failing = Schedule.mapEffect(Schedule.recurs(5), (() => Effect.fail("sched-boom")) as never) as never
      const exit = yield* Effect.exit(Effect.scoped(
        ManagedProcess.make(["/nonexistent"], { retry: failing, retryWhile: () => true })
      ))
      const error = Exit.isFailure(exit) && Cause.isFailType(exit.cause) ? exit.cause.error : undefined
      expect(error, String(exit)).toBeInstanceOf(ProcessError)
      expect(error?._tag === "ProcessError" && error.reason).toBe("SpawnFailed")
      expect(error?._tag === "ProcessError" && error.attempts).toBe(1)
    }).pipe(Effect.provide(script.layer))
  })
})
