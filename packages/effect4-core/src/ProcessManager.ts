// Generated from packages/core/src/ProcessManager.ts by scripts/effect4-sources.mjs: edit that file, not this one.
/**
 * A service that launches processes through the same API as `ManagedProcess.make`, keeps a registry of the live
 * ones (pid, command, uptime, status) and, when its layer is released, terminates every one still running in
 * parallel: the total time is about one grace period, not the sum of them.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as compat from "./internal/compat.js"
import * as internal from "./internal/processManager.js"
import type * as ManagedProcess from "./ManagedProcess.js"
import type { ProcessError, StateError, TimeoutError } from "./ProcessError.js"
import type { ProcessSpawner } from "./ProcessSpawner.js"

/**
 * A row of the registry.
 *
 * @since 0.1.0
 * @category models
 */
export interface ProcessInfo {
  readonly pid: number
  readonly command: ReadonlyArray<string>
  /** Epoch milliseconds (Effect `Clock`). */
  readonly startedAt: number
  readonly uptime: Duration.Duration
  readonly status: ManagedProcess.Status
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ProcessManagerService {
  /**
   * Launches like `ManagedProcess.make`. The process belongs to the caller's scope and is terminated at the latest
   * when the manager's layer is released.
   */
  readonly launch: <A = void, E = never, R = never>(
    command: ManagedProcess.CommandInput,
    options?: ManagedProcess.Options<A, E, R>
  ) => Effect.Effect<ManagedProcess.ManagedProcess<A>, ProcessError | StateError | TimeoutError | E, Scope.Scope | R>
  /** The processes launched and not yet released, oldest first. */
  readonly list: Effect.Effect<ReadonlyArray<ProcessInfo>>
  /** Terminates every registered process in parallel (each with its own terminate options). */
  readonly terminateAll: Effect.Effect<ReadonlyArray<ManagedProcess.TerminateOutcome>>
}

/**
 * The tag of the process manager service.
 *
 * @example
 * import { Effect } from "effect"
 * import { ProcessManager } from "effect-process"
 *
 * const count = Effect.flatMap(ProcessManager.ProcessManager, (manager) => Effect.map(manager.list, (rows) => rows.length))
 *
 * @since 0.1.0
 * @category tags
 */
export class ProcessManager extends compat.Service<ProcessManager, ProcessManagerService>()(
  "effect-process/ProcessManager"
) {}

/**
 * Builds a manager in the current scope; closing the scope terminates what is still running.
 *
 * @example
 * import { Effect } from "effect"
 * import { ProcessManager } from "effect-process"
 *
 * const program = Effect.scoped(Effect.flatMap(ProcessManager.make, (manager) => manager.list))
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<ProcessManagerService, never, ProcessSpawner | Scope.Scope> = internal.make

/**
 * The manager as a layer.
 *
 * @example
 * import { Effect } from "effect"
 * import { ProcessManager } from "effect-process"
 * import { NodeProcess } from "@effect-process/platform-node"
 *
 * const program = Effect.gen(function*() {
 *   yield* ProcessManager.launch(["sleep", "100"])
 *   yield* ProcessManager.launch(["sleep", "200"])
 *   return yield* ProcessManager.list
 * }).pipe(Effect.scoped, Effect.provide(ProcessManager.layer), Effect.provide(NodeProcess.layer))
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ProcessManager, never, ProcessSpawner> = internal.layer(ProcessManager)

/**
 * Launches through the `ProcessManager` in context.
 *
 * @example
 * import { ProcessManager } from "effect-process"
 *
 * const worker = ProcessManager.launch(["node", "worker.js"])
 *
 * @since 0.1.0
 * @category accessors
 */
export const launch = <A = void, E = never, R = never>(
  command: ManagedProcess.CommandInput,
  options?: ManagedProcess.Options<A, E, R>
): Effect.Effect<
  ManagedProcess.ManagedProcess<A>,
  ProcessError | StateError | TimeoutError | E,
  ProcessManager | Scope.Scope | R
> => Effect.flatMap(ProcessManager, (manager) => manager.launch(command, options))

/**
 * The registry of the `ProcessManager` in context.
 *
 * @example
 * import { Effect } from "effect"
 * import { ProcessManager } from "effect-process"
 *
 * const pids = Effect.map(ProcessManager.list, (rows) => rows.map((row) => row.pid))
 *
 * @since 0.1.0
 * @category accessors
 */
export const list: Effect.Effect<ReadonlyArray<ProcessInfo>, never, ProcessManager> = Effect.flatMap(
  ProcessManager,
  (manager) => manager.list
)

/**
 * Terminates everything the `ProcessManager` in context runs, in parallel.
 *
 * @example
 * import { ProcessManager } from "effect-process"
 *
 * const stopAll = ProcessManager.terminateAll
 *
 * @since 0.1.0
 * @category accessors
 */
export const terminateAll: Effect.Effect<ReadonlyArray<ManagedProcess.TerminateOutcome>, never, ProcessManager> = Effect
  .flatMap(ProcessManager, (manager) => manager.terminateAll)
