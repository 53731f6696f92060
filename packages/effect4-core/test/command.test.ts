import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect } from "effect"
import { ManagedProcess, ProcessSpawner, Readiness, Supervisor } from "effect-process"
import * as ChildProcess from "effect/process/ChildProcess"
import { scripted } from "./TestSpawner.js"

describe("command validation", () => {
  const script = scripted({ exitCode: 0 })
  const invalid = (command: ReadonlyArray<string>, options?: ManagedProcess.Options) =>
    Effect.scoped(ManagedProcess.make(command, options)).pipe(Effect.flip, Effect.provide(script.layer))

  it.effect("an empty argv is refused", () =>
    Effect.gen(function*() {
      expect((yield* invalid([])).reason).toBe("InvalidCommand")
      expect((yield* invalid([""])).reason).toBe("InvalidCommand")
      expect(script.last).toBeUndefined()
    }))

  it.effect("a NUL byte in an argument, the cwd or an env value is refused, without printing the value", () =>
    Effect.gen(function*() {
      expect((yield* invalid(["echo", "a\0b"])).reason).toBe("InvalidCommand")
      expect((yield* invalid(["echo"], { cwd: "/tmp\0" })).reason).toBe("InvalidCommand")
      const error = yield* invalid(["echo"], { env: { SECRET: "hunter2\0" } })
      expect(error.reason).toBe("InvalidCommand")
      expect(error.message).toContain("SECRET")
      expect(error.message).not.toContain("hunter2")
      expect(script.last).toBeUndefined()
    }))

  // Every option is decoded before anything is started: a bad readinessTimeout used to be found only after the
  // launch (the process was started, then stopped again).
  it.effect("a bad readinessTimeout, waitDelay or terminate option is refused before anything is started", () =>
    Effect.gen(function*() {
      const readiness = Readiness.effect(Effect.void)
      expect((yield* invalid(["server"], { readiness, readinessTimeout: Number.NaN })).reason).toBe("InvalidCommand")
      expect((yield* invalid(["server"], { readinessTimeout: "soon" as never })).reason).toBe("InvalidCommand")
      expect((yield* invalid(["server"], { waitDelay: -1 })).reason).toBe("InvalidCommand")
      expect((yield* invalid(["server"], { terminate: { killTimeout: "-1 second" } })).reason).toBe("InvalidCommand")
      expect(script.last).toBeUndefined()
    }))

  it.effect("a Supervisor of an invalid command fails at once, typed, and starts nothing", () =>
    Effect.gen(function*() {
      const error = yield* Effect.scoped(Supervisor.make(["server"], { waitDelay: "soon" as never })).pipe(
        Effect.flip,
        Effect.provide(script.layer)
      )
      expect(error.reason).toBe("InvalidCommand")
      expect(script.last).toBeUndefined()
    }))

  // Found by adversarial probes: these were accepted (the child started) or died as defects.
  it.effect("options of the wrong shape are InvalidCommand, never a defect, and start nothing", () =>
    Effect.gen(function*() {
      const throwing = Object.defineProperty({}, "A", {
        enumerable: true,
        get: () => {
          throw new Error("no")
        }
      })
      const cases: ReadonlyArray<readonly [ManagedProcess.CommandInput, ManagedProcess.Options]> = [
        [["echo"], { relayStderr: "toString" as never }],
        [["echo"], { relayStderr: "__proto__" as never }],
        [["echo"], { env: new Map([["A", "1"]]) as never }],
        [ChildProcess.make("echo"), { env: "A=1" as never }],
        [ChildProcess.make("echo"), { env: ["A=1"] as never }],
        [["echo"], { env: throwing }],
        [["echo"], { terminate: { signal: Object.create(null) } }]
      ]
      for (const [command, options] of cases) {
        const exit = yield* Effect.exit(
          Effect.scoped(ManagedProcess.make(command, options)).pipe(Effect.provide(script.layer))
        )
        // one typed failure, no defect
        const reasons = exit._tag === "Failure" ? exit.cause.reasons : []
        expect(reasons.length === 1 && reasons[0]!._tag).toBe("Fail")
        if (reasons.length === 1 && Cause.isFailReason(reasons[0]!)) {
          expect((reasons[0].error as { reason?: string }).reason).toBe("InvalidCommand")
        }
      }
      expect(script.last).toBeUndefined()
    }))

  it("the environment is built from the parent's: unset names and prefixes, then set", () => {
    const env = ProcessSpawner.resolveEnvironment(
      { PATH: "/bin", COVERAGE_FILE: "c", COV_CORE_X: "y", DROP: "1", KEEP: "k" },
      { extend: true, unset: ["DROP", "COVERAGE*", "COV_CORE*"], set: { KEEP: undefined, NEW: "n" } }
    )
    expect(env).toEqual({ PATH: "/bin", NEW: "n" })
    expect(ProcessSpawner.resolveEnvironment({ PATH: "/bin" }, { extend: false, unset: [], set: { A: "1" } }))
      .toEqual({ A: "1" })
  })
})
