/**
 * Effect 4's `effect/process` API (`ChildProcess.make`, the `ChildProcessSpawner` service and its handle), used the
 * way Effect 4's documentation shows. The same code runs on `@effect/platform-node`'s `NodeChildProcessSpawner`
 * (drivers/effect4.ts) and on effect-process's drop-in for it (drivers/spawner4.ts): only the layer differs.
 *
 * Not here: the stderrRelay scenario (Effect 4 has no relay of stderr to the logger; the pipe is read by whoever
 * reads `handle.stderr`).
 */
import type { Driver } from "@effect-process/benchmark/types"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as ChildProcess from "effect/process/ChildProcess"
import { ChildProcessSpawner } from "effect/process/ChildProcessSpawner"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { sequentialLatencies } from "./effectShared.js"

type R = ChildProcessSpawner

export const makeDriver = (layer: Layer.Layer<R>): Driver => {
  const runtime = ManagedRuntime.make(layer)
  const run = <A, E>(effect: Effect.Effect<A, E, R>): Promise<A> => runtime.runPromise(effect)

  const make = (argv: ReadonlyArray<string>, options?: ChildProcess.CommandOptions) =>
    ChildProcess.make(argv[0]!, argv.slice(1), options)
  const TRUE = ChildProcess.make("/bin/true")

  /**
   * Starts processes into a scope of their own (a command is an Effect that spawns it into the current scope);
   * `stop` closes it (the normal release), its finalizers in parallel, as a group of services would be.
   */
  const startInScope = async (argv: ReadonlyArray<string>, count: number, options?: ChildProcess.CommandOptions) => {
    const scope = await run(Scope.make("parallel"))
    const handles = await run(
      Effect.forEach(Array.from({ length: count }), () => make(argv, options), { concurrency: "unbounded" }).pipe(
        Scope.provide(scope)
      )
    )
    return {
      handles,
      pids: handles.map((handle) => handle.pid as number),
      stop: () => run(Scope.close(scope, Exit.void))
    }
  }

  return {
    init: async () => {
      await runtime.context()
    },
    spawnSequential: (count) =>
      run(sequentialLatencies(count, ChildProcessSpawner.use((spawner) => spawner.exitCode(TRUE)))),
    spawnConcurrent: (count, concurrency) =>
      run(
        Effect.forEach(
          Array.from({ length: count }),
          () => ChildProcessSpawner.use((spawner) => spawner.exitCode(TRUE)),
          { concurrency, discard: true }
        )
      ),
    throughput: (argv) =>
      run(Effect.scoped(Effect.gen(function*() {
        const handle = yield* make(argv)
        const bytes = yield* Stream.runFold(handle.stdout, () => 0, (bytes, chunk) => bytes + chunk.length)
        yield* handle.exitCode
        return bytes
      }))),
    readyLine: (argv) =>
      run(Effect.gen(function*() {
        const start = performance.now()
        let elapsed: number | undefined
        yield* ChildProcessSpawner.use((spawner) =>
          spawner.streamLines(make(argv)).pipe(
            Stream.takeUntil((line) => line === "READY"),
            Stream.runForEach((line) =>
              Effect.sync(() => {
                if (line === "READY") elapsed = performance.now() - start
              })
            )
          )
        )
        if (elapsed === undefined) return yield* Effect.die(new Error("no READY line"))
        return elapsed
      })),
    lines: (argv) => run(ChildProcessSpawner.use((spawner) => Stream.runCount(spawner.streamLines(make(argv))))),
    readyViaLines: (argv) =>
      run(Effect.gen(function*() {
        const start = performance.now()
        // Leaving the stream early closes its scope, which stops the child.
        const elapsed = yield* ChildProcessSpawner.use((spawner) =>
          spawner.streamLines(make(argv)).pipe(
            Stream.filter((line) => line === "READY"),
            Stream.map(() => performance.now() - start),
            Stream.runHead
          )
        )
        if (Option.isNone(elapsed)) return yield* Effect.die(new Error("no READY line"))
        return elapsed.value
      })),
    startTermIgnoring: async (argv, count, graceMs) => {
      // Without forceKillAfter platform-node's release waits for the exit with no time limit: its users set it.
      const { pids, stop } = await startInScope(argv, count, { forceKillAfter: `${graceMs} millis` })
      return { pids, stop }
    },
    startOne: async (argv) => {
      const { pids, stop } = await startInScope(argv, 1)
      return { pids, stop }
    },
    collect: (argv) =>
      run(ChildProcessSpawner.use((spawner) => spawner.string(make(argv))).pipe(Effect.map((out) => out.length))),
    startUnread: async (argv) => {
      const { handles, pids, stop } = await startInScope(argv, 1)
      const done = run(handles[0]!.exitCode).then(
        (code) => `exited ${code}`,
        (error) => `failed: ${String(error).split("\n")[0]}`
      )
      return { pid: pids[0]!, done, stop }
    },
    startIdle: async (argv, count) => {
      const { pids, stop } = await startInScope(argv, count)
      return { pids, stop }
    }
  }
}
