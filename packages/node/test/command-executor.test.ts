/**
 * The conformance suite of the CommandExecutor: the same checks, against `@effect/platform-node`'s executor and
 * this library's (`NodeCommandExecutor.layer`). Everything the `Command` API documents must pass on both; each
 * defect of platform-node's executor is checked on this library's only (on platform-node's it hangs or leaks).
 * Every process carries a marker in its environment, and each test ends by checking that none is left.
 */
import { NodeCommandExecutor } from "@effect-process/node"
import type { CommandExecutor } from "@effect/platform"
import { Command, Error as PlatformError } from "@effect/platform"
import * as PlatformNode from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Layer, Option, Stream } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { expectGone, expectMarkerGone, isAlive, markerEnv, newMarker, parsePids, tempDir } from "./utils.js"

const executors = [
  ["@effect/platform-node", Layer.provide(PlatformNode.NodeCommandExecutor.layer, PlatformNode.NodeFileSystem.layer)],
  ["effect-process", NodeCommandExecutor.layer]
] as const

/** Runs `body` with the executor, then checks that nothing carrying the marker survives. */
const conform = <A, E>(
  layer: Layer.Layer<CommandExecutor.CommandExecutor>,
  body: (env: Record<string, string>) => Effect.Effect<A, E, CommandExecutor.CommandExecutor>
) => {
  const marker = newMarker()
  return body(markerEnv(marker)).pipe(
    Effect.timeout("20 seconds"),
    Effect.ensuring(Effect.orDie(expectMarkerGone(marker, "3 seconds"))),
    Effect.provide(layer)
  )
}

const sh = (script: string, env: Record<string, string>) => Command.make("sh", "-c", script).pipe(Command.env(env))

