import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { ManagedProcess, Readiness } from "effect-process"
import { noSurvivors } from "./harness.js"
import { timed } from "./utils.js"

// The leader exits while a background grandchild keeps stdout open: readers must not wait for that grandchild.
const leaderExitsEarly = ["sh", "-c", "echo a; sleep 30 & echo b; exit 0"]

describe("readers after the leader exited, while a grandchild holds the pipe", () => {
  it.live("lines ends shortly after the exit", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(leaderExitsEarly, { env: t.env }))
        const [lines, elapsed] = yield* timed(Stream.runCollect(proc.lines).pipe(Effect.timeout("10 seconds")))
        expect(lines).toEqual(["a", "b"])
        expect(elapsed).toBeLessThan(5_000)
      })
    ))

  it.live("stdout ends shortly after the exit", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(leaderExitsEarly, { env: t.env }))
        const bytes = yield* Stream.runFold(proc.stdout, () => 0, (total, chunk) => total + chunk.length).pipe(
          Effect.timeout("10 seconds")
        )
        expect(bytes).toBe(4)
      })
    ))

  it.live("readLine after the last line fails with OutputEnded, not a timeout", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(leaderExitsEarly, { env: t.env }))
        expect(yield* proc.readLine({ timeout: "10 seconds" })).toBe("a")
        expect(yield* proc.readLine({ timeout: "10 seconds" })).toBe("b")
        const error = yield* Effect.flip(proc.readLine({ timeout: "10 seconds" }))
        expect(error._tag).toBe("ProcessError")
        if (error._tag === "ProcessError") {
          expect(error.reason).toBe("OutputEnded")
          expect(error.exitCode).toBe(0)
        }
      })
    ))

  // waitDelay, the documented form of what was a private 250 ms constant: the readers' wait, readiness and the
  // release's wait for the pipes all count it from the exit.
  it.live("waitDelay sets how long readers, readiness and the release wait for pipes held after the exit", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const holder = ["sh", "-c", "echo a; sleep 30 & exit 0"]
        const long = t.track(yield* ManagedProcess.make(holder, { env: t.env, waitDelay: "1500 millis" }))
        const [lines, waited] = yield* timed(Stream.runCollect(long.lines).pipe(Effect.timeout("10 seconds")))
        expect(lines).toEqual(["a"])
        expect(waited).toBeGreaterThanOrEqual(1_400)
        const short = t.track(yield* ManagedProcess.make(holder, { env: t.env, waitDelay: 0 }))
        const [, quick] = yield* timed(Stream.runCollect(short.lines).pipe(Effect.timeout("10 seconds")))
        expect(quick).toBeLessThan(1_000)
        // readiness: ExitedBeforeReady once the delay after the exit is over
        const [error, failedAfter] = yield* timed(Effect.flip(Effect.scoped(ManagedProcess.make(holder, {
          env: t.env,
          waitDelay: "1500 millis",
          readiness: Readiness.output(["never"])
        }))))
        expect(error._tag === "ProcessError" && error.reason).toBe("ExitedBeforeReady")
        expect(failedAfter).toBeGreaterThanOrEqual(1_400)
        // the release of a process whose exit was seen: about the delay, not the grandchild's 30 s
        const [, released] = yield* timed(Effect.scoped(Effect.gen(function*() {
          const proc = t.track(yield* ManagedProcess.make(holder, { env: t.env, waitDelay: "1 second" }))
          yield* proc.awaitExit
        })))
        expect(released).toBeLessThan(10_000)
      })
    ))

  it.live("a waitDelay that is negative, not a duration or infinite is InvalidCommand", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        for (const waitDelay of [-1, "soon", "Infinity"] as const) {
          const error = yield* Effect.flip(ManagedProcess.make(["true"], { env: t.env, waitDelay: waitDelay as never }))
          expect(error._tag === "ProcessError" && error.reason).toBe("InvalidCommand")
          expect(error.message).toContain("waitDelay")
        }
      })
    ))
})
