import { NodeProcess } from "@effect-process/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Redacted, Schedule } from "effect"
import { ManagedProcess, ProcessError, ProcessSpawner } from "effect-process"
import type * as CoreModule from "effect-process"
import { ChildProcess } from "effect/process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { assertProcessError } from "./assertions.js"
import { noSurvivors } from "./harness.js"
import { captureLogs, fixture, readFileIfExists, tempDir } from "./utils.js"

/** A command that would leave a trace (a file) if it ever ran. */
const leavesTrace = (file: string): Array<string> => ["sh", "-c", "echo ran > \"$0\"", file]

describe("launch errors", () => {
  it.live("a missing cwd fails with SpawnFailed (not a FileSystem error) naming the cwd", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const missing = path.join(dir, "does-not-exist")
        const error = yield* Effect.flip(ManagedProcess.make(["true"], { cwd: missing, env: t.env }))
        assertProcessError(error, "SpawnFailed")
        expect(error).toBeInstanceOf(ProcessError)
        expect(error.message).toContain(missing)
        expect(error.command).toEqual(["true"])
      })
    ))

  it.live("a cwd that is a file fails with SpawnFailed", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(ManagedProcess.make(["true"], { cwd: fixture("flood.js"), env: t.env }))
        assertProcessError(error, "SpawnFailed")
      })
    ))

  it.live("a missing program fails with SpawnFailed ENOENT", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          ManagedProcess.make(["effect-process-no-such-program", "arg"], { env: t.env })
        )
        assertProcessError(error, "SpawnFailed")
        expect(error.errno).toBe("ENOENT")
        expect(error.command).toEqual(["effect-process-no-such-program", "arg"])
        expect(error.message).toContain("effect-process-no-such-program")
      })
    ))

  it.live("a program without the executable bit fails with SpawnFailed EACCES", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const script = fixture("not-executable.sh")
        expect(fs.statSync(script).mode & 0o111).toBe(0)
        const error = yield* Effect.flip(ManagedProcess.make([script], { env: t.env }))
        assertProcessError(error, "SpawnFailed")
        expect(error.errno).toBe("EACCES")
      })
    ))

  it.live("run reports spawn failures the same way", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(ManagedProcess.run(["effect-process-no-such-program"], { env: t.env }))
        assertProcessError(error, "SpawnFailed")
        expect(error.errno).toBe("ENOENT")
      })
    ))
})

