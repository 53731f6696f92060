/**
 * The exact readers (readLine, readChar, takeLines, waitForOutput) consume exactly what they return: whatever else
 * ends them (a timeout, a failure, an interruption at any point) gives back what they took, byte for byte. Real
 * processes; each test was a fault found by adversarial probes.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Stream } from "effect"
import { ManagedProcess, OutputPattern } from "effect-process"
import { noSurvivors } from "./harness.js"
import { nodeEval, nodeFixture } from "./utils.js"

/** Effect 4: `Fiber.interrupt` returns nothing; the exit is `Fiber.await`. */
const interruptExit = <A, E>(fiber: Fiber.Fiber<A, E>) => Effect.andThen(Fiber.interrupt(fiber), Fiber.await(fiber))

/** A child that writes the given bytes, in the given pieces, to stdout ("o") or stderr ("e"), when told to. */
const emitter = nodeFixture("emitter.js")
const hex = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("hex")
const emit = (proc: ManagedProcess.ManagedProcess, bytes: Uint8Array | string, pipe: "o" | "e" = "o") =>
  proc.write(`${pipe} ${hex(bytes)}\n`)

/** A child that prints `count` numbered lines at once and stays alive. */
const numbered = (count: number) =>
  nodeEval(
    `process.stdout.write(Array.from({ length: ${count} }, (_, i) => (i + 1) + "\\n").join("")); setInterval(() => {}, 1000)`
  )

const readers = {
  readLine: (proc: ManagedProcess.ManagedProcess) =>
    Effect.map(proc.readLine({ timeout: "5 seconds" }), (line) => line + "\n"),
  readChar: (proc: ManagedProcess.ManagedProcess) => proc.readChar({ timeout: "5 seconds" }),
  takeLines: (proc: ManagedProcess.ManagedProcess) =>
    Effect.map(proc.takeLines(2, { timeout: "5 seconds" }), (lines) => lines.map((line) => line + "\n").join("")),
  waitForOutput: (proc: ManagedProcess.ManagedProcess) =>
    Effect.map(proc.waitForOutput(OutputPattern.regex(/0$/), { timeout: "5 seconds" }), (match) => match.input + "\n")
} as const

