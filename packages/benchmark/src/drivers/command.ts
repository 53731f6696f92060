/**
 * `@effect/platform` `Command`, used the way its docs show, on `@effect/platform-node`'s NodeCommandExecutor
 * (`driver`) and, the same code, on this library's (`driverOnLibrary`, `NodeCommandExecutor.layer`).
 */
import { NodeCommandExecutor } from "@effect-process/node"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Command from "@effect/platform/Command"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Driver } from "../types.js"
import { sequentialLatencies } from "./effectShared.js"

const makeDriver = (layer: Layer.Layer<NodeContext.NodeContext>): Driver => {
  const runtime = ManagedRuntime.make(layer)
  const run = <A, E>(effect: Effect.Effect<A, E, NodeContext.NodeContext>): Promise<A> => runtime.runPromise(effect)

  const make = (argv: ReadonlyArray<string>) => Command.make(argv[0]!, ...argv.slice(1))
  const TRUE = Command.make("/bin/true")

  /** Starts processes into a scope of their own; `stop` closes it (the normal release). */
  const startInScope = async (argv: ReadonlyArray<string>, count: number) => {
    const scope = await run(Scope.make())
    const processes = await run(
      Effect.forEach(Array.from({ length: count }), () => Command.start(make(argv))).pipe(Scope.extend(scope))
    )
    return {
      processes,
      pids: processes.map((proc) => proc.pid as number),
      stop: () => run(Scope.close(scope, Exit.void))
    }
  }

  return {
    init: async () => {
      await runtime.runtime()
    },
    spawnSequential: (count) => run(sequentialLatencies(count, Command.exitCode(TRUE))),
    spawnConcurrent: (count, concurrency) =>
      run(Effect.forEach(Array.from({ length: count }), () => Command.exitCode(TRUE), { concurrency, discard: true })),
    throughput: (argv) => run(Stream.runFold(Command.stream(make(argv)), 0, (bytes, chunk) => bytes + chunk.length)),
    readyLine: (argv) =>
      run(Effect.gen(function*() {
        const start = performance.now()
        let elapsed: number | undefined
        yield* Command.streamLines(make(argv)).pipe(
          Stream.takeUntil((line) => line === "READY"),
          Stream.runForEach((line) =>
            Effect.sync(() => {
              if (line === "READY") elapsed = performance.now() - start
            })
          )
        )
        if (elapsed === undefined) return yield* Effect.die(new Error("no READY line"))
        return elapsed
      })),
    lines: (argv) => run(Stream.runCount(Command.streamLines(make(argv)))),
    readyViaLines: (argv) =>
      run(Effect.gen(function*() {
        const start = performance.now()
        // Leaving the stream early closes its scope, which stops the child.
        const elapsed = yield* Command.streamLines(make(argv)).pipe(
          Stream.find((line) => line === "READY"),
          Stream.map(() => performance.now() - start),
          Stream.runHead
        )
        if (Option.isNone(elapsed)) return yield* Effect.die(new Error("no READY line"))
        return elapsed.value
      })),
    startTermIgnoring: async (argv, count) => {
      // Command has no grace option: the release sends SIGTERM to the group and waits for the exit.
      const { pids, stop } = await startInScope(argv, count)
      return { pids, stop }
    },
    startOne: async (argv) => {
      const { pids, stop } = await startInScope(argv, 1)
      return { pids, stop }
    },
    collect: (argv) => run(Effect.map(Command.string(make(argv)), (out) => out.length)),
    startUnread: async (argv) => {
      const { pids, processes, stop } = await startInScope(argv, 1)
      const done = run(processes[0]!.exitCode).then(
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

export const driver: Driver = makeDriver(NodeContext.layer)

export const driverOnLibrary: Driver = makeDriver(Layer.merge(NodeContext.layer, NodeCommandExecutor.layer))