describe("invalid commands", () => {
  it.live("an empty argv is InvalidCommand", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(ManagedProcess.make([], { env: t.env }))
        assertProcessError(error, "InvalidCommand")
      })
    ))

  it.live("an empty program name is InvalidCommand", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(ManagedProcess.make([""], { env: t.env }))
        assertProcessError(error, "InvalidCommand")
      })
    ))

  it.live("a NUL byte in an argument is InvalidCommand and nothing is started", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const trace = path.join(dir, "trace")
        const error = yield* Effect.flip(ManagedProcess.make([...leavesTrace(trace), "a\u0000b"], { env: t.env }))
        assertProcessError(error, "InvalidCommand")
        yield* Effect.sleep("300 millis")
        expect(readFileIfExists(trace)).toBeUndefined()
      })
    ))

  it.live("a NUL byte in the program name is InvalidCommand", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(ManagedProcess.make(["sh\u0000", "-c", "true"], { env: t.env }))
        assertProcessError(error, "InvalidCommand")
      })
    ))

  it.live("a NUL byte in an environment value is InvalidCommand and nothing is started", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const trace = path.join(dir, "trace")
        const error = yield* Effect.flip(
          ManagedProcess.make(leavesTrace(trace), { env: { ...t.env, BAD: "a\u0000b" } })
        )
        assertProcessError(error, "InvalidCommand")
        yield* Effect.sleep("300 millis")
        expect(readFileIfExists(trace)).toBeUndefined()
      })
    ))

  it.live("a negative terminate timeout is InvalidCommand and nothing is started", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const trace = path.join(dir, "trace")
        const error = yield* Effect.flip(
          ManagedProcess.make(leavesTrace(trace), { env: t.env, terminate: { timeout: -5 } })
        )
        assertProcessError(error, "InvalidCommand")
        yield* Effect.sleep("300 millis")
        expect(readFileIfExists(trace)).toBeUndefined()
      })
    ))

  // Found by an adversarial probe: a string env was accepted (as no variables), a string or non-string unsetEnv
  // failed as SpawnFailed with a TypeError's message, a number written to stdin died with a defect, and the log
  // level "None" (a LogLevel literal, meaning off) was refused.
  it.live("an env or unsetEnv of the wrong shape is InvalidCommand and nothing is started", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const trace = path.join(dir, "trace")
        const bad: ReadonlyArray<ManagedProcess.Options> = [
          { env: "FOO=1" as never },
          { env: ["FOO=1"] as never },
          { env: t.env, unsetEnv: "FOO" as never },
          { env: t.env, unsetEnv: [42] as never },
          { env: t.env, unsetEnv: [""] }
        ]
        for (const options of bad) {
          const error = yield* Effect.flip(ManagedProcess.make(leavesTrace(trace), options))
          assertProcessError(error, "InvalidCommand")
          expect(error.message).toMatch(/env/i)
        }
        yield* Effect.sleep("300 millis")
        expect(readFileIfExists(trace)).toBeUndefined()
      })
    ))

  it.live("writing something that is neither a string nor bytes is InvalidCommand, and the process is unharmed", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["cat"], { env: t.env }))
        const error = yield* Effect.flip(proc.write(42 as never))
        assertProcessError(error, "InvalidCommand")
        expect(error.message).toContain("got number")
        yield* proc.write("still fine\n")
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("still fine")
      })
    ))

  it.live("relayStderr: \"None\" relays nothing and is accepted", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const result = yield* ManagedProcess.run(["sh", "-c", "echo err >&2"], {
          env: t.env, // Effect 4's option type names the severities (false is off); "None" is still accepted at run time, as off.
          relayStderr: "None" as never
        })
        expect(result.stderr).toBe("err\n")
      })
    ))

  it.live("a negative read timeout is InvalidCommand", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sh", "-c", "echo line; sleep 1000"], { env: t.env }))
        assertProcessError(yield* Effect.flip(proc.readLine({ timeout: -1 })), "InvalidCommand")
        assertProcessError(yield* Effect.flip(proc.readChar({ timeout: -1 })), "InvalidCommand")
        assertProcessError(yield* Effect.flip(proc.waitForOutput(["line"], { timeout: -1 })), "InvalidCommand")
        // the rejected reads consumed nothing
        expect(yield* proc.readLine({ timeout: "5 seconds" })).toBe("line")
      })
    ))

  it.live("a negative run timeout is InvalidCommand and nothing is started", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const trace = path.join(dir, "trace")
        const error = yield* Effect.flip(ManagedProcess.run(leavesTrace(trace), { env: t.env, timeout: -1 }))
        assertProcessError(error, "InvalidCommand")
        yield* Effect.sleep("300 millis")
        expect(readFileIfExists(trace)).toBeUndefined()
      })
    ))

  it.live("the leavesTrace command does leave a trace when it runs (the checks above can fail)", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const trace = path.join(dir, "trace")
        const proc = t.track(yield* ManagedProcess.make(leavesTrace(trace), { env: t.env }))
        yield* proc.awaitExit.pipe(Effect.timeout("10 seconds"))
        expect(readFileIfExists(trace)).toBe("ran\n")
      })
    ))
})

