/**
 * The Node.js `ProcessSpawner` for Effect 4: `@effect-process/engine`'s spawn (the one shared with the Effect 3
 * line: process groups, the parent-death token and reports, typed spawn failures) with its control path as Effect 4
 * Effects.
 */
import * as Spawn from "@effect-process/engine/node/Spawn"
import { processWideReaper } from "@effect-process/engine/node/Watchdog"
import { ProcessError } from "effect-process/ProcessError"
import * as ProcessSpawner from "effect-process/ProcessSpawner"
import { Connector } from "effect-process/Readiness"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Net from "node:net"
import type * as NodeProcess from "../NodeProcess.js"
import * as childProcessSpawner from "./childProcessSpawner.js"

type SpawnedProcessError = ProcessSpawner.SpawnedProcessError

/** The engine's child with Effect 4 Effects; an idle process costs only this object. */
class Spawned extends Spawn.SpawnedChild implements ProcessSpawner.SpawnedProcess {
  write(chunk: Uint8Array): Effect.Effect<void, SpawnedProcessError> {
    return Effect.callback<void, SpawnedProcessError>((resume) =>
      this.writeChunk(chunk, (error) => resume(error === undefined ? Effect.void : Effect.fail(error)))
    )
  }

  get closeStdin(): Effect.Effect<void> {
    return Effect.sync(() => this.endStdin())
  }

  signal(signal: ProcessSpawner.Signal, target: "group" | "leader"): Effect.Effect<boolean, SpawnedProcessError> {
    return Effect.suspend(() => {
      const sent = this.sendSignal(signal, target)
      return sent === "sent" ? Effect.succeed(true) : sent === "gone" ? Effect.succeed(false) : Effect.fail(sent)
    })
  }

  get groupAlive(): Effect.Effect<boolean> {
    return Effect.sync(() => this.isGroupAlive())
  }

  get closePipes(): Effect.Effect<void> {
    return Effect.sync(() => this.destroyPipes())
  }
}

const makeSpawned = (...args: ConstructorParameters<typeof Spawned>) => new Spawned(...args)

/** @internal */
export const makeSpawn = (hooks: Spawn.SpawnHooks) =>
(
  request: ProcessSpawner.SpawnRequest,
  listeners: ProcessSpawner.SpawnListeners
): Effect.Effect<ProcessSpawner.SpawnedProcess, ProcessError> =>
  Effect.callback<ProcessSpawner.SpawnedProcess, ProcessError>((resume) =>
    Spawn.spawnChild(request, hooks, listeners, makeSpawned, (outcome) => {
      const result: Effect.Effect<ProcessSpawner.SpawnedProcess, ProcessError> = outcome._tag === "Spawned"
        ? Effect.succeed(outcome.child)
        : Effect.fail(
          new ProcessError({
            reason: "SpawnFailed",
            command: request.command,
            errno: outcome.errno,
            detail: outcome.detail,
            cause: outcome.cause
          })
        )
      // A reaper that could not be started says so once per failure, in the log of the launch that found out.
      resume(
        outcome.warning === undefined
          ? result
          : Effect.andThen(Effect.ignore(Effect.logWarning(outcome.warning)), result)
      )
    })
  )

/** @internal */
export const spawner = { spawn: makeSpawn(processWideReaper) }

/** @internal */
export const spawnerWithoutReaper = { spawn: makeSpawn({}) }

/**
 * Opens (and at once closes) a TCP connection; false on any error or after `timeout`.
 *
 * @internal
 */
export const canConnect = (host: string, port: number, timeout: Duration.Duration): Effect.Effect<boolean> =>
  Effect.callback<boolean>((resume) => {
    const socket = Net.connect({ host, port })
    const forget = () => {
      socket.removeAllListeners()
      socket.on("error", () => {})
      socket.destroy()
    }
    const done = (open: boolean) => {
      forget()
      resume(Effect.succeed(open))
    }
    socket.setTimeout(Duration.toMillis(timeout), () => done(false))
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
    return Effect.sync(forget)
  })

/** @internal */
export const layerConnector: Layer.Layer<Connector> = Layer.succeed(Connector, { canConnect })

/**
 * Everything `NodeProcess.layer` provides, on `spawner`: the spawner, the TCP connector, and Effect 4's
 * `ChildProcessSpawner` on this library's process resource.
 *
 * @internal
 */
export const layerWith = (spawner: ProcessSpawner.ProcessSpawner["Service"]): Layer.Layer<NodeProcess.Services> =>
  Layer.mergeAll(
    Layer.succeed(ProcessSpawner.ProcessSpawner, spawner),
    layerConnector,
    childProcessSpawner.layerWith(spawner)
  )
