// A parent program as a user would write it: NodeRuntime.runMain, the library from the built packages, processes
// launched in the main scope. The scenario (JSON, first argument) says what to launch and which fault to meet:
//   { reaper?: NodeReaper.Options | false, children: [{ argv, ready?, terminate? }], fault }
// reaper: options for a watchdog of the parent's own; false for none at all; absent for NodeProcess's default
// (the process-wide watchdog).
// fault: "wait" (until a signal), "finish" (end normally), "defect" (Effect.die), "uncaught" (an exception thrown
// outside the runtime), "exit" (process.exit mid-run).
// It prints "watchdog=<pid>" (with a reaper), "child=<pid>" per child, then "ready".
import { NodeProcess, NodeReaper } from "@effect-process/platform-node"
import { NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { ManagedProcess, ProcessSpawner } from "effect-process"
import * as fs from "node:fs"

const scenario = JSON.parse(process.argv[2])
const say = (line) => Effect.sync(() => fs.writeSync(1, line + "\n"))

const program = Effect.gen(function*() {
  let spawner = scenario.reaper === false ? NodeProcess.spawnerWithoutReaper : NodeProcess.spawner
  if (scenario.reaper) {
    const reaper = yield* NodeReaper.make(scenario.reaper)
    yield* say(`watchdog=${reaper.watchdogPid}`)
    spawner = reaper.spawner
  }
  for (const child of scenario.children) {
    const proc = yield* ManagedProcess.make(child.argv, { terminate: child.terminate }).pipe(
      Effect.provideService(ProcessSpawner.ProcessSpawner, spawner)
    )
    if (child.ready !== undefined) yield* proc.waitForOutput([child.ready], { timeout: "20 seconds" })
    yield* say(`child=${proc.pid}`)
  }
  yield* say("ready")
  switch (scenario.fault) {
    case "wait":
      return yield* Effect.never
    case "finish":
      return
    case "defect":
      return yield* Effect.die(new Error("an unhandled defect"))
    case "uncaught":
      setTimeout(() => {
        throw new Error("an exception outside the runtime")
      }, 0)
      return yield* Effect.never
    case "exit":
      process.exit(3)
  }
}).pipe(Effect.scoped)

NodeRuntime.runMain(program, { disableErrorReporting: true })
