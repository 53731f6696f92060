import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Option, pipe } from "effect"
import { ManagedProcess, OutputPattern } from "effect-process"
import { assertProcessError, assertTimeoutError } from "./assertions.js"
import { noSurvivors } from "./harness.js"
import { nodeFixture, timed } from "./utils.js"

describe("waitForOutput", () => {
  it.live("finds parts spread across lines and chunks, in any order", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(
            nodeFixture("echo-lines.js", "starting", "server on port 8080", "ready to serve"),
            {
              env: { ...t.env, DELAY_MS: "100" }
            }
          )
        )
        const seen = yield* proc.waitForOutput(["ready", "port"], { timeout: "10 seconds" })
        expect(seen).toContain("server on port 8080")
        // through the end of the line that completed the match
        expect(seen.endsWith("ready to serve\n")).toBe(true)
      })
    ))

  it.live("finds output without a trailing newline while the process stays alive", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sh", "-c", "printf ready; exec sleep 1000"], { env: t.env }))
        const [seen, elapsed] = yield* timed(proc.waitForOutput(["ready"], { timeout: "10 seconds" }))
        expect(seen).toBe("ready")
        expect(elapsed).toBeLessThan(5000)
        expect(yield* proc.isRunning).toBe(true)
      })
    ))

  it.live("a part split across two writes is found", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(["sh", "-c", "printf 'rea'; sleep 0.3; printf 'dy\\n'; exec sleep 1000"], {
            env: t.env
          })
        )
        expect(yield* proc.waitForOutput(["ready"], { timeout: "10 seconds" })).toBe("ready\n")
      })
    ))

  it.live("an empty list of parts matches at once with \"\"", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sleep", "1000"], { env: t.env }))
        const [seen, elapsed] = yield* timed(proc.waitForOutput([], { timeout: "10 seconds" }))
        expect(seen).toBe("")
        expect(elapsed).toBeLessThan(1000)
      })
    ))

  it.live("times out with TimeoutError WaitForOutput carrying what was seen", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(["sh", "-c", "echo booting; echo 'still booting'; exec sleep 1000"], {
            env: t.env
          })
        )
        const [error, elapsed] = yield* timed(Effect.flip(proc.waitForOutput(["ready"], { timeout: "700 millis" })))
        assertTimeoutError(error, "WaitForOutput")
        expect(error.seen).toContain("booting")
        expect(error.seen).toContain("still booting")
        expect(error.command).toEqual(["sh", "-c", "echo booting; echo 'still booting'; exec sleep 1000"])
        expect(error.pid).toBe(proc.pid)
        expect(Duration.toMillis(error.timeout)).toBe(700)
        expect(error.message).toContain("still booting")
        expect(elapsed).toBeGreaterThanOrEqual(600)
        expect(elapsed).toBeLessThan(4000)
      })
    ))

  it.live("an exit 1 before the match fails at once with ExitedBeforeMatch and exit code 1", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(["sh", "-c", "echo starting; echo 'bad config' >&2; exit 1"], { env: t.env })
        )
        const [error, elapsed] = yield* timed(Effect.flip(proc.waitForOutput(["ready"], { timeout: "20 seconds" })))
        assertProcessError(error, "ExitedBeforeMatch")
        expect(error.exitCode).toBe(1)
        expect(error.pid).toBe(proc.pid)
        expect(error.stderrTail).toContain("bad config")
        expect(error.stdoutTail).toContain("starting")
        expect(elapsed).toBeLessThan(5000)
      })
    ))

  it.live("an exit 0 before the match fails with ExitedBeforeMatch and exit code 0", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sh", "-c", "echo done"], { env: t.env }))
        const [error, elapsed] = yield* timed(Effect.flip(proc.waitForOutput(["ready"], { timeout: "20 seconds" })))
        assertProcessError(error, "ExitedBeforeMatch")
        expect(error.exitCode).toBe(0)
        expect(elapsed).toBeLessThan(5000)
      })
    ))

  it.live("a death by signal before the match fails with ExitedBeforeMatch and the signal", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sh", "-c", "echo starting; kill -KILL $$"], { env: t.env }))
        const error = yield* Effect.flip(proc.waitForOutput(["ready"], { timeout: "20 seconds" }))
        assertProcessError(error, "ExitedBeforeMatch")
        expect(error.signal).toBe("SIGKILL")
      })
    ))

  it.live("OutputPattern.regex returns the match with its capture", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(nodeFixture("echo-lines.js", "booting", "listening on 8123", "serving"), {
            env: t.env
          })
        )
        const match = yield* proc.waitForOutput(OutputPattern.regex(/listening on (\d+)/), { timeout: "10 seconds" })
        expect(match[0]).toBe("listening on 8123")
        expect(match[1]).toBe("8123")
      })
    ))

  it.live("OutputPattern.line returns the parsed value", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sh", "-c", "echo 'port=4242'; sleep 1000"], { env: t.env }))
        const port = yield* proc.waitForOutput(
          OutputPattern.line((line) => {
            const match = /^port=(\d+)$/.exec(line)
            return match ? Option.some(Number(match[1])) : Option.none()
          }),
          { timeout: "10 seconds" }
        )
        expect(port).toBe(4242)
      })
    ))

  it.live("waitForOutput consumes through the line of the match: readLine gets the following line", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(["sh", "-c", "printf 'before ready after\\nnext line\\n'; exec sleep 1000"], {
            env: t.env
          })
        )
        expect(yield* proc.waitForOutput(["ready"], { timeout: "10 seconds" })).toBe("before ready after\n")
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("next line")
      })
    ))

  it.live("a match in a line whose end has not arrived consumes what arrived; the next read gets the rest", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make([
            "sh",
            "-c",
            "printf 'ready'; sleep 0.5; printf ' rest\\nnext\\n'; exec sleep 1000"
          ], {
            env: t.env
          })
        )
        expect(yield* proc.waitForOutput(["ready"], { timeout: "10 seconds" })).toBe("ready")
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe(" rest")
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("next")
      })
    ))

  it.live("a regex match consumes its line: readLine gets the following line", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(
            ["sh", "-c", "printf 'boot\\nlistening on 80\\nfirst request\\n'; exec sleep 1000"],
            { env: t.env }
          )
        )
        const match = yield* proc.waitForOutput(OutputPattern.regex(/listening on (\d+)/), { timeout: "10 seconds" })
        expect(match[1]).toBe("80")
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("first request")
      })
    ))

  it.live("successive waits see successive output", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(nodeFixture("echo-lines.js", "step 1", "step 2", "step 3"), {
            env: { ...t.env, DELAY_MS: "50" }
          })
        )
        yield* proc.waitForOutput(["step 1"], { timeout: "10 seconds" })
        const second = yield* proc.waitForOutput(["step"], { timeout: "10 seconds" })
        expect(second).toBe("step 2\n")
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("step 3")
      })
    ))

  it.live("data-last form ManagedProcess.waitForOutput(parts)(proc)", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sh", "-c", "echo ready; sleep 1000"], { env: t.env }))
        expect(yield* pipe(proc, ManagedProcess.waitForOutput(["ready"], { timeout: "10 seconds" }))).toBe("ready\n")
      })
    ))
})
