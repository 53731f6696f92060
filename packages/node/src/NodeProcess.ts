/**
 * The Node.js runtime of `@effect-process/core`: a `ProcessSpawner` that starts every child as the leader of its own
 * process group, signals whole groups, and tells whether a group is gone (zombies do not count), and the three layers
 * that provide it together with `@effect/platform-node`'s services. They differ only in the parent-death reaper:
 * `layer` (the process-wide one, on by default), `layerWithoutReaper` (none), `layerWithReaper(options)` (one of
 * the layer's own, configured).
 *
 * @since 0.1.0
 */
import type { ProcessSpawner, Readiness } from "@effect-process/core"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import type * as Cause from "effect/Cause"
import type * as Layer from "effect/Layer"
import * as internal from "./internal/nodeSpawner.js"
import * as reaper from "./internal/reaper.js"
import type * as NodeReaper from "./NodeReaper.js"

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
 * Everything a Node program needs to launch processes: the `ProcessSpawner` (with the process-wide parent-death
 * watchdog, so that no child outlives this process even when it is SIGKILLed), the TCP `Connector` for
 * `Readiness.port`, and `@effect/platform`'s
 * `FileSystem` and `Path` from `@effect/platform-node`, and `@effect/platform`'s `CommandExecutor` on this library's
 * process resource (`NodeCommandExecutor`), in place of platform-node's: existing `Command` code gets the guarantees.
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
 * `layer` with a parent-death watchdog of its own for the lifetime of the layer, configured (see `NodeReaper`):
 * another grace than the default 7 seconds, `pdeathsig` for the direct child. A grace that is not a non-negative
 * duration fails the layer with Effect's `IllegalArgumentException`.
 * @example
 * import { NodeRuntime } from "@effect/platform-node"
 * import { Effect } from "effect"
 * import { ManagedProcess } from "@effect-process/core"
 * import { NodeProcess } from "@effect-process/node"
 *
 * Effect.scoped(ManagedProcess.make(["node", "server.js"])).pipe(
 *   Effect.zipRight(Effect.never),
 *   Effect.provide(NodeProcess.layerWithReaper({ grace: "3 seconds", pdeathsig: true })),
 *   NodeRuntime.runMain
 * )
 * @since 0.1.0
 * @category layers
 */
export const layerWithReaper: (
  options: NodeReaper.Options
) => Layer.Layer<Services, Cause.IllegalArgumentException> = reaper.layerWithReaper

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