for (const [name, layer] of executors) {
  describe(`CommandExecutor conformance (${name})`, () => {
    it.live("string, lines, streamLines and stream give the output", () =>
      conform(layer, (env) =>
        Effect.gen(function*() {
          const command = sh("printf 'one\\ntwo\\r\\nthree'", env)
          expect(yield* Command.string(command)).toBe("one\ntwo\r\nthree")
          expect(yield* Command.lines(command)).toEqual(["one", "two", "three"])
          expect(Chunk.toArray(yield* Stream.runCollect(Command.streamLines(command)))).toEqual(["one", "two", "three"])
          const bytes = yield* Stream.runFold(Command.stream(command), 0, (n, chunk) => n + chunk.length)
          expect(bytes).toBe(14)
        })))

    it.live("exitCode: a non-zero exit is a value", () =>
      conform(layer, (env) =>
        Effect.gen(function*() {
          expect(yield* Command.exitCode(sh("exit 3", env))).toBe(3)
          expect(yield* Command.exitCode(sh("exit 0", env))).toBe(0)
        })))

    it.live("env, extended over the parent's, and the working directory", () =>
      conform(layer, (env) =>
        Effect.gen(function*() {
          const dir = yield* Effect.scoped(tempDir)
          fs.mkdirSync(dir, { recursive: true })
          const command = sh("printf '%s %s' \"$CONFORMANCE\" \"$(pwd)\"", { ...env, CONFORMANCE: "yes" }).pipe(
            Command.workingDirectory(dir)
          )
          expect(yield* Command.string(command)).toBe(`yes ${fs.realpathSync(dir)}`)
          fs.rmSync(dir, { recursive: true, force: true })
        })))

    it.live("stdin from a Stream and from feed", () =>
      conform(layer, (env) =>
        Effect.gen(function*() {
          const cat = Command.make("cat").pipe(Command.env(env))
          expect(yield* Command.string(Command.feed(cat, "fed\n"))).toBe("fed\n")
          const input = Stream.make("a\n", "b\n").pipe(Stream.encodeText)
          expect(yield* Command.string(Command.stdin(cat, input))).toBe("a\nb\n")
        })))

    it.live("start: the Process interface (pid, isRunning, stdin sink, stdout, exitCode)", () =>
      conform(layer, (env) =>
        Effect.scoped(Effect.gen(function*() {
          const process = yield* Command.start(Command.make("cat").pipe(Command.env(env)))
          expect(process.pid).toBeGreaterThan(0)
          expect(yield* process.isRunning).toBe(true)
          const output = yield* Effect.fork(Stream.runCollect(Stream.decodeText(process.stdout)))
          yield* Stream.run(Stream.make("hello ", "world").pipe(Stream.encodeText), process.stdin)
          expect(Chunk.join(yield* Fiber.join(output), "")).toBe("hello world")
          expect(yield* process.exitCode).toBe(0)
          expect(yield* process.isRunning).toBe(false)
        }))))

    it.live("kill: the process is signalled and gone", () =>
      conform(layer, (env) =>
        Effect.scoped(Effect.gen(function*() {
          const process = yield* Command.start(sh("sleep 30", env))
          yield* process.kill("SIGTERM")
          expect(yield* process.isRunning).toBe(false)
          const code = yield* Effect.either(process.exitCode)
          expect(code._tag).toBe("Left")
        }))))

    it.live("a missing program is a SystemError NotFound; a program that is not executable is PermissionDenied", () =>
      conform(layer, () =>
        Effect.gen(function*() {
          const missing = yield* Effect.flip(Command.string(Command.make("effect-process-no-such-program")))
          expect(missing._tag).toBe("SystemError")
          expect(missing._tag === "SystemError" && missing.reason).toBe("NotFound")
          const dir = yield* Effect.scoped(tempDir)
          fs.mkdirSync(dir, { recursive: true })
          const file = path.join(dir, "not-executable")
          fs.writeFileSync(file, "#!/bin/sh\necho no\n", { mode: 0o644 })
          const denied = yield* Effect.flip(Command.string(Command.make(file)))
          expect(denied._tag).toBe("SystemError")
          expect(denied._tag === "SystemError" && denied.reason).toBe("PermissionDenied")
          fs.rmSync(dir, { recursive: true, force: true })
        })))

    it.live("a missing working directory is a SystemError NotFound", () =>
      conform(layer, () =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(
            Command.string(Command.make("true").pipe(Command.workingDirectory("/effect-process/no/such/dir")))
          )
          expect(error._tag).toBe("SystemError")
          expect(error._tag === "SystemError" && error.reason).toBe("NotFound")
        })))

    it.live("pipes: stdout of each stage to the next, stdin into the first", () =>
      conform(layer, (env) =>
        Effect.gen(function*() {
          const pipeline = sh("printf 'b\\na\\nc\\n'", env).pipe(
            Command.pipeTo(Command.make("sort").pipe(Command.env(env))),
            Command.pipeTo(Command.make("head", "-n", "2").pipe(Command.env(env)))
          )
          expect(yield* Command.string(pipeline)).toBe("a\nb\n")
          const fed = Command.make("cat").pipe(
            Command.env(env),
            Command.pipeTo(Command.make("tr", "a-z", "A-Z").pipe(Command.env(env))),
            Command.feed("shout\n")
          )
          expect(yield* Command.string(fed)).toBe("SHOUT\n")
        })))

    it.live("runInShell", () =>
      conform(layer, (env) =>
        Effect.gen(function*() {
          const command = Command.make("echo", "$((1 + 2))").pipe(Command.env(env), Command.runInShell(true))
          expect(yield* Command.string(command)).toBe("3\n")
        })))

    it.live("interrupting a helper stops its process", () =>
      conform(layer, (env) =>
        Effect.gen(function*() {
          const fiber = yield* Effect.fork(Command.string(sh("echo $$; sleep 30", env)))
          yield* Effect.sleep("300 millis")
          yield* Fiber.interrupt(fiber)
        })))
  })
}

