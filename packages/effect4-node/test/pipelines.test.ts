/**
 * Piped `ChildProcess` commands (`ChildProcess.pipeTo`) through `ManagedProcess.make` and `run`: every stage launched and stopped as one
 * resource, each stage's stdout into the next one's stdin, the handle reading the last stage and writing to the
 * first, pipefail in `run`. Every stage carries the test's marker, and nothing may survive.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Logger, Stream } from "effect"
import { ManagedProcess, Supervisor } from "effect-process"
import * as ChildProcess from "effect/process/ChildProcess"
import { assertProcessError } from "./assertions.js"
import { noSurvivors } from "./harness.js"
import { captureLogs, eventually, timed } from "./utils.js"

// Effect 4's contract: a command's own `env` replaces the inherited one unless `extendEnv`.
const stage = (env: Record<string, string>, program: string, ...args: Array<string>) =>
  ChildProcess.make(program, args, { env, extendEnv: true })

describe("pipelines", () => {
  it.live("run: each stage's stdout into the next one's stdin, the input into the first", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const sorted = yield* ManagedProcess.run(
          stage(t.env, "printf", "b\\na\\nc\\n").pipe(ChildProcess.pipeTo(stage(t.env, "sort")))
        )
        expect(sorted.stdout).toBe("a\nb\nc\n")
        const shouted = yield* ManagedProcess.run(
          stage(t.env, "cat").pipe(
            ChildProcess.pipeTo(stage(t.env, "tr", "a-z", "A-Z")),
            ChildProcess.pipeTo(stage(t.env, "rev"))
          ),
          { input: "abc\n" }
        )
        expect(shouted.stdout).toBe("CBA\n")
        expect(shouted.command).toEqual(["cat", "|", "tr", "a-z", "A-Z", "|", "rev"])
      })
    ))

  it.live("run is pipefail: the first stage whose exit is not a success fails it, named", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(ManagedProcess.run(
          stage(t.env, "sh", "-c", "echo partial; exit 3").pipe(
            ChildProcess.pipeTo(stage(t.env, "cat")),
            ChildProcess.pipeTo(stage(t.env, "sh", "-c", "cat; exit 5"))
          )
        ))
        assertProcessError(error, "NonZeroExit")
        expect(error.exitCode).toBe(3)
        expect(error.command).toEqual(["sh", "-c", "echo partial; exit 3"])
        expect(error.message).toContain("stage 1 of 3")
      })
    ))

  it.live("a producer whose reader stopped reading gets SIGPIPE, and the run succeeds: yes | head -n 2", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const result = yield* ManagedProcess.run(
          stage(t.env, "yes").pipe(ChildProcess.pipeTo(stage(t.env, "head", "-n", "2"))),
          { timeout: "10 seconds" }
        )
        expect(result.stdout).toBe("y\ny\n")
      })
    ))

  it.live("make: one resource; the handle reads the last stage, writes to the first, and the release stops all", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(
            // (the shell's echo writes each line at once; tr would buffer until its input ends)
            stage(t.env, "cat").pipe(
              ChildProcess.pipeTo(stage(t.env, "sh", "-c", "while read -r line; do echo \"got $line\"; done"))
            ),
            { env: t.env }
          )
        )
        yield* proc.write("hello\n")
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("got hello")
        yield* proc.closeStdin
        expect(yield* Stream.runCollect(proc.lines)).toEqual([])
        expect((yield* proc.awaitExit).exitCode).toBe(0)
      })
    ))

  it.live("make: a long-running pipeline is stopped as a whole when its scope closes", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(
            stage(t.env, "sh", "-c", "while :; do echo tick; sleep 0.05; done").pipe(
              ChildProcess.pipeTo(stage(t.env, "cat"))
            ),
            { env: t.env }
          )
        )
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("tick")
      })
    ))

  it.live("make: stderr of every stage is relayed, naming its stage", () => {
    const logs = captureLogs()
    return noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(
            stage(t.env, "sh", "-c", "echo from-one >&2; echo data").pipe(
              ChildProcess.pipeTo(stage(t.env, "sh", "-c", "cat; echo from-two >&2"))
            ),
            { env: t.env }
          )
        )
        yield* proc.awaitExit
        const stageOf = (text: string) =>
          eventually(text, () => logs.entries.find((entry) => entry.message.includes(text))?.annotations.stage)
        expect(yield* stageOf("from-one")).toBe(1)
        expect(yield* stageOf("from-two")).toBe(2)
      })
    ).pipe(Effect.provide(logs.layer))
  })

  it.live("a Supervisor keeps one process: a piped command is refused, typed", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          Supervisor.make(stage(t.env, "true").pipe(ChildProcess.pipeTo(stage(t.env, "cat"))))
        )
        assertProcessError(error, "InvalidCommand")
      })
    ))

  // Found by an adversarial probe: the timeout bounded only the last stage's output, not the other stages' exits
  // (a 2 s timeout on sleep 10 | true took 10 s).
  it.live("run's timeout bounds the whole pipeline, every stage's exit included", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const [error, elapsed] = yield* timed(Effect.flip(ManagedProcess.run(
          stage(t.env, "sleep", "30").pipe(ChildProcess.pipeTo(stage(t.env, "true"))),
          { timeout: "1 second" }
        )))
        expect(error._tag).toBe("TimeoutError")
        expect(elapsed).toBeLessThan(10_000)
      })
    ))

  // Found by an adversarial probe: the stages were released one after the other, three TERM-ignoring stages in
  // three graces (21 s with the default grace).
  it.live("the release stops every stage at once: three TERM-ignoring stages take one grace, not three", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const ignoring = () => stage(t.env, "sh", "-c", "trap '' TERM; sleep 60")
        const [, elapsed] = yield* timed(Effect.scoped(Effect.gen(function*() {
          yield* ManagedProcess.make(
            ignoring().pipe(ChildProcess.pipeTo(ignoring()), ChildProcess.pipeTo(ignoring())),
            { env: t.env, terminate: { timeout: "1 second" } }
          )
          yield* Effect.sleep("200 millis")
        })))
        // one grace (1 s) and the kill; three graces one after the other would be over 3 s
        expect(elapsed).toBeLessThan(2_800)
      }).pipe(Effect.provide(Logger.layer([])))
    ))

  // Found by an adversarial probe: a producer that ignores SIGPIPE wrote forever into a pipe the parent kept draining.
  it.live("a producer that ignores SIGPIPE still ends: its writes fail once its reader is gone", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(ManagedProcess.run(
          stage(t.env, "sh", "-c", "trap '' PIPE; yes").pipe(ChildProcess.pipeTo(stage(t.env, "head", "-n", "1"))),
          { timeout: "20 seconds" }
        ))
        // yes exits 1 on EPIPE, as in a shell; pipefail counts that (only a death by SIGPIPE is not a failure)
        assertProcessError(error, "NonZeroExit")
        expect(error.exitCode).toBe(1)
        expect(error.message).toContain("stage 1 of 2")
      })
    ))
})
