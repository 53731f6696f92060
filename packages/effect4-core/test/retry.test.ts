import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric, Schedule } from "effect"
import { ManagedProcess, ProcessMetrics, Readiness } from "effect-process"
import { scripted } from "./TestSpawner.js"

describe("resilient launch", () => {
  it.effect("transient spawn failures are retried by default", () => {
    const script = scripted((attempt) => attempt < 2 ? { failSpawn: "EAGAIN" } : { dieOn: ["SIGTERM"] })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["worker"], { retry: Schedule.recurs(5) })
      expect(yield* proc.isRunning).toBe(true)
    }).pipe(Effect.provide(script.layer))
  })

  it.effect("a missing program is not retried unless asked, and the error counts the attempts", () => {
    const script = scripted({ failSpawn: "ENOENT" })
    return Effect.gen(function*() {
      const once = yield* Effect.flip(ManagedProcess.make(["nope"], { retry: Schedule.recurs(5) }))
      expect(once._tag === "ProcessError" && once.attempts).toBe(1)
      const thrice = yield* Effect.flip(
        ManagedProcess.make(["nope"], { retry: Schedule.recurs(2), retryWhile: () => true })
      )
      expect(thrice._tag === "ProcessError" && thrice.attempts).toBe(3)
      expect(thrice.message).toContain("after 3 attempts")
    }).pipe(Effect.provide(script.layer))
  })

  it.effect("widened to ExitedBeforeReady: the failed attempt is cleaned up before the next", () => {
    const script = scripted((attempt) =>
      attempt === 0 ? { stdout: ["boom\n"], exitCode: 1 } : { stdout: ["ready\n"], dieOn: ["SIGTERM"] }
    )
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["server"], {
        readiness: Readiness.output(["ready"]),
        retry: Schedule.recurs(3),
        retryWhile: (error) => error._tag === "ProcessError" && error.reason === "ExitedBeforeReady"
      })
      expect(proc.ready).toBe("ready\n")
      expect(script.spawner.processes).toHaveLength(2)
      expect(script.spawner.processes[0]!.alive).toBe(false)
    }).pipe(Effect.provide(script.layer))
  })
})

describe("metrics", () => {
  it.effect("launches, exits by code and forced kills are counted per program", () => {
    const script = scripted({ dieOn: [] })
    return Effect.gen(function*() {
      const program = `metrics-test-${Math.random().toString(36).slice(2)}`
      const launches = Metric.withAttributes(ProcessMetrics.launches, { program })
      const kills = Metric.withAttributes(ProcessMetrics.forcedKills, { program })
      const killed = Metric.withAttributes(ProcessMetrics.exits, { program, signal: "SIGKILL" })
      const proc = yield* ManagedProcess.make([`/usr/bin/${program}`], { terminate: { timeout: 0 } })
      expect((yield* Metric.value(launches)).count).toBe(1)
      yield* proc.terminate()
      expect((yield* Metric.value(kills)).count).toBe(1)
      expect((yield* Metric.value(killed)).count).toBe(1)
    }).pipe(Effect.provide(script.layer))
  })
})
