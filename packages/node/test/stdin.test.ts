import { ManagedProcess } from "@effect-process/core"
import * as Command from "@effect/platform/Command"
import * as PlatformError from "@effect/platform/Error"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Stream } from "effect"
import { assertProcessError, assertStateError } from "./assertions.js"
import { noSurvivors } from "./harness.js"
import { captureLogs, isAlive, timed } from "./utils.js"

describe("stdin", () => {
  it.live("write then read back through cat", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["cat"], { env: t.env }))
        yield* proc.write("hello\n")
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("hello")
        yield* proc.write(new TextEncoder().encode("bytes é\n"))
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("bytes é")
        yield* ManagedProcess.write(proc, "data-first\n")
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("data-first")
      })
    ))

  it.live("a large write (4 MiB) goes through while the output is drained", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sh", "-c", "wc -c"], { env: t.env }))
        yield* proc.write(new Uint8Array(4 * 1024 * 1024).fill(97)).pipe(Effect.timeout("20 seconds"))
        yield* proc.closeStdin
        expect((yield* proc.readLine({ timeout: "10 seconds" })).trim()).toBe(String(4 * 1024 * 1024))
      })
    ))

  it.live("a write that blocks (the child does not read) does not hang the release", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const [[pid, fiber], elapsed] = yield* timed(Effect.scoped(Effect.gen(function*() {
          const proc = t.track(yield* ManagedProcess.make(["sleep", "1000"], { env: t.env }))
          const fiber = yield* Effect.fork(proc.write(new Uint8Array(8 * 1024 * 1024)))
          yield* Effect.sleep("200 millis")
          // 8 MiB cannot fit in a pipe nobody reads: the write is still pending
          expect(fiber.unsafePoll()).toBeNull()
          return [proc.pid, fiber] as const
        })))
        expect(elapsed).toBeLessThan(200 + 3000)
        expect(isAlive(pid)).toBe(false)
        // the pending write ends (failed or interrupted), it does not hang either
        const exit = yield* Fiber.await(fiber).pipe(
          Effect.timeout("3 seconds"),
          Effect.orElse(() => Fiber.interrupt(fiber))
        )
        expect(exit._tag).toBe("Failure")
      })
    ))

  it.live("closeStdin makes cat exit, and is idempotent", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["cat"], { env: t.env }))
        yield* proc.write("last\n")
        yield* proc.closeStdin
        yield* proc.closeStdin
        const exit = yield* proc.awaitExit.pipe(Effect.timeout("5 seconds"))
        expect(exit).toEqual({ exitCode: 0, signal: undefined })
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("last")
      })
    ))

  it.live("write after closeStdin fails with StateError StdinClosed", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["cat"], { env: t.env }))
        yield* proc.closeStdin
        const error = yield* Effect.flip(proc.write("too late"))
        assertStateError(error, "StdinClosed")
        expect(error.pid).toBe(proc.pid)
        expect(error.command).toEqual(["cat"])
      })
    ))

  it.live("write after the child exited fails with ProcessError WriteFailed, and the parent lives on", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["true"], { env: t.env }))
        yield* proc.awaitExit.pipe(Effect.timeout("10 seconds"))
        // a large write cannot fit in a pipe buffer nobody reads, whatever the platform buffers
        const error = yield* Effect.flip(proc.write(new Uint8Array(1024 * 1024)).pipe(Effect.timeout("10 seconds")))
        assertProcessError(error, "WriteFailed")
        expect(error.pid).toBe(proc.pid)
        // a small one too, now that the pipe is known to be broken
        assertProcessError(yield* Effect.flip(proc.write("x\n").pipe(Effect.timeout("10 seconds"))), "WriteFailed")
        // the test (and so the parent process) is still running
        yield* Effect.sleep("100 millis")
        expect(isAlive(process.pid)).toBe(true)
        const other = t.track(yield* ManagedProcess.make(["cat"], { env: t.env }))
        yield* other.write("still working\n")
        expect(yield* other.readLine({ timeout: "5 seconds" })).toBe("still working")
      })
    ))

  it.live("write to a child that closed its stdin fails with WriteFailed (EPIPE)", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(["sh", "-c", "exec 0<&-; echo closed; exec sleep 1000"], { env: t.env })
        )
        yield* proc.waitForOutput(["closed"], { timeout: "10 seconds" })
        const error = yield* Effect.flip(proc.write(new Uint8Array(1024 * 1024)).pipe(Effect.timeout("10 seconds")))
        assertProcessError(error, "WriteFailed")
        expect(error.errno).toBe("EPIPE")
        expect(yield* proc.isRunning).toBe(true)
      })
    ))

  it.live("stdin: \"ignore\" refuses write with StateError NotPiped", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["cat"], { env: t.env, stdin: "ignore" }))
        assertStateError(yield* Effect.flip(proc.write("x")), "NotPiped")
        // cat reads end-of-file from /dev/null and exits
        expect((yield* proc.awaitExit.pipe(Effect.timeout("5 seconds"))).exitCode).toBe(0)
      })
    ))
})