// Found by an adversarial probe: a program that loads the ES module of one package and the CommonJS build of the
// other saw `instanceof ProcessError` false for the other copy's errors, and `retry` did not retry them. The Effect 4
// line has no CommonJS build: the other copy is its built ES module (dist/esm), beside the sources these tests load.
describe("errors of another copy of the package (the built dist/esm beside the sources)", () => {
  it.live("are instances of this copy's classes, and retry recognises them as transient", () =>
    Effect.gen(function*() {
      const distPath = fileURLToPath(new URL("../../effect4-core/dist/esm/index.js", import.meta.url))
      if (!fs.existsSync(distPath)) throw new Error(`${distPath} is missing: build packages/effect4-core first`)
      const cjs = (yield* Effect.promise(() => import(pathToFileURL(distPath).href))) as typeof CoreModule
      expect(cjs.ProcessError).not.toBe(ProcessError) // two copies
      const fromCjs = yield* Effect.flip(cjs.ManagedProcess.run([]))
      expect(fromCjs instanceof ProcessError).toBe(true)
      expect(new ProcessError({ reason: "SpawnFailed", command: ["x"] }) instanceof cjs.ProcessError).toBe(true)
      // a transient SpawnFailed made by the other copy (as a spawner of that copy would) is retried by this one
      let spawns = 0
      const layer = Layer.succeed(ProcessSpawner.ProcessSpawner, {
        ...NodeProcess.spawnerWithoutReaper,
        spawn: (request, listeners) => {
          spawns++
          return spawns === 1
            ? Effect.fail(new cjs.ProcessError({ reason: "SpawnFailed", command: request.command, errno: "ETXTBSY" }))
            : NodeProcess.spawnerWithoutReaper.spawn(request, listeners)
        }
      })
      const result = yield* Effect.scoped(ManagedProcess.make(["true"], { retry: Schedule.recurs(2) })).pipe(
        Effect.provide(layer),
        Effect.exit
      )
      expect(Exit.isSuccess(result)).toBe(true)
      expect(spawns).toBe(2)
    }).pipe(Effect.provide(NodeProcess.layerWithoutReaper)))
})

describe("a redacted argument of a ChildProcess command", () => {
  const SECRET = "s3cr3t-token-value"

  it.live("reaches the child as its value, and no error or log line shows it", () => {
    const logs = captureLogs()
    return noSurvivors((t) =>
      Effect.gen(function*() {
        const command = ChildProcess.make("sh", ["-c", "echo \"$1\" | wc -c; exit 3", "sh", Redacted.make(SECRET)], {
          env: t.env,
          extendEnv: true
        })
        const error = yield* Effect.flip(ManagedProcess.run(command))
        expect(error._tag).toBe("ProcessError")
        expect(error).toMatchObject({ reason: "NonZeroExit", exitCode: 3 })
        // the child got the value: 18 characters and a newline
        expect(error._tag === "ProcessError" && error.stdoutTail?.trim()).toBe(String(SECRET.length + 1))
        expect(error.message).toContain("<redacted>")
        expect(error.message).not.toContain(SECRET)
        expect(JSON.stringify(error.command)).not.toContain(SECRET)

        const missing = ChildProcess.make("no-such-program-redacted", [Redacted.make(SECRET)])
        const spawnError = yield* Effect.flip(ManagedProcess.run(missing))
        expect(spawnError).toMatchObject({ _tag: "ProcessError", reason: "SpawnFailed", errno: "ENOENT" })
        expect(spawnError.message).not.toContain(SECRET)

        const invalid = yield* Effect.flip(ManagedProcess.run(ChildProcess.make("sh", [Redacted.make(SECRET)]), {
          waitDelay: "-1 second"
        }))
        expect(invalid).toMatchObject({ _tag: "ProcessError", reason: "InvalidCommand" })
        expect(invalid.message).not.toContain(SECRET)
        for (const entry of logs.entries) expect(JSON.stringify(entry)).not.toContain(SECRET)
      })
    ).pipe(Effect.provide(logs.layer))
  })
})
