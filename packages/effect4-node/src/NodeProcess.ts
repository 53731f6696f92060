/**
 * The Node.js platform of effect-process for Effect 4: the `ProcessSpawner` (each child the leader of its own
 * process group; every group reported to the process-wide parent-death watchdog, shared with the Effect 3 line when
 * both run in one Node process) and its layers. In progress: the process resource itself follows.
 *
 * @since 0.1.0
 */
import { isGroupAlive as isGroupAlive_ } from "@effect-process/engine/node/ProcessGroups"
import { ProcessSpawner } from "effect-process/ProcessSpawner"
import * as Layer from "effect/Layer"
import * as internal from "./internal/nodeSpawner.js"

/**
 * The `ProcessSpawner` with the parent-death reaper: every process group it starts is reported to the process-wide
 * watchdog, started at the first launch, so that the children of a parent that dies without running its
 * finalizers (SIGKILL, the OOM killer) are terminated.
 *
 * @example
 * import { Effect } from "effect"
 * import { ProcessSpawner } from "effect-process"
 * import { NodeProcess } from "@effect-process/platform-node"
 *
 * const program = Effect.provideService(Effect.void, ProcessSpawner.ProcessSpawner, NodeProcess.spawner)
 *
 * @since 0.1.0
 * @category constructors
 */
export const spawner: ProcessSpawner["Service"] = internal.spawner

/**
 * The `ProcessSpawner` without the parent-death reaper: if this process dies without running its finalizers, its
 * children run on.
 *
 * @example
 * import { NodeProcess } from "@effect-process/platform-node"
 *
 * const spawn = NodeProcess.spawnerWithoutReaper.spawn
 *
 * @since 0.1.0
 * @category constructors
 */
export const spawnerWithoutReaper: ProcessSpawner["Service"] = internal.spawnerWithoutReaper

/**
 * The default layer: the `ProcessSpawner` with the parent-death reaper.
 *
 * @example
 * import { Effect } from "effect"
 * import { ProcessSpawner } from "effect-process"
 * import { NodeProcess } from "@effect-process/platform-node"
 *
 * const program = Effect.gen(function*() {
 *   return yield* ProcessSpawner.ProcessSpawner
 * }).pipe(Effect.provide(NodeProcess.layer))
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ProcessSpawner> = Layer.succeed(ProcessSpawner, spawner)

/**
 * `layer` without the parent-death reaper.
 *
 * @example
 * import { NodeProcess } from "@effect-process/platform-node"
 *
 * const layer = NodeProcess.layerWithoutReaper
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWithoutReaper: Layer.Layer<ProcessSpawner> = Layer.succeed(ProcessSpawner, spawnerWithoutReaper)

/**
 * Whether any member of process group `pgid` is alive; on Linux zombies are not counted (`/proc`).
 *
 * @example
 * import { NodeProcess } from "@effect-process/platform-node"
 *
 * NodeProcess.isGroupAlive(process.pid)
 *
 * @since 0.1.0
 * @category utils
 */
export const isGroupAlive: (pgid: number) => boolean = isGroupAlive_
