import { ProcessSpawner } from "@effect-process/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/**
 * A scripted process for the core's policy tests: no OS process is started. `dieOn` lists the signals the
 * script exits on; everything else is ignored (like a child that traps SIGTERM).
 */
export interface Script {
  readonly dieOn?: ReadonlyArray<ProcessSpawner.Signal>
  /** Chunks written to stdout right after the spawn. */
  readonly stdout?: ReadonlyArray<string>
  /** Exit on its own right after writing its output. */
  readonly exitCode?: number
}

export interface Scripted {
  readonly signals: Array<ProcessSpawner.Signal>
  readonly layer: Layer.Layer<ProcessSpawner.ProcessSpawner>
  /** The listeners of the last spawn, to drive it from a test. */
  listeners: ProcessSpawner.SpawnListeners | undefined
  alive: boolean
}

export const scripted = (script: Script): Scripted => {
  const state: Scripted = {
    signals: [],
    listeners: undefined,
    alive: false,
    layer: Layer.succeed(ProcessSpawner.ProcessSpawner, {
      spawn: (_request, listeners) =>
        Effect.sync(() => {
          state.listeners = listeners
          state.alive = true
          const exit = (status: ProcessSpawner.ExitStatus) => {
            if (!state.alive) return
            state.alive = false
            listeners.onStdoutEnd()
            listeners.onStderrEnd()
            listeners.onExit(status)
          }
          for (const chunk of script.stdout ?? []) listeners.onStdout(new TextEncoder().encode(chunk))
          if (script.exitCode !== undefined) exit({ exitCode: script.exitCode, signal: undefined })
          const spawned: ProcessSpawner.SpawnedProcess = {
            pid: 4242,
            pause: () => {},
            resume: () => {},
            write: () => Effect.void,
            closeStdin: Effect.void,
            signal: (signal) =>
              Effect.sync(() => {
                state.signals.push(signal)
                const wasAlive = state.alive
                if (signal === "SIGKILL" || script.dieOn?.includes(signal)) {
                  exit({ exitCode: undefined, signal })
                }
                return wasAlive
              }),
            groupAlive: Effect.sync(() => state.alive),
            closePipes: Effect.void
          }
          return spawned
        })
    })
  }
  return state
}
