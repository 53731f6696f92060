// A parent program that launches all the time: NodeRuntime.runMain, the library from the built packages,
// `NodeProcess.layer` (the process-wide parent-death watchdog), and a Supervisor over a child that exits almost at
// once, restarted always, after 1 ms, with a start limit it never reaches. Killed at a random moment, it is very
// likely to be in the middle of a launch or a release.
// The scenario (JSON, first argument): { argv } the supervised command.
// It prints "ready" once the first child has started, then supervises until it is killed.
import { NodeProcess } from "@effect-process/platform-node"
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Logger, Schedule, Stream } from "effect"
import { Supervisor } from "effect-process"
import * as fs from "node:fs"

const scenario = JSON.parse(process.argv[2])

const program = Effect.gen(function*() {
  const supervisor = yield* Supervisor.make(scenario.argv, {
    restart: "always",
    backoff: Schedule.spaced("1 millis"),
    startLimit: { burst: 1_000_000_000, interval: "1 second" }
  })
  // The events replay the most recent ones: the first Ready is seen even if it came before the subscription.
  yield* supervisor.events.pipe(Stream.filter((event) => event._tag === "Ready"), Stream.take(1), Stream.runDrain)
  fs.writeSync(1, "ready\n")
  return yield* supervisor.await
}).pipe(
  Effect.scoped,
  Effect.provide(NodeProcess.layer),
  // A restart every few milliseconds: no log line for each.
  Effect.provide(Logger.layer([]))
)

NodeRuntime.runMain(program, { disableErrorReporting: true })
