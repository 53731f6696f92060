/**
 * The Node.js platform of effect-process for Effect 4: the `ProcessSpawner` (each child the leader of its own
 * process group; every group reported to the process-wide parent-death watchdog, shared with the Effect 3 line when
 * both run in one Node process) and the layers that provide it.
 *
 * @since 0.1.0
 */
import { isGroupAlive as isGroupAlive_ } from "@effect-process/engine/node/ProcessGroups"
import type { ProcessSpawner, Readiness } from "effect-process"
import type * as Cause from "effect/Cause"
import type * as Layer from "effect/Layer"
import type { ChildProcessSpawner } from "effect/process/ChildProcessSpawner"
import * as internal from "./internal/nodeSpawner.js"
import * as reaper from "./internal/reaper.js"
import type * as NodeReaper from "./NodeReaper.js"

/**
 * What the layers provide: the `ProcessSpawner`, the TCP `Connector` for `Readiness.port`, and Effect 4's
 * `ChildProcessSpawner` on this library's process resource (`NodeChildProcessSpawner`).
 *
 * @since 0.1.0
 * @category models
 */
export type Services = ProcessSpawner.ProcessSpawner | Readiness.Connector | ChildProcessSpawner

/**
 * The `ProcessSpawner` with the parent-death reaper: every process group it starts is reported to the process-wide
 * watchdog, started at the first launch, so that the children of a parent that dies without running its
 * finalizers (SIGKILL, the OOM killer) are terminated.
 *
 * @example
 * import { Effect } from "effect"
 * import { ManagedProcess, ProcessSpawner } from "effect-process"
 * import { NodeProcess } from "@effect-process/platform-node"
 *
 * const program = ManagedProcess.run(["true"]).pipe(
 *   Effect.provideService(ProcessSpawner.ProcessSpawner, NodeProcess.spawner)
 * )
 *
 * @since 0.1.0
 * @category constructors
 */
export const spawner: ProcessSpawner.ProcessSpawner["Service"] = internal.spawner

/**
 * The `ProcessSpawner` without the parent-death reaper.
 *
 * @example
 * import { Effect } from "effect"
 * import { ManagedProcess, ProcessSpawner } from "effect-process"
 * import { NodeProcess } from "@effect-process/platform-node"
 *
 * const program = ManagedProcess.run(["true"]).pipe(
 *   Effect.provideService(ProcessSpawner.ProcessSpawner, NodeProcess.spawnerWithoutReaper)
 * )
 *
 * @since 0.1.0
 * @category constructors
 */
export const spawnerWithoutReaper: ProcessSpawner.ProcessSpawner["Service"] = internal.spawnerWithoutReaper

/**
 * Everything a Node program needs to launch processes: the `ProcessSpawner` (with the process-wide parent-death
 * watchdog, so that no child outlives this process even when it is SIGKILLed), the TCP `Connector` for
 * `Readiness.port`, and Effect 4's `ChildProcessSpawner` on this library's process resource, so that existing
 * `ChildProcess` code gets the guarantees. Merge it after `NodeServices.layer` of `@effect/platform-node` when you use
 * both (the later layer's service wins).
 *
 * @example
 * import { Effect } from "effect"
 * import { ManagedProcess } from "effect-process"
 * import { NodeProcess } from "@effect-process/platform-node"
 *
 * const program = Effect.scoped(ManagedProcess.make(["sleep", "1"])).pipe(Effect.provide(NodeProcess.layer))
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Services> = internal.layerWith(internal.spawner)

/**
 * `layer` without the parent-death watchdog: one process fewer, and no protection against the parent dying without
 * running its finalizers. For environments that reap on their own (a container whose init kills the whole cgroup)
 * or that forbid extra processes.
 *
 * @example
 * import { Effect } from "effect"
 * import { ManagedProcess } from "effect-process"
 * import { NodeProcess } from "@effect-process/platform-node"
 *
 * const program = ManagedProcess.run(["true"]).pipe(Effect.provide(NodeProcess.layerWithoutReaper))
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWithoutReaper: Layer.Layer<Services> = internal.layerWith(internal.spawnerWithoutReaper)

/**
 * `layer` with a parent-death watchdog of its own for the lifetime of the layer, configured (see `NodeReaper`):
 * another grace than the default 7 seconds, `pdeathsig` for the direct child. A grace that is not a non-negative
 * duration fails the layer with Effect's `IllegalArgumentError`.
 *
 * @example
 * import { NodeRuntime } from "@effect/platform-node"
 * import { Effect } from "effect"
 * import { ManagedProcess } from "effect-process"
 * import { NodeProcess } from "@effect-process/platform-node"
 *
 * Effect.scoped(ManagedProcess.make(["node", "server.js"])).pipe(
 *   Effect.andThen(Effect.never),
 *   Effect.provide(NodeProcess.layerWithReaper({ grace: "3 seconds", pdeathsig: true })),
 *   NodeRuntime.runMain
 * )
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWithReaper: (
  options: NodeReaper.Options
) => Layer.Layer<Services, Cause.IllegalArgumentError> = reaper.layerWithReaper

/**
 * Whether any member of process group `pgid` is alive; zombies (exited, not yet reaped) do not count. On Linux this
 * reads `/proc`; elsewhere it falls back to `kill(-pgid, 0)`, which counts zombies.
 *
 * @example
 * import { NodeProcess } from "@effect-process/platform-node"
 *
 * NodeProcess.isGroupAlive(process.pid) // whether our own group has live members
 *
 * @since 0.1.0
 * @category utils
 */
export const isGroupAlive: (pgid: number) => boolean = isGroupAlive_
