// Many concurrent launches at the descriptor limit. Run it under a low limit, e.g.
//   sh -c 'ulimit -n 256 && exec "$NODE" emfile-launches.mjs <scenario as JSON>'
// The packages (the built ones, from dist) are imported, and one process is run (which starts the shared watchdog),
// before the descriptors are used up: then the program opens /dev/null until EMFILE and closes `free` of them again,
// so that exactly `free` descriptors are left for the launches, whatever Node itself holds open.
// The scenario: { count, free, retry, holdMillis }.
//   count       launches started at once, each `sleep 5` in a scope of its own held open
//   retry       false: no retry; true: retry Schedule.spaced("20 millis") intersected with Schedule.recurs(50)
//   holdMillis  with retry: how long a started process's scope stays open before it closes (freeing descriptors
//               for the retried launches); without retry every scope stays open until all launches have ended
// It prints one line "report=<JSON>": { free, launches: [{ ok: true } | { failure: reason, errno } | { defect: message }] },
// then releases everything, gives the descriptors back, and exits 0.
import { NodeProcess } from "@effect-process/platform-node"
import { Cause, Deferred, Effect, Exit, Logger, Option, Result, Schedule } from "effect"
import { ManagedProcess } from "effect-process"
import * as fs from "node:fs"
import { release, useUpDescriptors } from "./descriptors.mjs"

const scenario = JSON.parse(process.argv[2])

const describeExit = (exit) => {
  if (Exit.isSuccess(exit)) return { ok: true }
  const failure = Cause.findErrorOption(exit.cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    return { failure: error?.reason ?? error?._tag ?? String(error), errno: error?.errno, tag: error?._tag }
  }
  const defect = Cause.findDefect(exit.cause)
  if (Result.isSuccess(defect)) {
    const value = defect.success
    return { defect: value instanceof Error ? `${value.name}: ${value.message}` : String(value) }
  }
  return { defect: Cause.pretty(exit.cause) }
}

const program = Effect.gen(function*() {
  // One launch before the flood, so that the shared watchdog (started at the first launch) is running.
  yield* ManagedProcess.run(["true"])
  const filler = useUpDescriptors(scenario.free)
  const allEnded = yield* Deferred.make()
  let pending = scenario.count
  const options = scenario.retry
    ? { retry: Schedule.max([Schedule.spaced("20 millis"), Schedule.recurs(50)]) }
    : {}
  const launches = yield* Effect.forEach(
    Array.from({ length: scenario.count }, (_, i) => i),
    () =>
      Effect.scoped(Effect.gen(function*() {
        const exit = yield* Effect.exit(ManagedProcess.make(["sleep", "5"], options))
        if (--pending === 0) yield* Deferred.succeed(allEnded, undefined)
        if (Exit.isSuccess(exit)) {
          if (scenario.retry) yield* Effect.sleep(scenario.holdMillis)
          else yield* Deferred.await(allEnded)
        }
        return describeExit(exit)
      })),
    { concurrency: "unbounded" }
  )
  release(filler)
  fs.writeSync(1, `report=${JSON.stringify({ free: scenario.free, launches })}\n`)
}).pipe(
  Effect.provide(NodeProcess.layer),
  // The SIGKILL-free releases and the watchdog need no logs; a failure is reported in the JSON.
  Effect.provide(Logger.layer([]))
)

Effect.runPromiseExit(program).then((exit) => {
  if (Exit.isFailure(exit)) {
    fs.writeSync(2, `the program failed: ${Cause.pretty(exit.cause)}\n`)
    process.exitCode = 1
  }
})
