import { describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Fiber, Layer } from "effect"
import { ManagedProcess, OutputPattern, ProcessManager, Readiness, TestSpawner } from "effect-process"
import { TestClock } from "effect/testing"

describe("ProcessManager (TestClock, scripted processes)", () => {
  it.effect("tracks live processes and forgets released ones", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make(() => ({}))
      const rows = yield* Effect.gen(function*() {
        yield* ProcessManager.launch(["a"])
        yield* TestClock.adjust("2 seconds")
        yield* Effect.scoped(ProcessManager.launch(["short-lived"]))
        yield* ProcessManager.launch(["b", "--flag"])
        return yield* ProcessManager.list
      }).pipe(Effect.provide(ProcessManager.layer), Effect.provide(spawner.layer))
      expect(rows.map((row) => row.command)).toEqual([["a"], ["b", "--flag"]])
      expect(Duration.toMillis(rows[0]!.uptime)).toBe(2000)
      expect(rows[1]!.status).toEqual({ _tag: "Running" })
    }))

  it.effect("releasing the layer terminates everything in parallel: one grace, not the sum", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make(() => ({ ignore: ["SIGTERM"] }))
      const fiber = yield* Effect.gen(function*() {
        const manager = yield* ProcessManager.ProcessManager
        for (let i = 0; i < 5; i++) yield* manager.launch(["stubborn"], { terminate: { timeout: "1 second" } })
      }).pipe(
        Effect.provide(ProcessManager.layer),
        Effect.provide(spawner.layer),
        Effect.scoped,
        Effect.forkChild
      )
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      expect(spawner.processes).toHaveLength(5)
      expect(spawner.processes.every((proc) => !proc.alive && proc.signals.includes("SIGKILL"))).toBe(true)
    }))
})

describe("ManagedProcess.layer", () => {
  class Api extends Context.Service<Api, { readonly url: string }>()("Api") {}

  it.effect("provides a service built from the ready process, and stops it with the layer", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make(() => ({ stdout: ["listening on 8123\n"] }))
      const ApiLive = ManagedProcess.layer(Api, ["api-server"], {
        readiness: Readiness.output(OutputPattern.regex(/listening on (\d+)/)),
        service: (proc) => ({ url: `http://127.0.0.1:${proc.ready[1]}` })
      })
      const url = yield* Effect.map(Api, (api) => api.url).pipe(
        Effect.provide(ApiLive.pipe(Layer.provide(spawner.layer)))
      )
      expect(url).toBe("http://127.0.0.1:8123")
      expect(spawner.processes[0]!.alive).toBe(false)
    }))
})
