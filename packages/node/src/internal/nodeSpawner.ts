import { ProcessError, ProcessSpawner, Readiness } from "@effect-process/core"
import { isGroupAlive } from "@effect-process/engine/node/ProcessGroups"
import * as Spawn from "@effect-process/engine/node/Spawn"
import { processWideReaper } from "@effect-process/engine/node/Watchdog"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Net from "node:net"
import * as commandExecutor from "./commandExecutor.js"

type SpawnedProcessError = ProcessSpawner.SpawnedProcessError

/** @internal */
export { isGroupAlive }

/**
 * How a spawner works with a parent-death reaper (see `@effect-process/engine/node`'s `Spawn.SpawnHooks`).
 *
 * @internal
 */
export type SpawnerHooks = Spawn.SpawnHooks

/**
 * A started child as Effect 3's core sees it: the engine's child (the spawn, the pipes, the signals are shared by
 * every line of the library) with its control path as Effects. Its Effects are made when asked for: an idle
 * process costs only this object.
 */
class Spawned extends Spawn.SpawnedChild implements ProcessSpawner.SpawnedProcess {
  write(chunk: Uint8Array): Effect.Effect<void, SpawnedProcessError> {
    return Effect.async<void, SpawnedProcessError>((resume) =>
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

const spawn = (hooks: SpawnerHooks) =>
(
  request: ProcessSpawner.SpawnRequest,
  listeners: ProcessSpawner.SpawnListeners
): Effect.Effect<ProcessSpawner.SpawnedProcess, ProcessError> =>
  Effect.async<ProcessSpawner.SpawnedProcess, ProcessError>((resume) =>
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
          : Effect.zipRight(Effect.catchAllCause(Effect.logWarning(outcome.warning), () => Effect.void), result)
      )
    })
  )

/**
 * A spawner that tells `hooks` about every process group it starts and releases.
 *
 * @internal
 */
export const makeSpawner = (hooks: SpawnerHooks = {}): ProcessSpawner.ProcessSpawnerService => ({
  spawn: spawn(hooks)
})

/**
 * The default spawner: every group is reported to the process-wide watchdog, so that it is terminated even if this
 * process dies without running its finalizers.
 *
 * @internal
 */
export const spawner: ProcessSpawner.ProcessSpawnerService = makeSpawner(processWideReaper)

/** @internal */
export const spawnerWithoutReaper: ProcessSpawner.ProcessSpawnerService = makeSpawner()

/** @internal */
export const layerSpawner: Layer.Layer<ProcessSpawner.ProcessSpawner> = Layer.succeed(
  ProcessSpawner.ProcessSpawner,
  spawner
)

/** @internal */
export const layerSpawnerWithoutReaper: Layer.Layer<ProcessSpawner.ProcessSpawner> = Layer.succeed(
  ProcessSpawner.ProcessSpawner,
  spawnerWithoutReaper
)

/**
 * Opens (and at once closes) a TCP connection; false on any error or after `timeout`.
 *
 * @internal
 */
export const canConnect = (host: string, port: number, timeout: Duration.Duration): Effect.Effect<boolean> =>
  Effect.async<boolean>((resume) => {
    const socket = Net.connect({ host, port })
    const done = (open: boolean) => {
      socket.removeAllListeners()
      socket.on("error", () => {})
      socket.destroy()
      resume(Effect.succeed(open))
    }
    socket.setTimeout(Duration.toMillis(timeout), () => done(false))
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
    return Effect.sync(() => {
      socket.removeAllListeners()
      socket.on("error", () => {})
      socket.destroy()
    })
  })

/** @internal */
export const layerConnector: Layer.Layer<Readiness.Connector> = Layer.succeed(Readiness.Connector, { canConnect })

// platform-node's services, with this library's CommandExecutor in place of platform-node's (a later layer's
// service wins).

/** @internal */
export const layer = Layer.mergeAll(NodeContext.layer, layerSpawner, layerConnector, commandExecutor.layerWith(spawner))

/** @internal */
export const layerWithoutReaper = Layer.mergeAll(
  NodeContext.layer,
  layerSpawnerWithoutReaper,
  layerConnector,
  commandExecutor.layerWith(spawnerWithoutReaper)
)
