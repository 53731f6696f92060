/**
 * effect-process's Effect 4 line: `ManagedProcess.make` / `run` with `NodeProcess.layer` of
 * `@effect-process/platform-node`, used exactly as the benchmark's drivers/library.ts uses the Effect 3 line (the
 * same code, on Effect 4's API: `Scope.make("parallel")` is Effect 4's form of `concurrentFinalizers: true`).
 */
import type { Driver } from "@effect-process/benchmark/types"
import { NodeProcess } from "@effect-process/platform-node"
import { ManagedProcess, OutputPattern } from "effect-process"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { sequentialLatencies } from "./effectShared.js"

type R = NodeProcess.Services

const TRUE = ["/bin/true"]
const READY = OutputPattern.regex(/^READY$/)

/** `floodOptions`: the options of the process of the stderrRelay scenario (the default relay, or none). */
const makeDriver = (layer: Layer.Layer<R>, floodOptions?: ManagedProcess.Options): Driver => {
  const runtime = ManagedRuntime.make(layer)
  const run = <A, E>(effect: Effect.Effect<A, E, R>): Promise<A> => runtime.runPromise(effect)

  const startInScope = async (argv: ReadonlyArray<string>, count: number, options?: ManagedProcess.Options) => {
    // Released in parallel when the scope closes, as a group of services would be.
    const scope = await run(Scope.make("parallel"))
    const processes = await run(
      Effect.forEach(Array.from({ length: count }), () => ManagedProcess.make(argv, options), {
        concurrency: "unbounded"
      }).pipe(Scope.provide(scope))
    )
    return {
      processes,
      pids: processes.map((proc) => proc.pid),
      stop: () => run(Scope.close(scope, Exit.void))
    }
  }

  return {
    init: async () => {
      await runtime.context()
    },
    spawnSequential: (count) => run(sequentialLatencies(count, ManagedProcess.run(TRUE))),
    spawnConcurrent: (count, concurrency) =>
      run(
        Effect.forEach(Array.from({ length: count }), () => ManagedProcess.run(TRUE), { concurrency, discard: true })
      ),
    throughput: (argv) =>
      run(Effect.scoped(Effect.gen(function*() {
        const proc = yield* ManagedProcess.make(argv)
        const bytes = yield* Stream.runFold(proc.stdout, () => 0, (bytes, chunk) => bytes + chunk.length)
        yield* proc.awaitExit
        return bytes
      }))),
    readyLine: (argv) =>
      run(Effect.scoped(Effect.gen(function*() {
        const start = performance.now()
        const proc = yield* ManagedProcess.make(argv)
        yield* proc.waitForOutput(READY)
        return performance.now() - start
      }))),
    lines: (argv) =>
      run(Effect.scoped(Effect.gen(function*() {
        const proc = yield* ManagedProcess.make(argv)
        const count = yield* Stream.runCount(proc.lines)
        yield* proc.awaitExit
        return count
      }))),
    readyViaLines: (argv) =>
      run(Effect.scoped(Effect.gen(function*() {
        const start = performance.now()
        const proc = yield* ManagedProcess.make(argv)
        // Effect 4's Stream has no `find`: filter + runHead, which stops at the first line that passes.
        const elapsed = yield* proc.lines.pipe(
          Stream.filter((line) => line === "READY"),
          Stream.map(() => performance.now() - start),
          Stream.runHead
        )
        if (Option.isNone(elapsed)) return yield* Effect.die(new Error("no READY line"))
        return elapsed.value
      }))),
    startTermIgnoring: async (argv, count, graceMs) => {
      const { pids, stop } = await startInScope(argv, count, { terminate: { timeout: `${graceMs} millis` } })
      return { pids, stop }
    },
    startOne: async (argv) => {
      const { pids, stop } = await startInScope(argv, 1)
      return { pids, stop }
    },
    collect: (argv) => run(Effect.map(ManagedProcess.run(argv), (result) => result.stdout.length)),
    startUnread: async (argv) => {
      const { pids, processes, stop } = await startInScope(argv, 1)
      const done = run(processes[0]!.awaitExit).then(
        (exit) => exit.signal !== undefined ? `killed by ${exit.signal}` : `exited ${exit.exitCode}`
      )
      return { pid: pids[0]!, done, stop }
    },
    startStderrFlood: async (argv) => {
      const { pids, processes, stop } = await startInScope(argv, 1, floodOptions)
      const done = run(processes[0]!.awaitExit).then(
        (exit) => exit.signal !== undefined ? `killed by ${exit.signal}` : `exited ${exit.exitCode}`
      )
      return { pid: pids[0]!, done, stop }
    },
    startIdle: async (argv, count) => {
      const { pids, stop } = await startInScope(argv, count)
      return { pids, stop }
    }
  }
}

export const driver: Driver = makeDriver(NodeProcess.layer)

/** The same, without the parent-death watchdog: the difference is the watchdog's cost on launches. */
export const driverWithoutReaper: Driver = makeDriver(NodeProcess.layerWithoutReaper)

/** The same with `relayStderr: false` (the stderrRelay scenario only): what the default relay costs. */
export const driverWithoutRelay: Driver = makeDriver(NodeProcess.layer, { relayStderr: false })