describe("use after release", () => {
  it.live("a handle used after its scope closed fails with StateError Released", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = yield* Effect.scoped(ManagedProcess.make(["cat"], { env: t.env }).pipe(Effect.map(t.track)))
        expect(isAlive(proc.pid)).toBe(false)
        assertStateError(yield* Effect.flip(proc.readLine({ timeout: "1 second" })), "Released")
        assertStateError(yield* Effect.flip(proc.readChar({ timeout: "1 second" })), "Released")
        assertStateError(yield* Effect.flip(proc.waitForOutput(["x"], { timeout: "1 second" })), "Released")
        assertStateError(yield* Effect.flip(proc.write("x")), "Released")
        assertStateError(yield* Effect.flip(proc.closeStdin), "Released")
        const error = yield* Effect.flip(proc.write("x"))
        assertStateError(error, "Released")
        expect(error.pid).toBe(proc.pid)
        expect(error.operation).toContain("write")
      })
    ))

  it.live("after release the status is Exited and terminate reports the release's outcome", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = yield* Effect.scoped(
          ManagedProcess.make(["sleep", "1000"], { env: t.env }).pipe(Effect.map(t.track))
        )
        expect(yield* proc.isRunning).toBe(false)
        const status = yield* proc.status
        expect(status._tag).toBe("Exited")
        const outcome = yield* proc.terminate().pipe(Effect.timeout("2 seconds"))
        expect(outcome._tag).toBe("Exited")
      })
    ))
})

describe("a command's stdin stream that fails", () => {
  it.live("run fails with WriteFailed naming the stream's failure; cat still ends (its stdin is closed)", () => {
    const logs = captureLogs()
    return noSurvivors((t) =>
      Effect.gen(function*() {
        const broke = new PlatformError.SystemError({
          reason: "Unknown",
          module: "Stream",
          method: "read",
          description: "the source broke"
        })
        const input = Stream.concat(Stream.make(new TextEncoder().encode("partial\n")), Stream.fail(broke))
        const error = yield* Effect.flip(
          ManagedProcess.run(Command.make("cat").pipe(Command.stdin(input)), { env: t.env })
        )
        assertProcessError(error, "WriteFailed")
        expect(error.detail).toBe(`the stdin stream failed: ${broke.message}`)
        // with make, the process runs on and the failure is a Warning (the child's input was cut short)
        const proc = t.track(yield* ManagedProcess.make(Command.make("cat").pipe(Command.stdin(input)), { env: t.env }))
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("partial")
        expect((yield* proc.awaitExit).exitCode).toBe(0)
        const warned = logs.entries.filter((entry) => entry.message.startsWith("the stdin stream failed"))
        expect(warned.map((entry) => [entry.level, entry.message])).toEqual([
          ["WARN", `the stdin stream failed: ${broke.message}; stdin closed`],
          ["WARN", `the stdin stream failed: ${broke.message}; stdin closed`]
        ])
      })
    ).pipe(Effect.provide(logs.layer))
  })
})
