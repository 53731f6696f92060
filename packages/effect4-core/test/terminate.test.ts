import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber } from "effect"
import { ManagedProcess } from "effect-process"
import { TestClock } from "effect/testing"
import { scripted } from "./TestSpawner.js"

describe("terminate policy (TestClock, scripted process)", () => {
  it.effect("a process that exits on SIGTERM: Exited, no SIGKILL", () => {
    const script = scripted({ dieOn: ["SIGTERM"] })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["server"])
      const outcome = yield* proc.terminate()
      expect(outcome._tag).toBe("Exited")
      expect(script.signals).not.toContain("SIGKILL")
      expect(script.signals[0]).toBe("SIGTERM")
    }).pipe(Effect.provide(script.layer))
  })

  it.effect("a process that ignores SIGTERM is SIGKILLed exactly when the grace runs out", () => {
    const script = scripted({ dieOn: [] })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["stubborn"], { terminate: { timeout: "7 seconds" } })
      const fiber = yield* Effect.forkChild(proc.terminate())
      yield* TestClock.adjust("6999 millis")
      expect(script.signals).not.toContain("SIGKILL")
      expect(fiber.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust("1 millis")
      const outcome = yield* Fiber.join(fiber)
      expect(outcome._tag).toBe("Killed")
      expect(Duration.toMillis(outcome.elapsed)).toBe(7000)
      expect(script.signals).toEqual(["SIGTERM", "SIGCONT", "SIGKILL"])
    }).pipe(Effect.provide(script.layer))
  })

  it.effect("an unknown signal name is a typed InvalidCommand: at launch, in terminate and in kill, nothing sent", () => {
    const script = scripted({ dieOn: ["SIGTERM"] })
    return Effect.gen(function*() {
      const bogus = "SIGFOO" as never
      const atLaunch = yield* Effect.flip(ManagedProcess.make(["x"], { terminate: { signal: bogus } }))
      expect(atLaunch._tag === "ProcessError" && atLaunch.reason).toBe("InvalidCommand")
      expect(script.spawner.processes).toHaveLength(0)
      const proc = yield* ManagedProcess.make(["x"])
      const inTerminate = yield* Effect.flip(proc.terminate({ signal: bogus }))
      expect(inTerminate.reason).toBe("InvalidCommand")
      const inKill = yield* Effect.flip(proc.kill(bogus))
      expect(inKill._tag === "ProcessError" && inKill.reason).toBe("InvalidCommand")
      expect(script.signals).toEqual([])
    }).pipe(Effect.provide(script.layer))
  })

  it.effect("the configured signal is sent, and terminate runs once", () => {
    const script = scripted({ dieOn: ["SIGINT"] })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["repl"], { terminate: { signal: "SIGINT" } })
      const [a, b] = yield* Effect.all([proc.terminate(), ManagedProcess.terminate(proc)], { concurrency: 2 })
      expect(a).toBe(b)
      expect(script.signals.filter((signal) => signal === "SIGINT")).toHaveLength(1)
    }).pipe(Effect.provide(script.layer))
  })

  it.effect("a process that already exited: AlreadyExited, no signal sent", () => {
    const script = scripted({ exitCode: 0 })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["true"])
      const outcome = yield* proc.terminate()
      expect(outcome._tag).toBe("AlreadyExited")
      expect(script.signals).toEqual([])
    }).pipe(Effect.provide(script.layer))
  })

  it.effect("the release uses the launch options and never fails", () => {
    const script = scripted({ dieOn: [] })
    return Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(
        Effect.scoped(
          ManagedProcess.make(["stubborn"], { terminate: { timeout: "1 second", killTimeout: "1 second" } })
        )
      )
      // The release starts some time after the fork: step the clock until it is done.
      for (let step = 0; step < 10 && fiber.pollUnsafe() === undefined; step++) {
        expect(script.signals.includes("SIGKILL")).toBe(step > 2)
        yield* TestClock.adjust("500 millis")
      }
      yield* Fiber.join(fiber)
      expect(script.signals).toContain("SIGKILL")
      expect(script.alive).toBe(false)
    }).pipe(Effect.provide(script.layer))
  })

  it.effect("interrupting terminate() does not interrupt the termination", () => {
    const script = scripted({ dieOn: [] })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["stubborn"], { terminate: { timeout: "2 seconds" } })
      const caller = yield* Effect.forkChild(proc.terminate())
      yield* TestClock.adjust("1 second")
      yield* Fiber.interrupt(caller)
      yield* TestClock.adjust("1 second")
      const outcome = yield* proc.terminate()
      expect(outcome._tag).toBe("Killed")
      expect(Duration.toMillis(outcome.elapsed)).toBe(2000)
    }).pipe(Effect.provide(script.layer))
  })

  it.effect("negative durations are refused with a typed error", () => {
    const script = scripted({ dieOn: ["SIGTERM"] })
    return Effect.gen(function*() {
      const error = yield* Effect.flip(ManagedProcess.make(["x"], { terminate: { timeout: -5 } }))
      expect(error.reason).toBe("InvalidCommand")
      expect(error.message).toContain("terminate.timeout")
      const proc = yield* ManagedProcess.make(["x"])
      const readError = yield* Effect.flip(proc.readLine({ timeout: "-1 seconds" }))
      expect(readError._tag).toBe("ProcessError")
      expect(script.last).toBeDefined()
    }).pipe(Effect.provide(script.layer))
  })
})
