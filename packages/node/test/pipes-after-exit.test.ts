import { ManagedProcess } from "@effect-process/core"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
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
        expect(Chunk.toArray(lines)).toEqual(["a", "b"])
        expect(elapsed).toBeLessThan(5_000)
      })
    ))

  it.live("stdout ends shortly after the exit", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(leaderExitsEarly, { env: t.env }))
        const bytes = yield* Stream.runFold(proc.stdout, 0, (total, chunk) => total + chunk.length).pipe(
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
})