describe("CommandExecutor: the defects of platform-node's executor, fixed (effect-process only)", () => {
  const layer = NodeCommandExecutor.layer

  it.live("Command.string(Command.make(\"cat\")) ends: the helpers give an empty stdin", () =>
    conform(layer, (env) =>
      Effect.gen(function*() {
        expect(yield* Command.string(Command.make("cat").pipe(Command.env(env)))).toBe("")
      })))

  it.live("exitCode does not deadlock on 1 MiB of stdout nobody reads", () =>
    conform(layer, (env) =>
      Effect.gen(function*() {
        expect(yield* Command.exitCode(sh("head -c 1048576 /dev/zero; exit 4", env))).toBe(4)
      })))

  it.live("the background child of a leader that exited 0 is stopped with the group", () =>
    conform(layer, (env) =>
      Effect.gen(function*() {
        const out = yield* Command.string(sh("sleep 1000 & echo $!", env))
        const [pid] = parsePids(out)
        yield* expectGone([pid!], [], "3 seconds")
      })))

  it.live("closing start's scope stops a child that ignores SIGTERM, within the bounded grace", () =>
    conform(layer, (env) =>
      Effect.gen(function*() {
        const pid = yield* Effect.scoped(Effect.gen(function*() {
          const process = yield* Command.start(sh("trap '' TERM; sleep 1000", env))
          yield* Effect.sleep("200 millis")
          return process.pid
        }))
        expect(isAlive(pid)).toBe(false)
      })))

  it.live("64 MiB through Command.string arrive whole", () =>
    conform(layer, (env) =>
      Effect.gen(function*() {
        const text = yield* Command.string(sh("head -c 67108864 /dev/zero | tr '\\0' a", env))
        expect(text.length).toBe(64 * 1024 * 1024)
      })))

  it.live("reading stdout again later does not break the child's pipe", () =>
    conform(layer, (env) =>
      Effect.scoped(Effect.gen(function*() {
        const process = yield* Command.start(sh("echo first; sleep 0.3; echo second", env))
        const first = yield* Stream.runHead(Stream.splitLines(Stream.decodeText(process.stdout)))
        expect(Option.getOrUndefined(first)).toBe("first")
        const rest = yield* Stream.runCollect(Stream.splitLines(Stream.decodeText(process.stdout)))
        expect(Chunk.toArray(rest)).toEqual(["second"])
        expect(yield* process.exitCode).toBe(0)
      }))))

  // Found by an adversarial probe (both hung until a timeout); platform-node's returns "" for the first.
  it.live("a pipeline whose first stage cannot start fails typed, NotFound, and leaves nothing", () =>
    conform(layer, (env) =>
      Effect.gen(function*() {
        const pipeline = Command.make("effect-process-no-such-program").pipe(
          Command.pipeTo(Command.make("cat")),
          Command.env(env)
        )
        const error = yield* Effect.flip(Command.string(pipeline))
        expect(error._tag === "SystemError" && error.reason).toBe("NotFound")
      })))

  it.live("a stdin Stream that fails ends the child's input: what came before it is processed", () =>
    conform(layer, (env) =>
      Effect.gen(function*() {
        const input = Stream.concat(
          Stream.make("partial\n").pipe(Stream.encodeText),
          Stream.fail(new PlatformError.BadArgument({ module: "Stream", method: "input", description: "boom" }))
        )
        expect(yield* Command.string(Command.make("cat").pipe(Command.env(env), Command.stdin(input)))).toBe(
          "partial\n"
        )
      })))

  it.live("an encoding TextDecoder does not know is a BadArgument, not a defect", () =>
    conform(layer, (env) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Command.string(Command.make("true").pipe(Command.env(env)), "bogus-enc"))
        expect(error._tag).toBe("BadArgument")
      })))

  it.live("NodeProcess.layer provides this executor, not platform-node's", () =>
    Effect.gen(function*() {
      const { NodeProcess } = yield* Effect.promise(() => import("@effect-process/node"))
      const code = yield* Command.exitCode(Command.make("sh", "-c", "head -c 1048576 /dev/zero; exit 5")).pipe(
        Effect.timeout("10 seconds"),
        Effect.provide(NodeProcess.layer)
      )
      expect(code).toBe(5)
    }))
})
