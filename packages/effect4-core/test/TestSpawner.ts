import { Effect } from "effect"
import type { ProcessSpawner } from "effect-process"
import { TestSpawner } from "effect-process"
import type * as Layer from "effect/Layer"

const ALL_SIGNALS: ReadonlyArray<ProcessSpawner.Signal> = [
  "SIGTERM",
  "SIGINT",
  "SIGHUP",
  "SIGQUIT",
  "SIGUSR1",
  "SIGUSR2",
  "SIGABRT",
  "SIGALRM",
  "SIGPIPE"
]

/** The core tests' shorthand over the public `TestSpawner`: `dieOn` lists the signals the script exits on. */
export interface Script {
  readonly dieOn?: ReadonlyArray<ProcessSpawner.Signal>
  readonly stdout?: ReadonlyArray<string>
  readonly exitCode?: number
  readonly failSpawn?: string
}

export interface Scripted {
  readonly layer: Layer.Layer<ProcessSpawner.ProcessSpawner>
  readonly spawner: TestSpawner.TestSpawner
  /** The last process launched. */
  readonly last: TestSpawner.TestProcess | undefined
  readonly signals: ReadonlyArray<ProcessSpawner.Signal>
  readonly alive: boolean
}

export const scripted = (script: Script | ((attempt: number) => Script)): Scripted => {
  let attempt = 0
  const spawner = Effect.runSync(TestSpawner.make(() => {
    const plan = typeof script === "function" ? script(attempt++) : script
    return {
      stdout: plan.stdout,
      exitCode: plan.exitCode,
      failSpawn: plan.failSpawn,
      ignore: ALL_SIGNALS.filter((signal) => !(plan.dieOn ?? []).includes(signal))
    }
  }))
  return {
    layer: spawner.layer,
    spawner,
    get last() {
      return spawner.processes[spawner.processes.length - 1]
    },
    get signals() {
      return this.last?.signals ?? []
    },
    get alive() {
      return this.last?.alive ?? false
    }
  }
}
