// Issue 13 with real processes and Node's own TCP connector: a port out of range, a malformed pattern and an unchecked
// supervisor option are typed InvalidCommand failures, never defects, and leave no process behind.
import { ManagedProcess, OutputPattern, ProcessError, Readiness, Supervisor } from "@effect-process/core"
import { NodeProcess } from "@effect-process/node"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import { expectGone, markedProcesses, markerEnv, newMarker, nodeEval } from "./utils.js"

const invalidCommand = (exit: Exit.Exit<unknown, unknown>): ProcessError => {
  const error = Exit.isFailure(exit) && Cause.isFailType(exit.cause) ? exit.cause.error : undefined
  expect(error, Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "succeeded").toBeInstanceOf(ProcessError)
  expect((error as ProcessError).reason).toBe("InvalidCommand")
  return error as ProcessError
}

describe("hostile input, real processes", () => {
  it.live("Readiness.port(-1 | 70000 | NaN | 1.5) with the Node connector: InvalidCommand, the process stopped", () =>
    Effect.gen(function*() {
      const marker = newMarker()
      for (const port of [-1, 70000, NaN, 1.5]) {
        const exit = yield* Effect.exit(Effect.scoped(ManagedProcess.make(["sleep", "5"], {
          env: markerEnv(marker),
          readiness: Readiness.port(port),
          readinessTimeout: "2 seconds"
        })))
        const error = invalidCommand(exit)
        expect(error.command).toEqual(["sleep", "5"])
        expect(error.detail).toBe(`port must be an integer from 1 to 65535 (got ${port})`)
      }
      yield* expectGone([], [], "3 seconds", [marker])
    }).pipe(Effect.provide(NodeProcess.layer)))

  it.live("waitForOutput(\"line1\") and OutputPattern.regex(\"line\"): InvalidCommand, the output left unread", () =>
    Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(nodeEval("console.log('line1'); setTimeout(() => {}, 5000)"))
      for (const pattern of ["line1", null, {}, OutputPattern.regex("line" as never)]) {
        const error = invalidCommand(yield* Effect.exit(proc.waitForOutput(pattern as never)))
        expect(error.pid).toBe(proc.pid)
      }
      expect(yield* proc.readLine()).toBe("line1")
    }).pipe(Effect.scoped, Effect.provide(NodeProcess.layer)))

  it.live("Supervisor healthCheck.failureThreshold 0: InvalidCommand from make, nothing started", () =>
    Effect.gen(function*() {
      const marker = newMarker()
      const exit = yield* Effect.exit(Effect.scoped(Supervisor.make(["sleep", "2"], {
        env: markerEnv(marker),
        healthCheck: { probe: Effect.void, interval: "50 millis", failureThreshold: 0 }
      })))
      expect(invalidCommand(exit).detail).toBe("healthCheck.failureThreshold must be a positive integer (got 0)")
      expect(markedProcesses(marker)).toEqual([])
    }).pipe(Effect.provide(NodeProcess.layer)))
})
