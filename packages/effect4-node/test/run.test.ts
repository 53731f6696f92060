import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Stream } from "effect"
import { ManagedProcess } from "effect-process"
import * as ChildProcess from "effect/process/ChildProcess"
import * as fs from "node:fs"
import * as path from "node:path"
import { assertProcessError, assertTimeoutError } from "./assertions.js"
import { noSurvivors } from "./harness.js"
import { eventually, expectGone, fixture, nodeFixture, parsePids, readFileIfExists, tempDir, timed } from "./utils.js"

describe("run", () => {
  it.live("run([\"cat\"]) ends at once: stdin is closed by default", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const [result, elapsed] = yield* timed(
          ManagedProcess.run(["cat"], { env: t.env }).pipe(
            Effect.timeout("10 seconds")
          )
        )
        expect(result.exitCode).toBe(0)
        expect(result.stdout).toBe("")
        expect(result.command).toEqual(["cat"])
        expect(result.pid).toBeGreaterThan(0)
        expect(elapsed).toBeLessThan(5000)
      })
    ))

  it.live("run with input feeds stdin", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const result = yield* ManagedProcess.run(["cat"], { env: t.env, input: "hello" }).pipe(
          Effect.timeout("10 seconds")
        )
        expect(result.stdout).toBe("hello")
        expect(result.exitCode).toBe(0)
      })
    ))

  it.live("run collects stdout and stderr separately and measures the duration", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const result = yield* ManagedProcess.run(["sh", "-c", "echo out; echo err >&2; sleep 0.2"], { env: t.env })
          .pipe(
            Effect.timeout("10 seconds")
          )
        expect(result.stdout).toBe("out\n")
        expect(result.stderr).toBe("err\n")
        expect(Duration.toMillis(result.duration)).toBeGreaterThanOrEqual(150)
      })
    ))

  it.live("run collects large output whole (2 MiB each)", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const result = yield* ManagedProcess.run(nodeFixture("flood.js", String(2 * 1024 * 1024)), { env: t.env })
          .pipe(Effect.timeout("20 seconds"))
        expect(result.stdout.length).toBe(2 * 1024 * 1024)
        expect(result.stderr.length).toBe(2 * 1024 * 1024)
      })
    ))

  it.live("run does not hang on a grandchild that holds stdout, and leaves nothing behind", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const [result, elapsed] = yield* timed(
          ManagedProcess.run([fixture("grandchild-holds-stdout.sh")], { env: t.env }).pipe(
            Effect.timeout("20 seconds")
          )
        )
        expect(result.exitCode).toBe(0)
        const [grandchild] = parsePids(result.stdout)
        expect(grandchild).toBeGreaterThan(0)
        t.trackPids([grandchild!])
        expect(elapsed).toBeLessThan(5000)
        yield* expectGone([grandchild!], [result.pid])
      })
    ))

  it.live("a non-zero exit fails with NonZeroExit carrying the exit code and the stderr tail", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const command = ["sh", "-c", "echo oops >&2; exit 3"]
        const error = yield* Effect.flip(ManagedProcess.run(command, { env: t.env }).pipe(Effect.timeout("10 seconds")))
        assertProcessError(error, "NonZeroExit")
        expect(error.exitCode).toBe(3)
        expect(error.stderrTail).toContain("oops")
        expect(error.command).toEqual(command)
        expect(error.message).toContain("oops")
      })
    ))

  it.live("successExitCodes makes other exit codes a success", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const result = yield* ManagedProcess.run(["sh", "-c", "exit 3"], { env: t.env, successExitCodes: [0, 3] }).pipe(
          Effect.timeout("10 seconds")
        )
        expect(result.exitCode).toBe(3)
      })
    ))

  it.live("a process killed by a signal fails with KilledBySignal and the signal", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          ManagedProcess.run(["sh", "-c", "echo dying >&2; kill -KILL $$"], { env: t.env }).pipe(
            Effect.timeout("10 seconds")
          )
        )
        assertProcessError(error, "KilledBySignal")
        expect(error.signal).toBe("SIGKILL")
        expect(error.exitCode).toBeUndefined()
        expect(error.stderrTail).toContain("dying")
      })
    ))

  it.live("run with a timeout stops the process and fails with TimeoutError Run", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const pidFile = path.join(dir, "pid")
        const [error, elapsed] = yield* timed(Effect.flip(
          ManagedProcess.run(["sh", "-c", "echo $$ > \"$0\"; echo started; exec sleep 1000", pidFile], {
            env: t.env,
            timeout: "500 millis"
          }).pipe(Effect.timeout("20 seconds"))
        ))
        assertTimeoutError(error, "Run")
        expect(elapsed).toBeLessThan(500 + 7000)
        const pid = Number(readFileIfExists(pidFile))
        expect(pid).toBeGreaterThan(0)
        yield* expectGone([pid], [pid])
      })
    ))

  it.live("more output than maxBuffer fails with MaxBufferExceeded and stops the process", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          ManagedProcess.run(["sh", "-c", "while :; do echo xxxxxxxxxxxxxxxxxxxxxxx; done"], {
            env: t.env,
            maxBuffer: 64 * 1024
          }).pipe(Effect.timeout("20 seconds"))
        )
        assertProcessError(error, "MaxBufferExceeded")
      })
    ))

  it.live("interrupting run leaves no process", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const pidFile = path.join(dir, "pid")
        const fiber = yield* Effect.forkChild(
          ManagedProcess.run(["sh", "-c", "echo $$ > \"$0\"; exec sleep 1000", pidFile], { env: t.env })
        )
        const pid = yield* eventually("the pid file", () => {
          const text = readFileIfExists(pidFile)
          return text !== undefined && text.endsWith("\n") ? Number(text) : undefined
        }, "10 seconds")
        yield* Fiber.interrupt(fiber)
        yield* expectGone([pid], [pid])
      })
    ))
})

