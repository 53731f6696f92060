// A conformance suite for Effect 4's `ChildProcessSpawner` (effect/process, effect 4.1.0), parametrized by the
// Layer that provides it. "contract" is what Effect 4 documents (and @effect/platform-node's layer, the reference,
// does); "guarantees" is what this project's drop-in promises beyond it: bounded termination with SIGKILL
// escalation by default, output drained when nobody reads it, group clean-up after the leader exits 0, and a
// parent-death reaper. Every test runs its processes with an environment marker and checks at the end that nothing
// carrying it survives (and kills whatever does, so that the suite cannot leak).
//
// The tests run under `it.effect`, which provides the TestClock; each test's effect is run with the live clock
// (`TestClock.withLive`), so that a layer's own timers (a grace before SIGKILL) and the tests' timeouts are real.
import { afterAll, describe, expect, it } from "@effect/vitest"
import type { Layer, Scope } from "effect"
import { Effect, Exit, PlatformError, Stream } from "effect"
import { ChildProcess, ChildProcessSpawner } from "effect/process"
import { TestClock } from "effect/testing"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import {
  closeScopeAndWatch,
  groupMembers,
  isAlive,
  killAll,
  marked,
  markerEnv,
  newMarker,
  noSurvivors,
  processGroupOf,
  since,
  startParent,
  waitUntil
} from "./harness.js"

export interface ConformanceOptions {
  /** Run the drop-in's guarantees (beyond Effect 4's contract). */
  readonly guarantees: boolean
  /**
   * The module the parent-death fixture imports `layer` from: a package specifier resolved from
   * test/conformance/fixtures (e.g. "@effect/platform-node/NodeChildProcessSpawner"), or an absolute path to a
   * built module. It is given the Node FileSystem and Path layers.
   */
  readonly parentModule: string
  /**
   * Whether the layer supports `additionalFds`. When it does not, the check is that configuring one is a
   * `BadArgument` (never a silently missing fd), and that an fd nobody configured is still an empty stream and a
   * draining sink.
   */
  readonly additionalFds: boolean
  /**
   * Variables the layer adds to every child's environment, which a replaced environment therefore also holds
   * (this library's parent-death reaper gives every child its token).
   */
  readonly addedEnv?: ReadonlyArray<string> | undefined
}

type Spawner = ChildProcessSpawner.ChildProcessSpawner

/** A variable set in this (test) process, so that children inherit it unless the env is replaced. */
export const INHERITED = "EFFECT_PROCESS_CONFORMANCE_INHERITED"
process.env[INHERITED] = "inherited"

const encoder = new TextEncoder()
const bytes = (text: string): Uint8Array => encoder.encode(text)

export const text = <E>(stream: Stream.Stream<Uint8Array, E>): Effect.Effect<string, E> =>
  Stream.mkString(Stream.decodeText(stream))

/** Sorted lines of a text (for interleaved streams). */
const sortedLines = (s: string): Array<string> => s.split("\n").filter((line) => line !== "").sort()

/** A command carrying `marker` (the env extends this process's). */
export const command = (
  marker: string,
  program: string,
  args: ReadonlyArray<string> = [],
  options: ChildProcess.CommandOptions = {}
): ChildProcess.StandardCommand =>
  ChildProcess.make(program, args, {
    ...options,
    env: { ...markerEnv(marker), ...options.env },
    extendEnv: options.extendEnv ?? true
  })

export const sh = (marker: string, script: string, options: ChildProcess.CommandOptions = {}) =>
  command(marker, "sh", ["-c", script], options)

/** A process group whose members all ignore SIGTERM: the leader (sh) and a `sleep` it started. */
export const TERM_IGNORING = "trap '' TERM; sleep 1000 & wait"

/** Fails (rather than hangs) when `effect` takes more than `millis` (real time, for it runs with the live clock). */
export const within = <A, E, R>(millis: number, label: string) => (effect: Effect.Effect<A, E, R>) =>
  Effect.timeoutOrElse(effect, {
    duration: millis,
    orElse: () => Effect.die(new Error(`${label}: did not complete within ${millis} ms`))
  })

