import { ManagedProcess, Readiness } from "@effect-process/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, TestClock } from "effect"
import { scripted } from "./TestSpawner.js"

const closed = Layer.succeed(Readiness.Connector, { canConnect: () => Effect.succeed(false) })

describe("Readiness (TestClock, scripted processes)", () => {
  it.scoped("all of two output probes on the same pipe: one pass finds both, in any order", () => {
    const script = scripted({ dieOn: ["SIGTERM"], stdout: ["beta\n", "alpha\n", "rest\n"] })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["x"], {
        readiness: Readiness.all(Readiness.output(["alpha"]), Readiness.output(["beta"]))
      })
      expect(proc.ready).toEqual(["beta\nalpha\n", "beta\n"])
      expect(yield* proc.readLine()).toBe("rest")
    }).pipe(Effect.provide(script.layer))
  })

  it.scoped("any of two output probes on the same pipe: the one that appears decides", () => {
    const script = scripted({ dieOn: ["SIGTERM"], stdout: ["beta\n"] })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["x"], {
        readiness: Readiness.any(Readiness.output(["alpha"]), Readiness.output(["beta"]), Readiness.port(1))
      })
      expect(proc.ready).toBe("beta\n")
    }).pipe(Effect.provide(Layer.merge(script.layer, closed)))
  })

  it.scoped("nested combinations of output probes merge too", () => {
    const script = scripted({ dieOn: ["SIGTERM"], stdout: ["gamma\n", "beta\n"] })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["x"], {
        readiness: Readiness.all(
          Readiness.any(Readiness.output(["alpha"]), Readiness.output(["beta"])),
          Readiness.output(["gamma"])
        )
      })
      expect(proc.ready).toEqual(["gamma\nbeta\n", "gamma\n"])
    }).pipe(Effect.provide(script.layer))
  })

  it.scoped("a timeout names the probes still pending", () => {
    const script = scripted({ dieOn: ["SIGTERM"], stdout: ["alpha\n"] })
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(ManagedProcess.make(["x"], {
        readiness: Readiness.all(Readiness.output(["alpha"]), Readiness.output(["beta"]), Readiness.port(1)),
        readinessTimeout: "5 seconds"
      })))
      yield* TestClock.adjust("5 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("TimeoutError")
      if (error._tag === "TimeoutError") {
        expect(error.expected).toContain("tcp 127.0.0.1|::1:1")
        expect(error.expected).toContain("beta")
      }
      expect(script.alive).toBe(false)
    }).pipe(Effect.provide(Layer.merge(script.layer, closed)))
  })

  it.scoped("malformed durations in probes are typed errors, not throws", () => {
    const script = scripted({ dieOn: ["SIGTERM"] })
    return Effect.gen(function*() {
      for (
        const readiness of [
          Readiness.stableFor("soon" as never),
          Readiness.stableFor(-5),
          Readiness.port(80, { attemptTimeout: "xx" as never })
        ]
      ) {
        const error = yield* Effect.flip(ManagedProcess.make(["x"], { readiness }))
        expect(error._tag).toBe("ProcessError")
        if (error._tag === "ProcessError") expect(error.reason).toBe("InvalidCommand")
        expect(script.alive).toBe(false)
      }
    }).pipe(Effect.provide(Layer.merge(script.layer, closed)))
  })
})