/** What `Command.feed` was in Effect 3: a stdin stream of one chunk. */
const fed = (text: string) => Stream.make(new TextEncoder().encode(text))

describe("an Effect 4 ChildProcess command is accepted", () => {
  it.live("by run, with its env", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const command = ChildProcess.make("sh", ["-c", "echo $FOO"], { env: { FOO: "bar", ...t.env }, extendEnv: true })
        const result = yield* ManagedProcess.run(command).pipe(Effect.timeout("10 seconds"))
        expect(result.stdout).toBe("bar\n")
        expect(result.command).toEqual(["sh", "-c", "echo $FOO"])
      })
    ))

  it.live("by make, with its env and cwd", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const command = ChildProcess.make("sh", ["-c", "echo $FOO; pwd -P"], {
          env: { FOO: "bar", ...t.env },
          extendEnv: true,
          cwd: dir
        })
        const proc = t.track(yield* ManagedProcess.make(command))
        expect(yield* proc.readLine({ timeout: "10 seconds" })).toBe("bar")
        expect(yield* proc.readLine({ timeout: "10 seconds" })).toBe(fs.realpathSync(dir))
        expect(proc.command).toEqual(["sh", "-c", "echo $FOO; pwd -P"])
      })
    ))

  // Effect 4's contract: a shell runs one script, the command; a shell with arguments is refused.
  it.live("with shell: the command is the script; with arguments it is refused, typed, and nothing starts", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const command = ChildProcess.make("echo $EP_SHELL_VAR | tr a-z A-Z", {
          shell: true,
          env: { EP_SHELL_VAR: "from the shell", ...t.env },
          extendEnv: true
        })
        const result = yield* ManagedProcess.run(command).pipe(Effect.timeout("10 seconds"))
        expect(result.stdout).toBe("FROM THE SHELL\n")
        const withArgs = ChildProcess.make("echo", ["$EP_SHELL_VAR"], { shell: true, env: t.env, extendEnv: true })
        assertProcessError(yield* Effect.flip(ManagedProcess.run(withArgs)), "InvalidCommand")
      })
    ))

  // Effect 4's contract: a command's own env replaces the inherited environment unless extendEnv is set.
  it.live("its own env replaces the inherited environment unless extendEnv", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const inherited = "EP_E4_INHERITED"
        process.env[inherited] = "from the parent"
        try {
          const own = yield* ManagedProcess.string(
            ChildProcess.make("/usr/bin/env", { env: { ONLY: "this", ...t.env } })
          )
          // (the reaper's token is the spawner's, added to every environment)
          const ownLines = own.split("\n").filter((line) =>
            line.length > 0 && !line.startsWith("EFFECT_PROCESS_REAPER=")
          )
          expect(ownLines.sort()).toEqual(
            [`${Object.keys(t.env)[0]}=${t.env[Object.keys(t.env)[0]!]}`, "ONLY=this"].sort()
          )
          const extended = yield* ManagedProcess.string(
            ChildProcess.make("/usr/bin/env", { env: { ONLY: "this", ...t.env }, extendEnv: true })
          )
          expect(extended).toContain(`${inherited}=from the parent`)
          expect(extended).toContain("ONLY=this")
        } finally {
          delete process.env[inherited]
        }
      })
    ))

  it.live("by make, with its stdin fed by a stream", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const command = ChildProcess.make("cat", { stdin: fed("fed through stdin\n"), env: t.env, extendEnv: true })
        const proc = t.track(yield* ManagedProcess.make(command))
        expect(yield* proc.readLine({ timeout: "10 seconds" })).toBe("fed through stdin")
        // the stream ended, so stdin was closed and cat exits
        expect((yield* proc.awaitExit.pipe(Effect.timeout("10 seconds"))).exitCode).toBe(0)
      })
    ))

  it.live("by run, with its stdin fed by a stream", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const command = ChildProcess.make("cat", { stdin: fed("fed through stdin"), env: t.env, extendEnv: true })
        const result = yield* ManagedProcess.run(command).pipe(Effect.timeout("10 seconds"))
        expect(result.stdout).toBe("fed through stdin")
      })
    ))

  // Piped commands run (pipelines.test.ts); every stage is validated before the first one starts.
  it.live("a piped command with an invalid stage is InvalidCommand, and no stage is started", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const trace = path.join(dir, "trace")
        const command = ChildProcess.make("sh", ["-c", "echo ran > \"$0\"", trace], { env: t.env, extendEnv: true })
          .pipe(
            ChildProcess.pipeTo(ChildProcess.make("cat", ["a\u0000b"], { env: t.env, extendEnv: true }))
          )
        assertProcessError(yield* Effect.flip(ManagedProcess.make(command)), "InvalidCommand")
        assertProcessError(yield* Effect.flip(ManagedProcess.run(command)), "InvalidCommand")
        yield* Effect.sleep("300 millis")
        expect(readFileIfExists(trace)).toBeUndefined()
      })
    ))
})