/**
 * The exitCode of a process killed by a signal fails (there is no code): a PlatformError, reason Unknown from
 * ChildProcess.exitCode, whose cause names the signal (the message does not: it names the command).
 */
export const expectKilledBy = (error: PlatformError.PlatformError, signal: ChildProcess.Signal): void => {
  expect(PlatformError.isPlatformError(error)).toBe(true)
  expect(error).toMatchObject({
    _tag: "PlatformError",
    reason: { _tag: "Unknown", module: "ChildProcess", method: "exitCode" }
  })
  expect(String(error.reason.cause)).toContain(signal)
}

const markers = new Set<string>()

/**
 * Declares a test: `body` gets a fresh marker and runs in `Effect.scoped`; afterwards, whatever the outcome, no
 * process carrying the marker may survive (survivors are killed, then reported).
 */
export const makeTest = (layer: Layer.Layer<Spawner>) =>
(
  title: string,
  body: (marker: string) => Effect.Effect<unknown, unknown, Spawner | Scope.Scope>,
  timeout?: number
) =>
  it.effect(
    title,
    () =>
      Effect.gen(function*() {
        const marker = newMarker()
        markers.add(marker)
        const exit = yield* Effect.exit(Effect.scoped(body(marker)))
        const survivors = yield* noSurvivors(marker)
        if (Exit.isFailure(exit)) return yield* exit
        expect(survivors, "processes the test started survived it").toEqual([])
      }).pipe(Effect.provide(layer), TestClock.withLive),
    timeout
  )

// A safety net only (the per-test check is what reports): nothing a test started outlives the file.
afterAll(() => {
  for (const marker of markers) killAll(marker)
})

