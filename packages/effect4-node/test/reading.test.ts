import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Stream } from "effect"
import { ManagedProcess } from "effect-process"
import { assertProcessError, assertStateError, assertTimeoutError } from "./assertions.js"
import { noSurvivors } from "./harness.js"
import { nodeEval, nodeFixture, timed } from "./utils.js"

describe("readLine", () => {
  it.live("reads lines in order, without \\n or \\r\\n", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(["sh", "-c", "printf 'one\\ntwo\\r\\n\\nthree\\n'; sleep 1000"], { env: t.env })
        )
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("one")
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("two")
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("")
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("three")
      })
    ))

  it.live("times out with TimeoutError ReadLine carrying command and pid", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sleep", "1000"], { env: t.env }))
        const [error, elapsed] = yield* timed(Effect.flip(proc.readLine({ timeout: "300 millis" })))
        assertTimeoutError(error, "ReadLine")
        expect(error.command).toEqual(["sleep", "1000"])
        expect(error.pid).toBe(proc.pid)
        expect(Duration.toMillis(error.timeout)).toBe(300)
        expect(elapsed).toBeGreaterThanOrEqual(250)
        expect(elapsed).toBeLessThan(3000)
      })
    ))

  it.live("the default timeout is 2 seconds", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sleep", "1000"], { env: t.env }))
        const [error, elapsed] = yield* timed(Effect.flip(proc.readLine()))
        assertTimeoutError(error, "ReadLine")
        expect(error.timeoutMillis).toBe(2000)
        expect(elapsed).toBeGreaterThanOrEqual(1900)
        expect(elapsed).toBeLessThan(6000)
      })
    ))

  it.live("a timed-out readLine loses nothing: the next readLine gets the delayed line", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(["sh", "-c", "sleep 0.8; echo 'line 1'; echo 'line 2'; sleep 1000"], {
            env: t.env
          })
        )
        assertTimeoutError(yield* Effect.flip(proc.readLine({ timeout: "200 millis" })), "ReadLine")
        expect(yield* proc.readLine({ timeout: "10 seconds" })).toBe("line 1")
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("line 2")
      })
    ))

  it.live("a timed-out readLine keeps the partial line it saw", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(["sh", "-c", "printf 'par'; sleep 0.8; printf 'tial\\nnext\\n'; sleep 1000"], {
            env: t.env
          })
        )
        const error = yield* Effect.flip(proc.readLine({ timeout: "300 millis" }))
        assertTimeoutError(error, "ReadLine")
        expect(yield* proc.readLine({ timeout: "10 seconds" })).toBe("partial")
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("next")
      })
    ))

  it.live("a last line without newline is returned at end of output, then OutputEnded", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sh", "-c", "printf 'a\\nb'"], { env: t.env }))
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("a")
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("b")
        const error = yield* Effect.flip(proc.readLine({ timeout: "5 seconds" }))
        assertProcessError(error, "OutputEnded")
      })
    ))

  it.live("readLine at end of output fails with OutputEnded, quickly", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sh", "-c", "echo only"], { env: t.env }))
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("only")
        const [error, elapsed] = yield* timed(Effect.flip(proc.readLine({ timeout: "10 seconds" })))
        assertProcessError(error, "OutputEnded")
        expect(error.command).toEqual(["sh", "-c", "echo only"])
        expect(elapsed).toBeLessThan(5000)
        // and again: end of output stays the end
        assertProcessError(yield* Effect.flip(proc.readLine({ timeout: "5 seconds" })), "OutputEnded")
      })
    ))

  it.live("a long line (256 KiB, many chunks) comes back whole", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(nodeEval("process.stdout.write('y'.repeat(262144) + '\\nafter\\n')"), {
            env: t.env
          })
        )
        const line = yield* proc.readLine({ timeout: "10 seconds" })
        expect(line.length).toBe(262144)
        expect(/^y+$/.test(line)).toBe(true)
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("after")
      })
    ))

  it.live("stdout: \"ignore\" refuses reads with StateError NotPiped", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(["sh", "-c", "echo hi; sleep 1000"], { env: t.env, stdout: "ignore" })
        )
        assertStateError(yield* Effect.flip(proc.readLine({ timeout: "1 second" })), "NotPiped")
        assertStateError(yield* Effect.flip(proc.readChar({ timeout: "1 second" })), "NotPiped")
        assertStateError(yield* Effect.flip(Stream.runDrain(proc.stdout)), "NotPiped")
      })
    ))

  it.live("data-first form ManagedProcess.readLine(proc, options)", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sh", "-c", "echo hi; sleep 1000"], { env: t.env }))
        expect(yield* ManagedProcess.readLine(proc, { timeout: "5 seconds" })).toBe("hi")
      })
    ))
})