describe("exact readers lose nothing", () => {
  for (const [name, read] of Object.entries(readers)) {
    it.live(`${name} interrupted right after it took its output gives it back: 200 interruptions lose nothing`, () =>
      noSurvivors((t) =>
        Effect.gen(function*() {
          const count = 1000
          const all = Array.from({ length: count }, (_, i) => `${i + 1}\n`).join("")
          const proc = t.track(yield* ManagedProcess.make(numbered(count), { env: t.env, relayStderr: false }))
          // Everything has arrived before the first read.
          yield* Effect.sleep("500 millis")
          let got = ""
          for (let i = 0; i < 200; i++) {
            const fiber = yield* Effect.forkChild(read(proc))
            yield* Effect.yieldNow
            const exit = yield* interruptExit(fiber)
            if (Exit.isSuccess(exit)) got += exit.value
          }
          // A plain read of the rest, as far as the reader reads.
          for (;;) {
            const next = yield* Effect.result(
              read(proc).pipe(Effect.timeoutOrElse({ duration: "1 second", orElse: () => Effect.fail("end" as const) }))
            )
            if (next._tag === "Failure") break
            got += next.success
          }
          if (name === "waitForOutput") {
            // A match consumes the lines before it and returns the matching one: every tenth line, once.
            expect(got).toBe(Array.from({ length: count / 10 }, (_, i) => `${(i + 1) * 10}\n`).join(""))
          } else {
            expect(got).toBe(all)
          }
        })
      ))
  }

  it.live("takeLines gives lines back with their own endings: \\r\\n, \\r\\r\\n, no final newline", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(emitter, { env: t.env, relayStderr: false }))
        yield* emit(proc, "a\r\nx\r\r\npartial")
        yield* Effect.sleep("300 millis")
        const timedOut = yield* Effect.flip(proc.takeLines(3, { timeout: "200 millis" }))
        expect(timedOut._tag).toBe("TimeoutError")
        // What the timed-out read saw is in the error.
        if (timedOut._tag === "TimeoutError") expect(timedOut.seen).toBe("a\r\nx\r\r\npartial")
        const pull = yield* proc.stdout.pipe(Stream.chunks, Stream.take(1), Stream.runCollect)
        expect(Buffer.concat(pull[0]!).toString()).toBe("a\r\nx\r\r\npartial")
      })
    ))

  it.live("the Effect of takeLines reads afresh every time it runs", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(numbered(6), { env: t.env, relayStderr: false }))
        const two = proc.takeLines(2, { timeout: "5 seconds" })
        expect(yield* two).toEqual(["1", "2"])
        expect(yield* two).toEqual(["3", "4"])
        expect(yield* proc.readLine()).toBe("5")
      })
    ))

  it.live("bytes read after a text reader are the bytes that arrived, invalid UTF-8 included", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(emitter, { env: t.env, relayStderr: false }))
        const raw = Uint8Array.of(0x61, 0xff, 0x62, 0xc0, 0xaf, 0x63, 0xe2, 0x82)
        yield* emit(proc, raw)
        yield* Effect.sleep("300 millis")
        expect(yield* proc.readChar()).toBe("a")
        expect((yield* Effect.flip(proc.readLine({ timeout: "100 millis" })))._tag).toBe("TimeoutError")
        // One pull of the byte stream takes everything that is there.
        const pull = yield* proc.stdout.pipe(Stream.chunks, Stream.take(1), Stream.runCollect)
        const rest = pull[0]!.flatMap((bytes) => Array.from(bytes))
        expect(rest).toEqual(Array.from(raw.subarray(1)))
      })
    ))

  it.live("waitForOutput over both pipes consumes only the pipe whose output completed the match", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(emitter, { env: t.env, relayStderr: false }))
        const waiting = yield* Effect.forkChild(
          proc.waitForOutput(OutputPattern.regex(/READY/).pipe(OutputPattern.fromSource("both")), {
            timeout: "5 seconds"
          })
        )
        yield* Effect.sleep("100 millis")
        yield* emit(proc, "e1\ne2\n", "e")
        yield* Effect.sleep("100 millis")
        yield* emit(proc, "o1\nREADY\no2\n")
        expect((yield* Fiber.join(waiting)).input).toBe("READY")
        expect(yield* proc.readLine()).toBe("o2")
        yield* emit(proc, "e3\n", "e")
        const stderr = yield* proc.stderrLines.pipe(Stream.take(3), Stream.runCollect, Effect.timeout("5 seconds"))
        expect(stderr).toEqual(["e1", "e2", "e3"])
      })
    ))

  it.live("takeLines that meets a too-long line fails at once with LineTooLong; the lines before it are given back", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(emitter, { env: t.env, relayStderr: false, maxLineLength: 10 })
        )
        yield* emit(proc, `a\nb\n${"x".repeat(20)}\nc\n`)
        yield* Effect.sleep("300 millis")
        const error = yield* Effect.flip(proc.takeLines(3, { timeout: "5 seconds" }))
        expect(error._tag === "ProcessError" && error.reason).toBe("LineTooLong")
        expect(yield* proc.takeLines(3, { timeout: "5 seconds" })).toEqual(["a", "b", "c"])
      })
    ))

  it.live("a timed-out readLine says what it saw", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(emitter, { env: t.env, relayStderr: false }))
        yield* emit(proc, "partial")
        yield* Effect.sleep("300 millis")
        const error = yield* Effect.flip(proc.readLine({ timeout: "200 millis" }))
        expect(error._tag === "TimeoutError" && error.seen).toBe("partial")
        expect(error.message).toContain("partial")
      })
    ))
})