export const conformance = (name: string, layer: Layer.Layer<Spawner>, options: ConformanceOptions): void => {
  const test = makeTest(layer)

  describe(`ChildProcessSpawner conformance: ${name}`, () => {
    describe("contract", () => {
      test("make with a template literal: words split, interpolations one argument each", (marker) =>
        Effect.gen(function*() {
          const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
          expect(yield* spawner.string(ChildProcess.make`echo hello world`)).toBe("hello world\n")
          const spaced = "a b"
          const many = ["x", "y z"]
          expect(yield* spawner.string(ChildProcess.make`printf '%s|' ${spaced} c ${many}`)).toBe("a b|c|x|y z|")
          // text that needs a shell is refused when the command is built (a throw, not a failed effect)
          expect(() => ChildProcess.make`echo a | cat`).toThrow(/UnsupportedSyntax|operator/i)
          // the options form of the template
          const handle = yield* ChildProcess.make({ env: markerEnv(marker), extendEnv: true })`sh -c ${"exit 3"}`
          expect(yield* handle.exitCode).toBe(3)
        }))

      test("make(command, args, options): the arguments reach the program unchanged", (marker) =>
        Effect.gen(function*() {
          const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
          const out = yield* spawner.string(
            ChildProcess.make("sh", ["-c", "printf '%s|' \"$@\"", "sh", "a b", "", "$HOME", "'q'"], {
              env: markerEnv(marker),
              extendEnv: true
            })
          )
          expect(out).toBe("a b||$HOME|'q'|")
          // without args, make(command, options)
          expect(yield* spawner.string(ChildProcess.make("pwd", { cwd: "/" }))).toBe("/\n")
        }))

      test("exitCode: 0 for a success, a non-zero exit is a value (not a failure)", (marker) =>
        Effect.gen(function*() {
          const ok = yield* sh(marker, "exit 0")
          expect(yield* ok.exitCode).toBe(0)
          const failed = yield* sh(marker, "exit 42")
          const exit = yield* Effect.exit(failed.exitCode)
          expect(exit).toStrictEqual(Exit.succeed(42))
          // awaiting it again gives the same value
          expect(yield* failed.exitCode).toBe(42)
          expect(yield* failed.isRunning).toBe(false)
        }))

      test("stdout and stderr are separate streams; all carries both", (marker) =>
        Effect.gen(function*() {
          const script = "echo out1; echo err1 >&2; echo out2; echo err2 >&2"
          const handle = yield* sh(marker, script)
          const [stdout, stderr] = yield* Effect.all([text(handle.stdout), text(handle.stderr)], {
            concurrency: "unbounded"
          })
          expect(stdout).toBe("out1\nout2\n")
          expect(stderr).toBe("err1\nerr2\n")
          expect(yield* handle.exitCode).toBe(0)

          const both = yield* sh(marker, script)
          expect(sortedLines(yield* text(both.all))).toEqual(["err1", "err2", "out1", "out2"])
          expect(yield* both.exitCode).toBe(0)
        }))

      test("stdin: what is written through the stdin Sink reaches the child, which then sees EOF", (marker) =>
        Effect.gen(function*() {
          const handle = yield* command(marker, "cat")
          yield* Stream.run(Stream.make(bytes("one\n"), bytes("two\n")), handle.stdin)
          // cat only exits at EOF, so its exit shows that the sink's completion ended stdin
          const [out, code] = yield* Effect.all([text(handle.stdout), handle.exitCode], { concurrency: "unbounded" })
          expect(out).toBe("one\ntwo\n")
          expect(code).toBe(0)

          // wc -c prints only at EOF
          const counted = yield* command(marker, "wc", ["-c"])
          yield* Stream.run(Stream.make(bytes("12345")), counted.stdin)
          expect((yield* text(counted.stdout)).trim()).toBe("5")

          // stdin given as a Stream in the options
          const fed = yield* command(marker, "cat", [], { stdin: Stream.make(bytes("from a stream")) })
          expect(yield* text(fed.stdout)).toBe("from a stream")
          expect(yield* fed.exitCode).toBe(0)
        }).pipe(within(20_000, "stdin")))

      test("any signal of Effect 4's Signal that Linux has: a command's killSignal, and kill's", (marker) =>
        Effect.gen(function*() {
          const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
          const env = { ...process.env, ...markerEnv(marker) }
          expect(yield* spawner.exitCode(ChildProcess.make("true", [], { env, killSignal: "SIGBUS" }))).toBe(0)
          const trapped = yield* command(marker, "sh", [
            "-c",
            "trap 'exit 9' XCPU; echo up; while :; do sleep 0.05; done"
          ])
          yield* Stream.runHead(trapped.stdout)
          yield* trapped.kill({ killSignal: "SIGXCPU" }).pipe(within(10_000, "kill with SIGXCPU"))
          expect(yield* trapped.exitCode).toBe(9)
        }).pipe(within(20_000, "other signals")))

      test("an output that is not a pipe (inherit, ignore) is an empty stream; the helpers read the other", (marker) =>
        Effect.gen(function*() {
          const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
          const script = (options: ChildProcess.CommandOptions) =>
            ChildProcess.make("sh", ["-c", "echo out; echo err >&2"], {
              env: { ...process.env, ...markerEnv(marker) },
              ...options
            })
          expect(yield* spawner.string(script({ stderr: "ignore" }))).toBe("out\n")
          expect(yield* spawner.lines(script({ stderr: "ignore" }))).toEqual(["out"])
          expect(yield* spawner.string(script({ stdout: "ignore" }), { includeStderr: true })).toBe("err\n")
          const handle = yield* command(marker, "sh", ["-c", "echo err >&2"], { stderr: "ignore" })
          expect(yield* Stream.runCollect(handle.stderr)).toEqual([])
          expect(yield* handle.exitCode).toBe(0)
        }).pipe(within(20_000, "outputs that are not pipes")))

      test("a stdin Stream that fails: exitCode fails with its error (the input's failure takes precedence)", (marker) =>
        Effect.gen(function*() {
          const broke = PlatformError.systemError({
            _tag: "Unknown",
            module: "Stream",
            method: "read",
            description: "the source broke"
          })
          const input = Stream.concat(Stream.make(bytes("partial\n")), Stream.fail(broke))
          const handle = yield* command(marker, "cat", [], { stdin: input })
          const error = yield* Effect.flip(handle.exitCode)
          expect(error).toBe(broke)
        }).pipe(within(20_000, "a failing stdin Stream")))

      test("kill(): SIGTERM by default; isRunning true before, false after; the exitCode then fails", (marker) =>
        Effect.gen(function*() {
          const handle = yield* command(marker, "sleep", ["1000"])
          expect(yield* handle.isRunning).toBe(true)
          expect(isAlive(handle.pid)).toBe(true)
          yield* handle.kill().pipe(within(10_000, "kill()"))
          expect(yield* handle.isRunning).toBe(false)
          expect(isAlive(handle.pid)).toBe(false)
          expectKilledBy(yield* Effect.flip(handle.exitCode), "SIGTERM")
        }))

      test("kill({ killSignal }): the given signal is sent", (marker) =>
        Effect.gen(function*() {
          // the shell exits 7 on SIGUSR1 (its sleep dies of it)
          const handle = yield* sh(marker, "trap 'exit 7' USR1; while :; do sleep 0.05; done")
          yield* waitUntil(() => marked(marker).length === 2, 3_000)
          yield* handle.kill({ killSignal: "SIGUSR1" }).pipe(within(10_000, "kill({ killSignal: SIGUSR1 })"))
          expect(yield* handle.isRunning).toBe(false)
          expect(yield* handle.exitCode).toBe(7)

          // SIGKILL reaches a group that ignores SIGTERM
          const stubborn = yield* sh(marker, TERM_IGNORING)
          yield* waitUntil(() => marked(marker).length === 2, 3_000)
          yield* stubborn.kill({ killSignal: "SIGKILL" }).pipe(within(10_000, "kill({ killSignal: SIGKILL })"))
          expect(yield* stubborn.isRunning).toBe(false)
          expectKilledBy(yield* Effect.flip(stubborn.exitCode), "SIGKILL")
        }))

      test("kill({ forceKillAfter }): a group that ignores SIGTERM is SIGKILLed after the duration", (marker) =>
        Effect.gen(function*() {
          const handle = yield* sh(marker, TERM_IGNORING)
          yield* waitUntil(() => marked(marker).length === 2, 3_000)
          const start = Date.now()
          yield* handle.kill({ forceKillAfter: "300 millis" }).pipe(within(10_000, "kill({ forceKillAfter })"))
          expect(since(start)).toBeGreaterThanOrEqual(250)
          expect(yield* handle.isRunning).toBe(false)
          expect(groupMembers(handle.pid)).toEqual([])
          expectKilledBy(yield* Effect.flip(handle.exitCode), "SIGKILL")
        }))

      test("closing the scope terminates a running child", (marker) =>
        Effect.gen(function*() {
          const report = yield* closeScopeAndWatch(
            marker,
            Effect.map(command(marker, "sleep", ["1000"]), (handle) => handle.pid),
            10_000
          )
          expect(report.before.length).toBe(1)
          expect(report.goneAfter).toBeDefined()
          expect(report.closedAfter).toBeDefined()
          expect(report.exit).toStrictEqual(Exit.void)
        }))

      test("a command's forceKillAfter bounds the scope's close for a group that ignores SIGTERM", (marker) =>
        Effect.gen(function*() {
          const report = yield* closeScopeAndWatch(
            marker,
            Effect.gen(function*() {
              const handle = yield* sh(marker, TERM_IGNORING, { forceKillAfter: "300 millis" })
              yield* waitUntil(() => marked(marker).length === 2, 3_000)
              return handle.pid
            }),
            10_000
          )
          expect(report.before.length).toBe(2)
          expect(report.survivors).toEqual([])
          expect(report.goneAfter).toBeDefined()
          expect(report.closedAfter).toBeDefined()
          expect(report.closedAfter!).toBeGreaterThanOrEqual(250)
        }))

      test("cwd: the child runs in the given directory", (marker) =>
        Effect.gen(function*() {
          const dir = fs.mkdtempSync(path.join(os.tmpdir(), "conformance-cwd-"))
          yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
          const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
          const out = yield* spawner.string(command(marker, "pwd", [], { cwd: dir }))
          expect(fs.realpathSync(out.trim())).toBe(fs.realpathSync(dir))
          // setCwd
          const set = yield* spawner.string(ChildProcess.setCwd(command(marker, "pwd"), dir))
          expect(fs.realpathSync(set.trim())).toBe(fs.realpathSync(dir))
        }))

      test("env: inherited by default; env without extendEnv replaces it (extendEnv defaults to false)", (marker) =>
        Effect.gen(function*() {
          const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
          const envOf = (cmd: ChildProcess.Command) =>
            Effect.map(spawner.lines(cmd), (lines) => Object.fromEntries(lines.map((line) => line.split(/=(.*)/s))))
          const PATH = process.env.PATH!

          // no env: this process's environment
          const inherited = yield* envOf(ChildProcess.make("env"))
          expect(inherited[INHERITED]).toBe("inherited")

          // env, extendEnv not given: only what was given
          const replaced = yield* envOf(ChildProcess.make("env", { env: { ...markerEnv(marker), ONLY: "1", PATH } }))
          expect(replaced[INHERITED]).toBeUndefined()
          expect(replaced.ONLY).toBe("1")
          expect(Object.keys(replaced).sort()).toEqual(
            ["EFFECT_PROCESS_CONFORMANCE_MARKER", "ONLY", "PATH", ...(options.addedEnv ?? [])].sort()
          )

          // extendEnv: false, the same
          const explicit = yield* envOf(
            ChildProcess.make("env", { env: { ...markerEnv(marker), ONLY: "1", PATH }, extendEnv: false })
          )
          expect(explicit).toEqual(replaced)

          // extendEnv: true: merged, the given values win, undefined removes
          const extended = yield* envOf(
            ChildProcess.make("env", {
              env: { ...markerEnv(marker), ONLY: "1", HOME: "/nowhere", [INHERITED]: undefined },
              extendEnv: true
            })
          )
          expect(extended.ONLY).toBe("1")
          expect(extended.HOME).toBe("/nowhere")
          expect(extended.PATH).toBe(PATH)
          expect(extended[INHERITED]).toBeUndefined()
          const overridden = yield* envOf(
            ChildProcess.make("env", { env: { ...markerEnv(marker), [INHERITED]: "overridden" }, extendEnv: true })
          )
          expect(overridden[INHERITED]).toBe("overridden")

          // setEnv merges into the command's env
          const set = yield* envOf(ChildProcess.setEnv(command(marker, "env"), { SET: "yes" }))
          expect(set.SET).toBe("yes")
          expect(set[INHERITED]).toBe("inherited")
        }))

      test("shell: the command is a script for /bin/sh (true or a path); with arguments it is a BadArgument", (marker) =>
        Effect.gen(function*() {
          const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
          const env = markerEnv(marker)
          expect(
            yield* spawner.string(ChildProcess.make("echo $((1 + 2)) | tr 3 x", { shell: true, env, extendEnv: true }))
          )
            .toBe("x\n")
          expect(yield* spawner.string(ChildProcess.make("echo \"$0\"", { shell: "/bin/sh", env, extendEnv: true })))
            .toBe("/bin/sh\n")
          expect(yield* spawner.lines(ChildProcess.make({ shell: true, env, extendEnv: true })`echo a; echo b`))
            .toEqual(["a", "b"])
          const error = yield* Effect.flip(spawner.spawn(ChildProcess.make("echo", ["a"], { shell: true })))
          expect(PlatformError.isPlatformError(error)).toBe(true)
          expect(error).toMatchObject({
            _tag: "PlatformError",
            reason: { _tag: "BadArgument", module: "ChildProcess", method: "spawn" }
          })
        }))

      test("pipeTo: stdout to stdin by default; the handle is the last stage's", (marker) =>
        Effect.gen(function*() {
          const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
          const pipeline = command(marker, "printf", ["b\\na\\nc\\n"]).pipe(
            ChildProcess.pipeTo(command(marker, "sort")),
            ChildProcess.pipeTo(command(marker, "head", ["-n", "2"]))
          )
          expect(yield* spawner.lines(pipeline)).toEqual(["a", "b"])

          // the exit code is the last stage's
          const lastOk = yield* sh(marker, "echo x; exit 5").pipe(ChildProcess.pipeTo(command(marker, "cat")))
          expect(yield* text(lastOk.stdout)).toBe("x\n")
          expect(yield* lastOk.exitCode).toBe(0)
          const lastFails = yield* command(marker, "echo", ["x"]).pipe(
            ChildProcess.pipeTo(sh(marker, "cat >/dev/null; exit 4"))
          )
          expect(yield* lastFails.exitCode).toBe(4)

          // the pid is the last stage's; stdin is the first stage's
          const upper = yield* command(marker, "cat").pipe(ChildProcess.pipeTo(command(marker, "tr", ["a-z", "A-Z"])))
          expect(fs.readFileSync(`/proc/${upper.pid}/cmdline`, "utf8").split("\0")[0]).toBe("tr")
          yield* Stream.run(Stream.make(bytes("abc\n")), upper.stdin)
          expect(yield* text(upper.stdout)).toBe("ABC\n")
          expect(yield* upper.exitCode).toBe(0)

          // from: "stderr"
          const fromStderr = sh(marker, "echo out; echo err >&2").pipe(
            ChildProcess.pipeTo(command(marker, "tr", ["a-z", "A-Z"]), { from: "stderr" })
          )
          expect(yield* spawner.string(fromStderr)).toBe("ERR\n")
        }).pipe(within(20_000, "pipeTo")))

      test("the service's helpers: spawn, exitCode, string, lines, streamString, streamLines", (marker) =>
        Effect.gen(function*() {
          const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
          expect(Object.keys(spawner).sort()).toEqual(
            ["exitCode", "lines", "spawn", "streamLines", "streamString", "string"]
          )
          const script = sh(marker, "echo one; echo err >&2; echo two")
          expect(yield* spawner.exitCode(sh(marker, "exit 3"))).toBe(3)
          expect(yield* spawner.string(script)).toBe("one\ntwo\n")
          expect(sortedLines(yield* spawner.string(script, { includeStderr: true }))).toEqual(["err", "one", "two"])
          expect(yield* spawner.lines(script)).toEqual(["one", "two"])
          expect((yield* spawner.lines(script, { includeStderr: true })).sort()).toEqual(["err", "one", "two"])
          expect((yield* Stream.runCollect(spawner.streamString(script))).join("")).toBe("one\ntwo\n")
          expect(yield* Stream.runCollect(spawner.streamLines(script))).toEqual(["one", "two"])
          const handle = yield* spawner.spawn(sh(marker, "exit 6"))
          expect(yield* handle.exitCode).toBe(6)
          // a command is itself an effect that spawns through the service
          const direct = yield* sh(marker, "exit 2")
          expect(yield* direct.exitCode).toBe(2)
        }))

      test("spawner.exitCode returns at the leader's exit even when a descendant keeps the pipes open", (marker) =>
        Effect.gen(function*() {
          const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
          const start = Date.now()
          const code = yield* spawner.exitCode(sh(marker, "sleep 1000 & exit 4")).pipe(
            within(10_000, "spawner.exitCode")
          )
          expect(code).toBe(4)
          expect(since(start)).toBeLessThan(10_000)
        }))

      test("a missing program fails with a PlatformError (NotFound, ChildProcess.spawn)", (marker) =>
        Effect.gen(function*() {
          const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
          const error = yield* Effect.flip(spawner.spawn(command(marker, "no-such-program-conformance", ["x"])))
          expect(PlatformError.isPlatformError(error)).toBe(true)
          expect(error).toMatchObject({
            _tag: "PlatformError",
            reason: {
              _tag: "NotFound",
              module: "ChildProcess",
              method: "spawn",
              pathOrDescriptor: "no-such-program-conformance x"
            }
          })
          // the same through the helpers and a command run as an effect
          const viaHelper = yield* Effect.flip(spawner.exitCode(ChildProcess.make`no-such-program-conformance`))
          expect(viaHelper).toMatchObject({ _tag: "PlatformError", reason: { _tag: "NotFound" } })
          const viaCommand = yield* Effect.flip(ChildProcess.make`no-such-program-conformance`)
          expect(viaCommand).toMatchObject({ _tag: "PlatformError", reason: { _tag: "NotFound" } })
        }))

      test("a missing cwd fails with a PlatformError (NotFound, FileSystem.access of the directory)", (marker) =>
        Effect.gen(function*() {
          const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
          const error = yield* Effect.flip(spawner.spawn(command(marker, "true", [], { cwd: "/no/such/dir" })))
          expect(PlatformError.isPlatformError(error)).toBe(true)
          expect(error).toMatchObject({
            _tag: "PlatformError",
            reason: { _tag: "NotFound", module: "FileSystem", method: "access", pathOrDescriptor: "/no/such/dir" }
          })
          expect(marked(marker)).toEqual([])
        }))

      if (!options.additionalFds) {
        test(
          "additional fds, unsupported: configuring one is a BadArgument; an fd not configured is empty",
          (marker) =>
            Effect.gen(function*() {
              const error = yield* Effect.flip(
                sh(marker, "echo to-fd3 >&3", { additionalFds: { fd3: { type: "output" } } })
              )
              expect(error._tag).toBe("PlatformError")
              expect(error.reason._tag).toBe("BadArgument")
              expect(marked(marker)).toEqual([])
              const plain = yield* sh(marker, "exit 0")
              expect(yield* Stream.runCollect(plain.getOutputFd(4))).toEqual([])
              yield* Stream.run(Stream.make(bytes("dropped")), plain.getInputFd(4))
              expect(yield* plain.exitCode).toBe(0)
            }).pipe(within(20_000, "additional fds, unsupported"))
        )
      } else {
        test(
          "additional fds: an output fd is read with getOutputFd, an input fd written with getInputFd",
          (marker) =>
            Effect.gen(function*() {
              const out = yield* sh(marker, "echo to-fd3 >&3; echo to-stdout", {
                additionalFds: { fd3: { type: "output" } }
              })
              const [fd3, stdout] = yield* Effect.all([text(out.getOutputFd(3)), text(out.stdout)], {
                concurrency: "unbounded"
              })
              expect(fd3).toBe("to-fd3\n")
              expect(stdout).toBe("to-stdout\n")
              expect(yield* out.exitCode).toBe(0)

              const input = yield* sh(marker, "cat <&3", { additionalFds: { fd3: { type: "input" } } })
              yield* Stream.run(Stream.make(bytes("via fd3")), input.getInputFd(3))
              expect(yield* text(input.stdout)).toBe("via fd3")
              expect(yield* input.exitCode).toBe(0)

              // an fd that was not configured: an empty stream, a draining sink
              const plain = yield* sh(marker, "exit 0")
              expect(yield* Stream.runCollect(plain.getOutputFd(4))).toEqual([])
              yield* Stream.run(Stream.make(bytes("dropped")), plain.getInputFd(4))
              expect(yield* plain.exitCode).toBe(0)
            }).pipe(within(20_000, "additional fds"))
        )
      }

      test("pid: the child's process id, the leader of its own process group (detached by default)", (marker) =>
        Effect.gen(function*() {
          const handle = yield* command(marker, "sleep", ["1000"])
          expect(Number.isInteger(handle.pid) && handle.pid > 0).toBe(true)
          expect(marked(marker)).toEqual([handle.pid])
          expect(processGroupOf(handle.pid)).toBe(handle.pid)
          expect(processGroupOf(handle.pid)).not.toBe(processGroupOf(process.pid))
        }))
    })

    // Declared only where they are promised: platform-node's layer has gap tests instead (platform-node.test.ts).
    if (options.guarantees) {
      describe("guarantees", () => {
        test(
          "a group that ignores SIGTERM is gone within 15 s of the scope's close, without forceKillAfter",
          (marker) =>
            Effect.gen(function*() {
              const report = yield* closeScopeAndWatch(
                marker,
                Effect.gen(function*() {
                  const handle = yield* sh(marker, TERM_IGNORING)
                  yield* waitUntil(() => marked(marker).length === 2, 3_000)
                  return handle.pid
                }),
                15_000
              )
              expect(report.before.length).toBe(2)
              expect(report.survivors).toEqual([])
              expect(report.goneAfter).toBeDefined()
              expect(report.closedAfter).toBeDefined()
              expect(report.exit).toStrictEqual(Exit.void)
            }),
          40_000
        )

        test(
          "a leader that exits 0 leaving a background grandchild: the grandchild is gone after the close",
          (marker) =>
            Effect.gen(function*() {
              const report = yield* closeScopeAndWatch(
                marker,
                Effect.gen(function*() {
                  const handle = yield* sh(marker, "sleep 1000 & exit 0")
                  expect(yield* handle.exitCode.pipe(within(10_000, "the leader's exit"))).toBe(0)
                  yield* waitUntil(() => marked(marker).length === 1, 3_000)
                  expect(marked(marker).length).toBe(1)
                  return handle.pid
                }),
                15_000
              )
              expect(report.survivors).toEqual([])
              expect(report.goneAfter).toBeDefined()
              expect(report.closedAfter).toBeDefined()
            }),
          40_000
        )

        test(
          "a leader that exits 0 leaving a grandchild that ignores SIGTERM: gone after the close",
          (marker) =>
            Effect.gen(function*() {
              const report = yield* closeScopeAndWatch(
                marker,
                Effect.gen(function*() {
                  const handle = yield* sh(marker, "trap '' TERM; sleep 1000 & exit 0")
                  expect(yield* handle.exitCode.pipe(within(10_000, "the leader's exit"))).toBe(0)
                  yield* waitUntil(() => marked(marker).length === 1, 3_000)
                  expect(marked(marker).length).toBe(1)
                  return handle.pid
                }),
                15_000
              )
              expect(report.survivors).toEqual([])
              expect(report.goneAfter).toBeDefined()
              expect(report.closedAfter).toBeDefined()
            }),
          40_000
        )

        test("16 MiB on stdout that nobody reads: exitCode completes", (marker) =>
          Effect.gen(function*() {
            const handle = yield* command(marker, "head", ["-c", String(16 * 1024 * 1024), "/dev/zero"])
            expect(yield* handle.exitCode.pipe(within(30_000, "exitCode with unread stdout"))).toBe(0)
          }), 40_000)

        test("16 MiB on stderr that nobody reads: exitCode completes", (marker) =>
          Effect.gen(function*() {
            const handle = yield* sh(marker, `head -c ${16 * 1024 * 1024} /dev/zero >&2`)
            expect(yield* handle.exitCode.pipe(within(30_000, "exitCode with unread stderr"))).toBe(0)
          }), 40_000)

        test(
          "the helpers give the child an empty stdin: spawner.string of cat ends",
          (marker) =>
            Effect.gen(function*() {
              const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
              const cat = ChildProcess.make("cat", { env: { ...process.env, ...markerEnv(marker) } })
              expect(yield* spawner.string(cat).pipe(within(10_000, "spawner.string of cat"))).toBe("")
              expect(yield* spawner.exitCode(cat).pipe(within(10_000, "spawner.exitCode of cat"))).toBe(0)
            }),
          30_000
        )

        test("parent death: the child of a SIGKILLed parent is gone within 10 s", (marker) =>
          Effect.gen(function*() {
            const { child, exited, parent } = yield* startParent(options.parentModule, marker)
            expect(isAlive(child)).toBe(true)
            process.kill(parent, "SIGKILL")
            yield* Effect.promise(() => exited)
            const start = Date.now()
            const gone = yield* waitUntil(() => !isAlive(child) && marked(marker).length === 0, 10_000)
            expect(gone, `the child ${child} outlived its SIGKILLed parent by ${since(start)} ms`).toBe(true)
          }), 40_000)
      })
    }
  })
}
