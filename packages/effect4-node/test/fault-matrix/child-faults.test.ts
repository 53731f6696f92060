/**
 * Fault: the child misbehaves, or cannot be started at all. Every case runs with `NodeProcess.layer` and with
 * `NodeProcess.layerWithReaper` (the reaper's spawner must be a drop-in), and ends by checking that nothing it
 * started survives (pid, process group, environment marker).
 */
import { NodeProcess } from "@effect-process/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, type Scope } from "effect"
import { ManagedProcess, type ProcessSpawner } from "effect-process"
import * as path from "node:path"
import { assertProcessError } from "../assertions.js"
import { makeTracker, type Tracker } from "../harness.js"
import {
  awaitGroupSize,
  expectGone,
  fixture,
  isAlive,
  nodeFixture,
  parsePids,
  readFileIfExists,
  tempDir,
  timed
} from "../utils.js"

const layers: ReadonlyArray<readonly [string, Layer.Layer<ProcessSpawner.ProcessSpawner>]> = [
  ["NodeProcess.layer", NodeProcess.layer],
  ["NodeProcess.layerWithReaper", Layer.orDie(NodeProcess.layerWithReaper({ grace: "1 second" }))]
]

/** Runs `body` in a scope with `layer`, then checks that every tracked pid and group and the marker are gone. */
const frame = <A, E>(
  layer: Layer.Layer<ProcessSpawner.ProcessSpawner>,
  body: (t: Tracker) => Effect.Effect<A, E, Scope.Scope | ProcessSpawner.ProcessSpawner>,
  within: Duration.Input = "3 seconds"
) => {
  const t = makeTracker()
  return Effect.scoped(body(t)).pipe(
    Effect.ensuring(Effect.orDie(Effect.suspend(() => expectGone(t.pids, t.pids, within, [t.marker])))),
    Effect.provide(layer)
  )
}

