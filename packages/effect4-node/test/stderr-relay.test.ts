import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Logger, References, Stream } from "effect"
import { ManagedProcess } from "effect-process"
import { noSurvivors } from "./harness.js"
import type { LogEntry } from "./utils.js"
import { captureLogs, eventually, fixture } from "./utils.js"

/** Effect 4 hands a logger the messages of one log call as an array. */
const logged = (message: unknown) => Array.isArray(message) ? message.map(String).join(" ") : String(message)

const relayed = (entries: ReadonlyArray<LogEntry>, text: string) => entries.filter((e) => e.message.includes(text))

describe("stderr relay", () => {
  it.live("each stderr line reaches the logger, annotated with the program's name and the pid only", () => {
    const logs = captureLogs()
    return noSurvivors((t) =>
      Effect.gen(function*() {
        const command = [fixture("stderr-lines.sh"), "problem one", "problem two"]
        const proc = t.track(yield* ManagedProcess.make(command, { env: t.env }))
        yield* proc.awaitExit.pipe(Effect.timeout("10 seconds"))
        yield* eventually("both lines in the log", () =>
          relayed(logs.entries, "problem one").length > 0 && relayed(logs.entries, "problem two").length > 0
            ? true
            : undefined)
        for (const text of ["problem one", "problem two"]) {
          const entries = relayed(logs.entries, text)
          expect(entries.length).toBe(1)
          const entry = entries[0]!
          expect(entry.message.trim()).toBe(text)
          expect(entry.level).toBe("Info")
          // short enough for every line: not the argv (logged once per launch, at Debug)
          expect(entry.annotations).toEqual({ program: "stderr-lines.sh", pid: proc.pid })
        }
        // in order
        const one = logs.entries.indexOf(relayed(logs.entries, "problem one")[0]!)
        const two = logs.entries.indexOf(relayed(logs.entries, "problem two")[0]!)
        expect(one).toBeLessThan(two)
      })
    ).pipe(Effect.provide(logs.layer))
  })

  it.live("relayStderr: false relays nothing", () => {
    const logs = captureLogs()
    return noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make([fixture("stderr-lines.sh"), "quiet problem"], { env: t.env, relayStderr: false })
        )
        yield* proc.awaitExit.pipe(Effect.timeout("10 seconds"))
        yield* Effect.sleep("500 millis")
        expect(relayed(logs.entries, "quiet problem")).toEqual([])
        // it was written: stderr still has it
        expect(yield* proc.stderrTail).toContain("quiet problem")
      })
    ).pipe(Effect.provide(logs.layer))
  })

  it.live("relayStderr takes a log level", () => {
    const logs = captureLogs()
    return noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make([fixture("stderr-lines.sh"), "a warning"], { env: t.env, relayStderr: "Warn" })
        )
        yield* proc.awaitExit.pipe(Effect.timeout("10 seconds"))
        const entries = yield* eventually("the line in the log", () => {
          const entries = relayed(logs.entries, "a warning")
          return entries.length > 0 ? entries : undefined
        })
        expect(entries[0]!.level).toBe("Warn")
      })
    ).pipe(Effect.provide(logs.layer))
  })

  it.live("relaying does not consume: stderrLines still yields every line", () => {
    const logs = captureLogs()
    return noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make([fixture("stderr-lines.sh"), "line a", "line b", "line c"], { env: t.env })
        )
        const lines = yield* Stream.runCollect(proc.stderrLines).pipe(Effect.timeout("10 seconds"))
        expect(lines).toEqual(["line a", "line b", "line c"])
        yield* eventually("the lines in the log", () => relayed(logs.entries, "line c").length > 0 ? true : undefined)
        expect(relayed(logs.entries, "line a").length).toBe(1)
      })
    ).pipe(Effect.provide(logs.layer))
  })

  it.live("a partial last line and multi-byte text are relayed whole", () => {
    const logs = captureLogs()
    return noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(["sh", "-c", "printf 'erreur: é😀\\nno newline at end' >&2"], { env: t.env })
        )
        yield* proc.awaitExit.pipe(Effect.timeout("10 seconds"))
        yield* eventually("both lines in the log", () =>
          relayed(logs.entries, "erreur").length > 0 && relayed(logs.entries, "no newline").length > 0
            ? true
            : undefined)
        expect(relayed(logs.entries, "erreur")[0]!.message.trim()).toBe("erreur: é😀")
        expect(relayed(logs.entries, "no newline")[0]!.message.trim()).toBe("no newline at end")
      })
    ).pipe(Effect.provide(logs.layer))
  })

  it.live("environment values never reach the logs", () => {
    const logs = captureLogs()
    const secret = "s3cr3t-value-that-must-not-be-logged"
    return noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(["sh", "-c", "echo starting >&2; exit 3"], {
            env: { ...t.env, EP_TEST_SECRET: secret }
          })
        )
        yield* proc.awaitExit.pipe(Effect.timeout("10 seconds"))
        yield* proc.terminate()
        yield* Effect.flip(ManagedProcess.run(["sh", "-c", "exit 5"], { env: { ...t.env, EP_TEST_SECRET: secret } }))
        yield* eventually("the relayed line", () => relayed(logs.entries, "starting").length > 0 ? true : undefined)
        const everything = JSON.stringify(logs.entries, (_, value) => typeof value === "bigint" ? String(value) : value)
        expect(everything).not.toContain(secret)
      })
    ).pipe(Effect.provide(logs.layer))
  })

  // Found by adversarial probes: a logger that throws crashed the whole Node process from the relay's timer (an
  // uncaught exception), and made a successful `run` die with a defect from the release's flush.
  it.live("a logger that throws switches the relay off; the program, the run and the release go on", () => {
    let calls = 0
    const throwing = Logger.make(({ fiber }) => {
      if (fiber.getRef(References.CurrentLogAnnotations).program !== undefined) {
        calls++
        throw new Error("the logger exploded")
      }
    })
    return noSurvivors((t) =>
      Effect.gen(function*() {
        // the relay's timer: the child writes, exits, and the scope stays open while the relay logs
        const proc = t.track(
          yield* ManagedProcess.make(["sh", "-c", "echo one >&2; echo two >&2"], { env: t.env, relayStderr: true })
        )
        yield* proc.awaitExit.pipe(Effect.timeout("10 seconds"))
        yield* Effect.sleep("500 millis")
        expect(calls).toBe(1) // then off: no second throw
        expect(yield* proc.stderrTail).toBe("one\ntwo\n")
        // the release's flush: the run succeeds
        for (let i = 0; i < 3; i++) {
          const exit = yield* Effect.exit(
            ManagedProcess.run(["sh", "-c", "echo out; echo err >&2"], { env: t.env, relayStderr: true })
          )
          expect(Exit.isSuccess(exit) && exit.value.stdout).toBe("out\n")
        }
      })
    ).pipe(Effect.provide(Logger.layer([throwing])))
  })

  // Found by an adversarial probe: the release flushed the whole backlog (1000 lines) through a slow logger, about
  // 1000 times the logger's latency (10 s for a 10 ms logger).
  it.live("a slow logger does not hold up the release: the flush is bounded and the rest is counted", () => {
    const warnings: Array<string> = []
    const slow = Logger.make(({ fiber, logLevel, message }) => {
      if (fiber.getRef(References.CurrentLogAnnotations).program !== undefined && logLevel === "Info") {
        const until = performance.now() + 10
        while (performance.now() < until) {
          // a logger that takes 10 ms per line
        }
      } else if (logLevel === "Warn") warnings.push(logged(message))
    })
    return noSurvivors((t) =>
      Effect.gen(function*() {
        const exited = yield* Effect.scoped(Effect.gen(function*() {
          const proc = t.track(
            yield* ManagedProcess.make(["perl", "-e", "print STDERR \"line $_\\n\" for 1..5000"], { env: t.env })
          )
          yield* proc.awaitExit.pipe(Effect.timeout("10 seconds"))
          expect((yield* proc.stderrTail).endsWith("line 5000\n")).toBe(true)
          return performance.now()
        }))
        const release = performance.now() - exited
        // bounded at about 100 ms of logging; generous for a loaded machine (it was 10 s)
        expect(release).toBeLessThan(3000)
        expect(warnings.some((w) => /\d+ stderr lines not relayed/.test(w))).toBe(true)
      })
    ).pipe(Effect.provide(Logger.layer([slow])))
  })
})
