import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Stream } from "effect"
import { ManagedProcess } from "effect-process"
import { assertStateError } from "./assertions.js"
import { noSurvivors } from "./harness.js"
import { nodeFixture, timed } from "./utils.js"

const MiB = 1024 * 1024

const decode = (chunks: ReadonlyArray<Uint8Array>): string => Buffer.concat(chunks).toString("utf8")

describe("output is always drained", () => {
  it.live("1 MiB on stdout and 1 MiB on stderr with no reader: the child exits normally", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(nodeFixture("flood.js", String(MiB)), { env: t.env }))
        const [exit, elapsed] = yield* timed(proc.awaitExit.pipe(Effect.timeout("20 seconds")))
        expect(exit).toEqual({ exitCode: 0, signal: undefined })
        expect(elapsed).toBeLessThan(10000)
      })
    ))

  it.live("unread output is still there for a later reader (within bufferSize)", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(nodeFixture("flood.js", String(MiB)), { env: t.env }))
        yield* proc.awaitExit.pipe(Effect.timeout("20 seconds"))
        const out = yield* Stream.runFold(proc.stdout, () => 0, (n, chunk) => n + chunk.length).pipe(
          Effect.timeout("10 seconds")
        )
        const err = yield* Stream.runFold(proc.stderr, () => 0, (n, chunk) => n + chunk.length).pipe(
          Effect.timeout("10 seconds")
        )
        expect(out).toBe(MiB)
        expect(err).toBe(MiB)
      })
    ))

  it.live("with a small bufferSize the oldest unread output is dropped, memory stays bounded, the child exits", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(nodeFixture("flood.js", String(4 * MiB)), { env: t.env, bufferSize: 64 * 1024 })
        )
        const exit = yield* proc.awaitExit.pipe(Effect.timeout("20 seconds"))
        expect(exit.exitCode).toBe(0)
        const out = yield* Stream.runFold(proc.stdout, () => 0, (n, chunk) => n + chunk.length).pipe(
          Effect.timeout("10 seconds")
        )
        expect(out).toBeGreaterThan(0)
        expect(out).toBeLessThan(4 * MiB)
      })
    ))

  it.live("the tails keep the most recent output, read or not", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(
            ["sh", "-c", "i=0; while [ $i -lt 2000 ]; do echo \"out $i\"; echo \"err $i\" >&2; i=$((i+1)); done"],
            { env: t.env, tailSize: 1024 }
          )
        )
        yield* proc.awaitExit.pipe(Effect.timeout("20 seconds"))
        const stdoutTail = yield* proc.stdoutTail
        const stderrTail = yield* proc.stderrTail
        expect(stdoutTail).toContain("out 1999")
        expect(stdoutTail).not.toContain("out 1000\n")
        expect(stderrTail).toContain("err 1999")
        expect(stdoutTail.length).toBeLessThanOrEqual(2048)
      })
    ))
})

describe("streams are reusable and lose nothing", () => {
  it.live("a stdout reader that stops early leaves the rest for the next reader", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(nodeFixture("echo-lines.js", "first", "second", "third"), {
            env: { ...t.env, DELAY_MS: "200" }
          })
        )
        const head = decode(yield* Stream.runCollect(Stream.take(proc.stdout, 1)).pipe(Effect.timeout("10 seconds")))
        expect(head.length).toBeGreaterThan(0)
        const rest = decode(yield* Stream.runCollect(proc.stdout).pipe(Effect.timeout("10 seconds")))
        expect(head + rest).toBe("first\nsecond\nthird\n")
      })
    ))

  it.live("takeLines takes the first lines of a burst and leaves the others for the next reader", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(["sh", "-c", "printf 'a\\nb\\nc\\nd\\n'; exec sleep 1000"], { env: t.env })
        )
        expect(yield* proc.takeLines(1, { timeout: "10 seconds" })).toEqual(["a"])
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("b")
        const rest = yield* Stream.runCollect(Stream.take(proc.lines, 2)).pipe(Effect.timeout("10 seconds"))
        expect(rest).toEqual(["c", "d"])
      })
    ))

  it.live("a lines stream delivers a burst as one chunk: a reader that stops inside it consumes the rest", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(["sh", "-c", "printf 'a\\nb\\nc\\n'; sleep 0.3; echo d; exec sleep 1000"], {
            env: t.env
          })
        )
        const chunks = yield* proc.lines.pipe(Stream.chunks, Stream.take(1), Stream.runCollect)
        expect(chunks.map((chunk) => [...chunk])).toEqual([["a", "b", "c"]])
        // What arrived after the pull that consumed the burst is there for the next reader.
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("d")
      })
    ))

  it.live("a partial reader does not break the pipe: the child keeps writing and exits 0", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(
            ["sh", "-c", "echo one; sleep 0.3; i=0; while [ $i -lt 1000 ]; do echo more $i; i=$((i+1)); done"],
            { env: t.env }
          )
        )
        expect(yield* proc.readLine({ timeout: "10 seconds" })).toBe("one")
        const exit = yield* proc.awaitExit.pipe(Effect.timeout("10 seconds"))
        expect(exit).toEqual({ exitCode: 0, signal: undefined })
        const lines = yield* Stream.runCollect(proc.lines).pipe(Effect.timeout("10 seconds"))
        expect(lines.length).toBe(1000)
        expect(lines.at(-1)).toBe("more 999")
      })
    ))

  it.live("a second concurrent reader fails with StateError ConcurrentRead", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sleep", "1000"], { env: t.env }))
        const first = yield* Effect.forkChild(Stream.runDrain(proc.stdout))
        yield* Effect.sleep("200 millis")
        const error = yield* Effect.flip(Stream.runDrain(proc.stdout).pipe(Effect.timeout("5 seconds")))
        assertStateError(error, "ConcurrentRead")
        expect(error.pid).toBe(proc.pid)
        const lineError = yield* Effect.flip(proc.readLine({ timeout: "1 second" }))
        assertStateError(lineError, "ConcurrentRead")
        yield* Fiber.interrupt(first)
      })
    ))

  it.live("once the first reader is done, another may read", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(["sh", "-c", "sleep 0.5; echo late; sleep 1000"], { env: t.env })
        )
        const first = yield* Effect.forkChild(Stream.runDrain(proc.stdout))
        yield* Effect.sleep("100 millis")
        yield* Fiber.interrupt(first)
        expect(yield* proc.readLine({ timeout: "10 seconds" })).toBe("late")
      })
    ))

  it.live("lines ends with a last line that has no newline", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sh", "-c", "printf 'a\\r\\nb\\n\\nlast'"], { env: t.env }))
        const lines = yield* Stream.runCollect(proc.lines).pipe(Effect.timeout("10 seconds"))
        expect(lines).toEqual(["a", "b", "", "last"])
      })
    ))

  it.live("stdout and stderr are read independently", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(["sh", "-c", "echo out; echo err >&2"], { env: t.env, relayStderr: false })
        )
        const [out, err] = yield* Effect.all([Stream.runCollect(proc.lines), Stream.runCollect(proc.stderrLines)], {
          concurrency: 2
        }).pipe(Effect.timeout("10 seconds"))
        expect(out).toEqual(["out"])
        expect(err).toEqual(["err"])
      })
    ))
})