describe("readChar", () => {
  it.live("reads one character at a time, then readLine reads the rest of the line", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sh", "-c", "echo hello; sleep 1000"], { env: t.env }))
        expect(yield* proc.readChar({ timeout: "5 seconds" })).toBe("h")
        expect(yield* proc.readChar({ timeout: "5 seconds" })).toBe("e")
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("llo")
      })
    ))

  it.live("reads a multi-byte character whole", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(nodeEval("process.stdout.write('é😀x')"), { env: t.env })
        )
        expect(yield* proc.readChar({ timeout: "5 seconds" })).toBe("é")
        expect(yield* proc.readChar({ timeout: "5 seconds" })).toBe("😀")
        expect(yield* proc.readChar({ timeout: "5 seconds" })).toBe("x")
        assertProcessError(yield* Effect.flip(proc.readChar({ timeout: "5 seconds" })), "OutputEnded")
      })
    ))

  it.live("times out with TimeoutError ReadChar carrying command and pid", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sleep", "1000"], { env: t.env }))
        const [error, elapsed] = yield* timed(Effect.flip(proc.readChar({ timeout: "300 millis" })))
        assertTimeoutError(error, "ReadChar")
        expect(error.command).toEqual(["sleep", "1000"])
        expect(error.pid).toBe(proc.pid)
        expect(elapsed).toBeGreaterThanOrEqual(250)
        expect(elapsed).toBeLessThan(3000)
      })
    ))

  it.live("the default timeout is 1 second", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sleep", "1000"], { env: t.env }))
        const [error, elapsed] = yield* timed(Effect.flip(proc.readChar()))
        assertTimeoutError(error, "ReadChar")
        expect(error.timeoutMillis).toBe(1000)
        expect(elapsed).toBeGreaterThanOrEqual(900)
        expect(elapsed).toBeLessThan(5000)
      })
    ))

  it.live("a timed-out readChar loses nothing", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(["sh", "-c", "sleep 0.8; printf xy; sleep 1000"], { env: t.env })
        )
        assertTimeoutError(yield* Effect.flip(proc.readChar({ timeout: "200 millis" })), "ReadChar")
        expect(yield* proc.readChar({ timeout: "10 seconds" })).toBe("x")
        expect(yield* proc.readChar({ timeout: "5 seconds" })).toBe("y")
      })
    ))
})

describe("a multi-byte character split across chunks", () => {
  // split-utf8.js writes the bytes in pieces cut at the given offsets, 100 ms apart.
  // "é" is C3 A9; "😀" is F0 9F 98 80.
  it.live("readChar gets it whole", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(nodeFixture("split-utf8.js", "é😀!", "1", "3", "5"), { env: t.env })
        )
        expect(yield* proc.readChar({ timeout: "5 seconds" })).toBe("é")
        expect(yield* proc.readChar({ timeout: "5 seconds" })).toBe("😀")
        expect(yield* proc.readChar({ timeout: "5 seconds" })).toBe("!")
      })
    ))

  it.live("readLine gets it whole", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(nodeFixture("split-utf8.js", "café 😀 ok\nnext\n", "4", "8", "9", "10"), {
            env: t.env
          })
        )
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("café 😀 ok")
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("next")
      })
    ))

  it.live("lines gets it whole", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(nodeFixture("split-utf8.js", "😀\né\n", "2", "6"), { env: t.env })
        )
        const lines = yield* Stream.runCollect(proc.lines).pipe(Effect.timeout("10 seconds"))
        expect(lines).toEqual(["😀", "é"])
      })
    ))

  it.live("stdout bytes are passed through untouched", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(nodeFixture("split-utf8.js", "😀é", "1", "5"), { env: t.env })
        )
        const chunks = yield* Stream.runCollect(proc.stdout).pipe(Effect.timeout("10 seconds"))
        const bytes = Buffer.concat(chunks)
        expect(bytes.equals(Buffer.from("😀é", "utf8"))).toBe(true)
      })
    ))
})
