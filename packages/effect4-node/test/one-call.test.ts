import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Option, Stream } from "effect"
import { ManagedProcess } from "effect-process"
import * as ChildProcess from "effect/process/ChildProcess"
import { noSurvivors } from "./harness.js"
import { isAlive, nodeEval } from "./utils.js"

const failure = <A, E>(exit: Exit.Exit<A, E>) => (Exit.isFailure(exit) ? Option.some(exit.cause) : Option.none())

describe("one-call helpers: string, lines, streamLines", () => {
  it.live("string: stdout as a string; stdin is empty, so cat ends", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        expect(yield* ManagedProcess.string(["printf", "a b\\nc"], { env: t.env })).toBe("a b\nc")
        expect(yield* ManagedProcess.string(["cat"], { env: t.env })).toBe("")
        expect(yield* ManagedProcess.string(["cat"], { env: t.env, input: "fed\n" })).toBe("fed\n")
        expect(
          yield* ManagedProcess.string(
            ChildProcess.make("sh", ["-c", "echo $X"], { env: { X: "from env" }, extendEnv: true })
          )
        )
          .toBe("from env\n")
      })
    ))

  it.live("string and lines fail with NonZeroExit and the stderr tail; a string command is told to be an array", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          ManagedProcess.string(["sh", "-c", "echo bad input >&2; exit 2"], { env: t.env })
        )
        expect(error).toMatchObject({ _tag: "ProcessError", reason: "NonZeroExit", exitCode: 2 })
        expect(error.stderrTail).toBe("bad input\n")
        const lines = yield* Effect.flip(ManagedProcess.lines(["sh", "-c", "kill -9 $$"], { env: t.env }))
        expect(lines).toMatchObject({ reason: "KilledBySignal", signal: "SIGKILL" })
        const text = yield* Effect.flip(ManagedProcess.string("git --version" as unknown as Array<string>))
        expect(text).toMatchObject({ reason: "InvalidCommand" })
        expect(text.message).toContain("must be an argv array, not a string")
      })
    ))

  it.live("lines: without \\n or \\r\\n, no empty last line; successExitCodes widens success", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        expect(yield* ManagedProcess.lines(["printf", "one\\r\\ntwo\\n\\nfour\\n"], { env: t.env }))
          .toEqual(["one", "two", "", "four"])
        expect(yield* ManagedProcess.lines(["printf", "no newline"], { env: t.env })).toEqual(["no newline"])
        expect(yield* ManagedProcess.lines(["true"], { env: t.env })).toEqual([])
        expect(yield* ManagedProcess.lines(["sh", "-c", "echo x; exit 1"], { env: t.env, successExitCodes: [0, 1] }))
          .toEqual(["x"])
      })
    ))

  it.live("streamLines: every line as it arrives, then the exit checked after the last one", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const all = yield* ManagedProcess.streamLines(["seq", "1", "100000"], { env: t.env }).pipe(Stream.runCollect)
        expect(all.length).toBe(100_000)
        expect(all.at(-1)).toBe("100000")
        // the lines before the failure are delivered, then NonZeroExit
        const seen: Array<string> = []
        const exit = yield* ManagedProcess.streamLines(["sh", "-c", "echo one; echo two; echo why >&2; exit 3"], {
          env: t.env
        }).pipe(Stream.runForEach((line) => Effect.sync(() => seen.push(line))), Effect.exit)
        expect(seen).toEqual(["one", "two"])
        expect(failure(exit)).toMatchObject({ _tag: "Some" })
        const error = yield* Effect.flip(exit)
        expect(error).toMatchObject({ reason: "NonZeroExit", exitCode: 3, stderrTail: "why\n" })
        // input, then stdin closed
        const sorted = yield* ManagedProcess.streamLines(["sort"], { env: t.env, input: "b\na\n" }).pipe(
          Stream.runCollect
        )
        expect(sorted).toEqual(["a", "b"])
      })
    ))

  it.live("streamLines: a stream that stops early terminates the process group; nothing is launched before it runs", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const stream = ManagedProcess.streamLines(
          nodeEval("console.log(process.pid); setInterval(() => console.log('tick'), 10)"),
          { env: t.env }
        )
        const [pid, tick] = yield* stream.pipe(Stream.take(2), Stream.runCollect)
        expect(tick).toBe("tick")
        t.trackPids([Number(pid)])
        expect(isAlive(Number(pid))).toBe(false)
        // interrupted from outside: the same
        const pids: Array<number> = []
        yield* stream.pipe(
          Stream.runForEach((line) => Effect.sync(() => /^\d+$/.test(line) && pids.push(Number(line)))),
          Effect.timeout("300 millis"),
          Effect.ignore
        )
        t.trackPids(pids)
        expect(pids.length).toBe(1)
        expect(isAlive(pids[0]!)).toBe(false)
      })
    ))

  it.live("streamLines of a pipeline: the last stage's lines, pipefail", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const piped = ChildProcess.make("printf", ["b\\na\\nb\\n"]).pipe(
          ChildProcess.pipeTo(ChildProcess.make("sort", ["-u"]))
        )
        expect(yield* ManagedProcess.streamLines(piped).pipe(Stream.runCollect))
          .toEqual(["a", "b"])
        const failing = ChildProcess.make("sh", ["-c", "echo x; exit 5"]).pipe(
          ChildProcess.pipeTo(ChildProcess.make("cat"))
        )
        const error = yield* Effect.flip(ManagedProcess.streamLines(failing).pipe(Stream.runDrain))
        expect(error).toMatchObject({ reason: "NonZeroExit", exitCode: 5 })
        expect(error.message).toContain("stage 1 of 2")
        void t
      })
    ))
})
