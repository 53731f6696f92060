import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Option, Stream } from "effect"
import { ManagedProcess, OutputPattern } from "effect-process"
import { TestClock } from "effect/testing"
import { scripted } from "./TestSpawner.js"

describe("reading (TestClock, scripted process)", () => {
  it.effect("a timed-out readLine loses nothing", () => {
    const script = scripted({ dieOn: ["SIGTERM"] })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["x"])
      const first = yield* Effect.forkChild(Effect.flip(proc.readLine({ timeout: "2 seconds" })))
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(first)
      expect(error._tag).toBe("TimeoutError")
      script.last!.writeStdout("late line\n")
      expect(yield* proc.readLine()).toBe("late line")
    }).pipe(Effect.provide(script.layer))
  })

  it.effect("waitForOutput fails at once when the output ends before a match", () => {
    const script = scripted({ stdout: ["starting\n", "crash"], exitCode: 1 })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["x"])
      const error = yield* Effect.flip(proc.waitForOutput(["ready"], { timeout: "1 hour" }))
      expect(error._tag).toBe("ProcessError")
      if (error._tag === "ProcessError") {
        expect(error.reason).toBe("ExitedBeforeMatch")
        expect(error.exitCode).toBe(1)
        expect(error.stdoutTail).toContain("crash")
      }
    }).pipe(Effect.provide(script.layer))
  })

  it.effect("waitForOutput times out with what it saw", () => {
    const script = scripted({ dieOn: ["SIGTERM"], stdout: ["booting\n"] })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["x"])
      const fiber = yield* Effect.forkChild(Effect.flip(proc.waitForOutput(["ready"])))
      yield* TestClock.adjust("10 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("TimeoutError")
      if (error._tag === "TimeoutError") {
        expect(error.reason).toBe("WaitForOutput")
        expect(error.seen).toBe("booting\n")
      }
      // The wait gave up: what it examined is still there for the next reader.
      expect(yield* proc.readLine()).toBe("booting")
    }).pipe(Effect.provide(script.layer))
  })

  it.effect("a regex match yields its groups and leaves the following output", () => {
    const script = scripted({ dieOn: ["SIGTERM"], stdout: ["noise\nlisten", "ing on 8080\nnext\n"] })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["x"])
      const match = yield* proc.waitForOutput(OutputPattern.regex(/listening on (\d+)/))
      expect(match[1]).toBe("8080")
      expect(yield* proc.readLine()).toBe("next")
    }).pipe(Effect.provide(script.layer))
  })

  it.effect("a parser yields a typed value", () => {
    const script = scripted({ dieOn: ["SIGTERM"], stdout: ["port=1234\n"] })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["x"])
      const port = yield* ManagedProcess.waitForOutput(
        proc,
        OutputPattern.line((line) => line.startsWith("port=") ? Option.some(Number(line.slice(5))) : Option.none())
      )
      expect(port).toBe(1234)
    }).pipe(Effect.provide(script.layer))
  })

  it.effect("takeLines consumes exactly the lines it returns: the next reader gets the rest", () => {
    const script = scripted({ stdout: ["a\nb\n", "c\n"], exitCode: 0 })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["x"])
      expect(yield* proc.takeLines(1)).toEqual(["a"])
      const rest = yield* Stream.runCollect(proc.lines)
      expect(rest).toEqual(["b", "c"])
    }).pipe(Effect.provide(script.layer))
  })

  it.effect("a stream takes everything that has arrived per pull: stopping inside it consumes the rest", () => {
    const script = scripted({ stdout: ["a\nb\n", "c\n"], exitCode: 0 })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["x"])
      const first = yield* Stream.runCollect(Stream.take(proc.lines, 1))
      expect(first).toEqual(["a"])
      // The stream is reusable; the lines of the pull it stopped in were consumed with it.
      expect(yield* Stream.runCollect(proc.lines)).toEqual([])
    }).pipe(Effect.provide(script.layer))
  })

  it.effect("takeLines that times out puts back the lines it took", () => {
    const script = scripted({ dieOn: ["SIGTERM"], stdout: ["one\ntwo\n"] })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["x"])
      const reading = yield* Effect.forkChild(Effect.flip(proc.takeLines(3, { timeout: "1 second" })))
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(reading)
      expect(error._tag).toBe("TimeoutError")
      expect(yield* proc.takeLines(2)).toEqual(["one", "two"])
    }).pipe(Effect.provide(script.layer))
  })

  it.effect("a second concurrent reader is refused", () => {
    const script = scripted({ dieOn: ["SIGTERM"], stdout: ["first"] })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["x"])
      const reading = yield* Deferred.make<void>()
      const reader = yield* Effect.forkChild(
        Stream.runDrain(Stream.tap(proc.stdout, () => Deferred.succeed(reading, void 0)))
      )
      yield* Deferred.await(reading)
      const error = yield* Effect.flip(proc.readLine())
      expect(error._tag).toBe("StateError")
      if (error._tag === "StateError") expect(error.reason).toBe("ConcurrentRead")
      yield* Fiber.interrupt(reader)
    }).pipe(Effect.provide(script.layer))
  })

  it.effect("use after release is a StateError", () => {
    const script = scripted({ dieOn: ["SIGTERM"] })
    return Effect.gen(function*() {
      const proc = yield* Effect.scoped(ManagedProcess.make(["x"]))
      const error = yield* Effect.flip(proc.write("x"))
      expect(error._tag).toBe("StateError")
      if (error._tag === "StateError") expect(error.reason).toBe("Released")
      expect(yield* proc.isRunning).toBe(false)
    }).pipe(Effect.provide(script.layer))
  })
})