for (const [layerName, layer] of layers) {
  describe(`fault matrix: the child misbehaves (${layerName})`, () => {
    it.live("a child that ignores SIGTERM: killed after the grace, the release returns", () =>
      frame(layer, (t) =>
        Effect.gen(function*() {
          const proc = t.track(
            yield* ManagedProcess.make([fixture("ignore-term.sh")], {
              env: t.env,
              terminate: { timeout: "300 millis" }
            })
          )
          yield* proc.waitForOutput(["ready"], { timeout: "10 seconds" })
          const [outcome, elapsed] = yield* timed(proc.terminate())
          expect(outcome._tag).toBe("Killed")
          expect(elapsed).toBeGreaterThanOrEqual(250)
          expect(elapsed).toBeLessThan(3000)
          yield* expectGone([proc.pid], [proc.pid], "1 second")
        })))

    it.live("a grandchild that holds the pipes: the release does not wait for end-of-file, the grandchild is gone", () =>
      frame(layer, (t) =>
        Effect.gen(function*() {
          const proc = t.track(yield* ManagedProcess.make([fixture("grandchild-holds-stdout.sh")], { env: t.env }))
          const grandchild = parsePids(yield* proc.readLine({ timeout: "10 seconds" }))
          t.trackPids(grandchild)
          expect(yield* proc.awaitExit).toEqual({ exitCode: 0, signal: undefined })
          const [outcome, elapsed] = yield* timed(proc.terminate({ timeout: "2 seconds" }))
          expect(outcome._tag).toBe("Exited")
          expect(elapsed).toBeLessThan(2000)
          yield* expectGone(grandchild, [proc.pid], "1 second")
        })))

    it.live("a leader that exits 0 with a live group: the group is terminated anyway", () =>
      frame(layer, (t) =>
        Effect.gen(function*() {
          const proc = t.track(yield* ManagedProcess.make([fixture("parent-exits-early.sh")], { env: t.env }))
          const grandchild = parsePids(yield* proc.readLine({ timeout: "10 seconds" }))
          t.trackPids(grandchild)
          expect((yield* proc.awaitExit).exitCode).toBe(0)
          for (const pid of grandchild) expect(isAlive(pid)).toBe(true)
          const outcome = yield* proc.terminate({ timeout: "2 seconds" })
          expect(outcome._tag).toBe("Exited")
          yield* expectGone(grandchild, [proc.pid], "1 second")
        })))

    it.live("a shell wrapper (sh -c \"node server.js\"): the server gets the TERM, not just the shell", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const file = path.join(dir, "term")
        yield* frame(layer, (t) =>
          Effect.gen(function*() {
            const server = nodeFixture("term-handler.js", file).map((arg) => `'${arg}'`).join(" ")
            const proc = t.track(
              yield* ManagedProcess.make(["sh", "-c", `${server}; echo "shell still here"`], {
                env: t.env,
                terminate: { timeout: "5 seconds" }
              })
            )
            yield* proc.waitForOutput(["ready"], { timeout: "10 seconds" })
            t.trackPids(yield* awaitGroupSize(proc.pid, 2))
            const outcome = yield* proc.terminate()
            expect(outcome._tag).toBe("Exited")
            expect(readFileIfExists(file)).toBe("got TERM\n")
          }))
      }).pipe(Effect.scoped))

    it.live("stdin EPIPE (the child exits without reading): a typed WriteFailed, no crash", () =>
      frame(layer, (t) =>
        Effect.gen(function*() {
          const proc = t.track(yield* ManagedProcess.make(["head", "-c", "10"], { env: t.env }))
          const chunk = new Uint8Array(1024 * 1024)
          const error = yield* Effect.flip(Effect.forever(proc.write(chunk)).pipe(Effect.timeout("20 seconds")))
          assertProcessError(error, "WriteFailed")
          expect(["EPIPE", "ERR_STREAM_DESTROYED", "ECONNRESET"]).toContain(error.errno)
          expect((yield* proc.awaitExit).exitCode).toBe(0)
        })))

    it.live("ENOENT: a typed SpawnFailed with errno, nothing started", () =>
      frame(layer, (t) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(ManagedProcess.make(["effect-process-no-such-program"], { env: t.env }))
          assertProcessError(error, "SpawnFailed")
          expect(error.errno).toBe("ENOENT")
          expect(error.command).toEqual(["effect-process-no-such-program"])
        })))

    it.live("EACCES (not executable): a typed SpawnFailed with errno, nothing started", () =>
      frame(layer, (t) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(ManagedProcess.make([fixture("not-executable.sh")], { env: t.env }))
          assertProcessError(error, "SpawnFailed")
          expect(error.errno).toBe("EACCES")
        })))

    it.live("a missing cwd: a typed SpawnFailed that names the directory, nothing started", () =>
      frame(layer, (t) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(
            ManagedProcess.make(["true"], { env: t.env, cwd: "/nonexistent/effect-process" })
          )
          assertProcessError(error, "SpawnFailed")
          expect(error.message).toContain("/nonexistent/effect-process")
        })))

    it.live("a NUL byte in an argument: a typed InvalidCommand, nothing started", () =>
      frame(layer, (t) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(ManagedProcess.make(["echo", "a\0b"], { env: t.env }))
          assertProcessError(error, "InvalidCommand")
        })))

    it.live("an empty argv: a typed InvalidCommand, nothing started", () =>
      frame(layer, (t) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(ManagedProcess.make([], { env: t.env }))
          assertProcessError(error, "InvalidCommand")
        })))
  })
}

describe("fault matrix: output", () => {
  it.live("1 GiB of unread output: the child is never blocked, memory stays bounded", () =>
    frame(NodeProcess.layer, (t) =>
      Effect.gen(function*() {
        const before = process.memoryUsage().rss
        const proc = t.track(
          yield* ManagedProcess.make(["head", "-c", String(1024 * 1024 * 1024), "/dev/zero"], { env: t.env })
        )
        // nobody reads: the pump drains and drops the oldest bytes beyond the buffer
        const [exit, elapsed] = yield* timed(proc.awaitExit.pipe(Effect.timeout("60 seconds")))
        expect(exit.exitCode).toBe(0)
        const grown = process.memoryUsage().rss - before
        console.log(`1 GiB unread: exited after ${elapsed} ms; RSS grew by ${(grown / 1048576).toFixed(1)} MiB`)
        expect(grown).toBeLessThan(256 * 1024 * 1024)
        const tail = yield* proc.stdoutTail
        expect(tail.length).toBeGreaterThan(0)
      }), Duration.seconds(3)))
})
