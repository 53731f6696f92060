/**
 * The Node.js runtime of `@effect-process/core`: a `ProcessSpawner` that starts every child as the leader of its own
 * process group, signals whole groups, and tells whether a group is gone (zombies do not count), plus the layer that
 * provides it together with `@effect/platform-node`'s services.
 *
 * @since 0.1.0
 */
import type { ProcessSpawner, Readiness } from "@effect-process/core"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import type * as Layer from "effect/Layer"
import * as internal from "./internal/nodeSpawner.js"

/**
 * What the Node layers provide: the `ProcessSpawner`, the TCP `Connector` for `Readiness.port`, and
 * `@effect/platform`'s `CommandExecutor`, `FileSystem` and `Path`.
 *
 * @since 0.1.0
 * @category models
 */
export type Services =
  | ProcessSpawner.ProcessSpawner
  | Readiness.Connector
  | CommandExecutor.CommandExecutor
  | FileSystem.FileSystem
  | Path.Path

/**
 * The Node.js implementation of the `ProcessSpawner` service. Every process group it starts is reported to a
 * process-wide parent-death watchdog (see `NodeReaper`), started at the first launch.
 *
 * @example
 * import { Effect } from "effect"
 * import { ProcessSpawner } from "@effect-process/core"
 * import { NodeProcess } from "@effect-process/node"
 *
 * const program = Effect.provideService(Effect.void, ProcessSpawner.ProcessSpawner, NodeProcess.spawner)
 *
 * @since 0.1.0
 * @category constructors
 */
export const spawner: ProcessSpawner.ProcessSpawnerService = internal.spawner

/**
 * The Node.js `ProcessSpawner` without the parent-death watchdog: if this process dies without running its
 * finalizers (SIGKILL, a crash outside the runtime), the process groups it launched keep running.
 *
 * @example
 * import { Effect } from "effect"
 * import { ProcessSpawner } from "@effect-process/core"
 * import { NodeProcess } from "@effect-process/node"
 *
 * const program = Effect.provideService(Effect.void, ProcessSpawner.ProcessSpawner, NodeProcess.spawnerWithoutReaper)
 *
 * @since 0.1.0
 * @category constructors
 */
export const spawnerWithoutReaper: ProcessSpawner.ProcessSpawnerService = internal.spawnerWithoutReaper

/**
 * Provides the `ProcessSpawner` alone.
 *
 * @example
 * import { Effect } from "effect"
 * import { ManagedProcess } from "@effect-process/core"
 * import { NodeProcess } from "@effect-process/node"
 *
 * const program = ManagedProcess.run(["true"]).pipe(Effect.provide(NodeProcess.layerSpawner))
 *
 * @since 0.1.0
 * @category layers
 */
export const layerSpawner: Layer.Layer<ProcessSpawner.ProcessSpawner> = internal.layerSpawner

/**
 * Provides the TCP `Connector` that `Readiness.port` uses.
 *
 * @example
 * import { Effect } from "effect"
 * import { ManagedProcess, Readiness } from "@effect-process/core"
 * import { NodeProcess } from "@effect-process/node"
 *
 * const program = Effect.scoped(ManagedProcess.make(["redis-server"], { readiness: Readiness.port(6379) })).pipe(
 *   Effect.provide([NodeProcess.layerSpawner, NodeProcess.layerConnector])
 * )
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConnector: Layer.Layer<Readiness.Connector> = internal.layerConnector

/**
 * Everything a Node program needs to launch processes: the `ProcessSpawner` (with the process-wide parent-death
 * watchdog, so that no child outlives this process even when it is SIGKILLed), the TCP `Connector` for
 * `Readiness.port`, and `@effect/platform`'s
 * `CommandExecutor`, `FileSystem` and `Path` from `@effect/platform-node`.
 *
 * @example
 * import { Effect } from "effect"
 * import { ManagedProcess } from "@effect-process/core"
 * import { NodeProcess } from "@effect-process/node"
 *
 * const program = Effect.scoped(ManagedProcess.make(["sleep", "1"])).pipe(Effect.provide(NodeProcess.layer))
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Services> = internal.layer

/**
 * `layer` without the parent-death watchdog: one process fewer, and no protection against the parent dying without
 * running its finalizers. For environments that reap on their own (a container whose init kills the whole cgroup)
 * or that forbid extra processes.
 *
 * @example
 * import { Effect } from "effect"
 * import { ManagedProcess } from "@effect-process/core"
 * import { NodeProcess } from "@effect-process/node"
 *
 * const program = ManagedProcess.run(["true"]).pipe(Effect.provide(NodeProcess.layerWithoutReaper))
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWithoutReaper: Layer.Layer<Services> = internal.layerWithoutReaper

/**
 * Whether any member of process group `pgid` is alive; zombies (exited, not yet reaped) do not count. On Linux this
 * reads `/proc`; elsewhere it falls back to `kill(-pgid, 0)`, which counts zombies.
 *
 * @example
 * import { NodeProcess } from "@effect-process/node"
 *
 * NodeProcess.isGroupAlive(process.pid) // whether our own group has live members
 *
 * @since 0.1.0
 * @category utils
 */
export const isGroupAlive: (pgid: number) => boolean = internal.isGroupAlive
