import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { ManagedProcess, OutputPattern, Readiness } from "effect-process"
import { TestClock } from "effect/testing"
import { scripted } from "./TestSpawner.js"

const closed = Layer.succeed(Readiness.Connector, { canConnect: () => Effect.succeed(false) })
const open = Layer.succeed(Readiness.Connector, { canConnect: () => Effect.succeed(true) })

describe("Readiness (TestClock, scripted processes)", () => {
  it.effect("all of two output probes on the same pipe: one pass finds both, in any order", () => {
    const script = scripted({ dieOn: ["SIGTERM"], stdout: ["beta\n", "alpha\n", "rest\n"] })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["x"], {
        readiness: Readiness.all(Readiness.output(["alpha"]), Readiness.output(["beta"]))
      })
      expect(proc.ready).toEqual(["beta\nalpha\n", "beta\n"])
      expect(yield* proc.readLine()).toBe("rest")
    }).pipe(Effect.provide(script.layer))
  })

  it.effect("any of two output probes on the same pipe: the one that appears decides", () => {
    const script = scripted({ dieOn: ["SIGTERM"], stdout: ["beta\n"] })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["x"], {
        readiness: Readiness.any(Readiness.output(["alpha"]), Readiness.output(["beta"]), Readiness.port(1))
      })
      expect(proc.ready).toBe("beta\n")
    }).pipe(Effect.provide(Layer.merge(script.layer, closed)))
  })

  it.effect("nested combinations of output probes merge too", () => {
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

  // Before readiness was tagged data, an output probe inside an `any` beside a port probe was not merged with an
  // output probe outside it: the two read the pipe at once, one failed with ConcurrentRead inside `any` (silently),
  // and the check waited for its timeout.
  it.effect("an output probe nested in any beside a port, and one outside: one reader, both found", () => {
    const script = scripted({ dieOn: ["SIGTERM"], stdout: ["beta\n", "alpha\n", "rest\n"] })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["x"], {
        readiness: Readiness.all(
          Readiness.any(Readiness.output(["alpha"]), Readiness.port(1)),
          Readiness.output(["beta"])
        ),
        readinessTimeout: "5 seconds"
      })
      expect(proc.ready).toEqual(["beta\nalpha\n", "beta\n"])
      // consumed through the last match, not further
      expect(yield* proc.readLine()).toBe("rest")
    }).pipe(Effect.provide(Layer.merge(script.layer, closed)))
  })

  it.effect("when the port decides the any, the output probe outside it still reads the pipe", () => {
    const script = scripted({ dieOn: ["SIGTERM"], stdout: ["beta\n", "rest\n"] })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["x"], {
        readiness: Readiness.all(
          Readiness.any(Readiness.output(["alpha"]), Readiness.port(1)),
          Readiness.output(["beta"])
        ),
        readinessTimeout: "5 seconds"
      })
      expect(proc.ready).toEqual([{ host: "127.0.0.1", port: 1 }, "beta\n"])
      expect(yield* proc.readLine()).toBe("rest")
    }).pipe(Effect.provide(Layer.merge(script.layer, open)))
  })

  it.effect("combinations of any depth mixing output and other probes: every leaf read by one reader", () => {
    const script = scripted({ dieOn: ["SIGTERM"], stdout: ["A\n", "C\n", "B\n", "rest\n"] })
    const never = Readiness.effect(Effect.fail("no"), { description: "never" })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["x"], {
        readiness: Readiness.all(
          Readiness.any(Readiness.all(Readiness.output(["A"]), Readiness.output(["B"])), never),
          Readiness.any(Readiness.output(["C"]), Readiness.all(never, Readiness.stableFor("1 hour")))
        ),
        readinessTimeout: "5 seconds"
      })
      expect(proc.ready).toEqual([["A\n", "A\nC\nB\n"], "A\nC\n"])
      expect(yield* proc.readLine()).toBe("rest")
    }).pipe(Effect.provide(script.layer))
  })

  it.effect("a nested output probe that fails (failOn) loses its any; the check goes on with the others", () => {
    const script = scripted({ dieOn: ["SIGTERM"], stdout: ["FATAL one\n", "ready\n", "other\n"] })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["x"], {
        readiness: Readiness.all(
          Readiness.any(
            Readiness.output(OutputPattern.substring("never").pipe(OutputPattern.failOn(["FATAL"]))),
            Readiness.output(["ready"])
          ),
          Readiness.output(["other"])
        ),
        readinessTimeout: "5 seconds"
      })
      expect(proc.ready).toEqual(["FATAL one\nready\n", "FATAL one\nready\nother\n"])
    }).pipe(Effect.provide(script.layer))
  })

  it.effect("a failOn in a nested output probe that decides the check fails it with ReadinessFailed", () => {
    const script = scripted({ dieOn: ["SIGTERM"], stdout: ["FATAL one\n"] })
    return Effect.gen(function*() {
      const error = yield* Effect.flip(ManagedProcess.make(["x"], {
        readiness: Readiness.all(
          Readiness.any(Readiness.output(["alpha"]), Readiness.port(1)),
          Readiness.output(OutputPattern.substring("never").pipe(OutputPattern.failOn(["FATAL"])))
        ),
        readinessTimeout: "5 seconds"
      }))
      expect(error._tag).toBe("ProcessError")
      if (error._tag === "ProcessError") expect(error.reason).toBe("ReadinessFailed")
      expect(script.alive).toBe(false)
    }).pipe(Effect.provide(Layer.merge(script.layer, closed)))
  })

  it.effect("a timeout of a nested check names the leaves still pending", () => {
    const script = scripted({ dieOn: ["SIGTERM"], stdout: ["alpha\n"] })
    return Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Effect.flip(ManagedProcess.make(["x"], {
        readiness: Readiness.all(
          Readiness.any(Readiness.output(["alpha"]), Readiness.port(1)),
          Readiness.output(["beta"])
        ),
        readinessTimeout: "5 seconds"
      })))
      yield* TestClock.adjust("5 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("TimeoutError")
      if (error._tag === "TimeoutError") {
        expect(error.expected).toContain("beta")
        expect(error.expected).not.toContain("alpha")
      }
      expect(script.alive).toBe(false)
    }).pipe(Effect.provide(Layer.merge(script.layer, closed)))
  })

  it("readiness checks are tagged data", () => {
    const check = Readiness.all(Readiness.any(Readiness.output(["a"]), Readiness.port(1)), Readiness.stableFor(1))
    expect(check._tag).toBe("All")
    expect(check.probes).toEqual(["output all of [\"a\"]", "tcp 127.0.0.1|::1:1", "up for 1ms"])
    expect(Readiness.output(["a"])._tag).toBe("Output")
    expect(Readiness.port(1)._tag).toBe("Probe")
  })

  it.effect("a timeout names the probes still pending", () => {
    const script = scripted({ dieOn: ["SIGTERM"], stdout: ["alpha\n"] })
    return Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Effect.flip(ManagedProcess.make(["x"], {
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

  it.effect("malformed durations in probes are typed errors, not throws", () => {
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
