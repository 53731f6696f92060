/**
 * Supervised processes placed on a cluster of runners with `@effect/cluster`. A `ProcessEntity` declares a kind of
 * managed process (a worker, a headless browser, a per-tenant database): what to run for an entity id. Runners
 * register it with `layer`; any node, runner or client-only, controls instances with `client`: `start`, `stop`,
 * `status`, `tail` and `signal`.
 *
 * Each instance runs under a `Supervisor` on the runner that owns the instance's shard. Placement, shard ownership,
 * runner health and the durable messages are the cluster's; this module adds no membership or election of its own.
 * What holds:
 *
 * - an entity id runs at most once across the cluster: its shard has one owner at a time (the cluster's shard
 *   locks), a runner that shuts down terminates its instances before it lets its shards go, and a runner that dies
 *   takes its processes with it (the parent-death reaper of `NodeProcess`, with a grace shorter than the cluster
 *   takes to declare a runner dead);
 * - a started instance runs again on a surviving runner when its runner dies or shuts down: its entity holds the
 *   cluster's keep-alive, whose persisted message the cluster delivers again to the shard's next owner, and a table
 *   in the cluster's database says that it should run;
 * - a stopped instance stays stopped across reassignment.
 *
 * @since 0.1.0
 */
import type * as ManagedProcess from "@effect-process/core/ManagedProcess"
import type { ProcessSpawner } from "@effect-process/core/ProcessSpawner"
import type * as Supervisor from "@effect-process/core/Supervisor"
import type { AlreadyProcessingMessage, MailboxFull, PersistenceError } from "@effect/cluster/ClusterError"
import type * as Entity from "@effect/cluster/Entity"
import type { Sharding } from "@effect/cluster/Sharding"
import type { RpcClientError } from "@effect/rpc/RpcClientError"
import type { SqlClient } from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type { Pipeable } from "effect/Pipeable"
import * as internal from "./internal/processEntity.js"
import * as protocol from "./internal/protocol.js"

/**
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: unique symbol = internal.TypeId as TypeId

/**
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * What to run for one entity id: the command and the `Supervisor` options (restart policy, backoff, readiness,
 * health check, environment, ...). Unless `bufferSize` says otherwise, an instance keeps 64 KiB of unread output
 * per pipe (nobody reads it but `tail`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Definition<A = unknown, E = never, R = never, RH = never> {
  readonly command: ManagedProcess.CommandInput
  readonly options?: Supervisor.Options<A, E, R, RH> | undefined
}

/**
 * A kind of managed process, made with `make`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ProcessEntity<Type extends string, R = never> extends Pipeable {
  readonly [TypeId]: TypeId
  readonly type: Type
  /** The cluster entity underneath, with the messages `Start`, `Stop`, `Status`, `Tail` and `Signal`. */
  readonly entity: Entity.Entity<Type, (typeof protocol.rpcs)[number]>
  readonly define: (entityId: string) => Definition<unknown, unknown, R, R>
}

/**
 * What `status` reports, read on the runner that owns the instance now. `restarts`, `lastExit` and `uptimeMillis`
 * count from the latest start on that runner; `Failed` means supervision gave up (`failure` says why).
 *
 * @since 0.1.0
 * @category models
 */
export const InstanceStatus: typeof protocol.InstanceStatus = protocol.InstanceStatus

/**
 * @since 0.1.0
 * @category models
 */
export type InstanceStatus = protocol.InstanceStatus

/**
 * A request about an instance that could not be carried out, with the entity's type and id:
 * - `StartFailed`: the definition or its options were refused, nothing was started;
 * - `GaveUp`: supervision gave up (start limit reached: a missing program, or a process that kept failing before or
 *   after readiness), `detail` has the last failure;
 * - `NotRunning`: `signal` or `tail` on an instance that has no process on its runner;
 * - `InvalidRequest`: a bad argument (a negative line count, an unknown signal, a negative timeout);
 * - `Timeout`: `start` did not see the instance running within its timeout;
 * - `StorageFailed`: the table that records whether the instance should run could not be written.
 *
 * @since 0.1.0
 * @category errors
 */
export const InstanceError: typeof protocol.InstanceError = protocol.InstanceError

/**
 * @since 0.1.0
 * @category errors
 */
export type InstanceError = protocol.InstanceError

/**
 * The cluster's own failures of a request: the entity's mailbox is full, the message storage failed, or the
 * request could not be sent.
 *
 * @since 0.1.0
 * @category errors
 */
export type ClusterError = MailboxFull | AlreadyProcessingMessage | PersistenceError | RpcClientError

/**
 * Controls the instances of one `ProcessEntity` from any node of the cluster. Every request is bounded: `start` by
 * its timeout, `stop` by 2 minutes, the others by 30 s, after which they fail with `InstanceError` `Timeout`; `stop`, `status` and `tail`
 * are sent again when an answer is lost (a shard moved while its owner worked on it), `signal` only once.
 *
 * @since 0.1.0
 * @category models
 */
export interface Client {
  /**
   * Asks the instance to run (it keeps running across failovers until `stop`), then waits until it is running on its
   * owner (readiness included) and returns its status. Starting a running instance returns its status. Fails with
   * `Timeout` after `timeout` (default 30 s), with `GaveUp` when supervision gave up before it was running. An
   * answer lost while the instance's shard moves is asked for again (start is idempotent). The status it returns
   * can say `Stopped`: a `stop` that came in meanwhile won, or supervision ended by policy (a `restart: "never"`
   * process that exited). A `Timeout` bounds the wait only: the instance was asked to run and keeps starting.
   */
  readonly start: (
    entityId: string,
    options?: { readonly timeout?: Duration.DurationInput | undefined }
  ) => Effect.Effect<InstanceStatus, InstanceError | ClusterError>
  /** Stops the instance (graceful termination of its process group) and keeps it stopped, wherever it moves. */
  readonly stop: (entityId: string) => Effect.Effect<InstanceStatus, InstanceError | ClusterError>
  /** Where and how the instance runs now. */
  readonly status: (entityId: string) => Effect.Effect<InstanceStatus, InstanceError | ClusterError>
  /**
   * The last `lines` lines of the output the instance's latest process (running or exited) wrote to stdout (or
   * `pipe: "stderr"`), from its retained tail (`tailSize`, 8 KiB by default).
   */
  readonly tail: (
    entityId: string,
    lines: number,
    options?: { readonly pipe?: "stdout" | "stderr" | undefined }
  ) => Effect.Effect<ReadonlyArray<string>, InstanceError | ClusterError>
  /** Sends a signal to the instance's process group (not to be confused with `stop`, which keeps it stopped). */
  readonly signal: (entityId: string, signal: string) => Effect.Effect<InstanceStatus, InstanceError | ClusterError>
}

/**
 * Options of `layer`.
 *
 * @since 0.1.0
 * @category models
 */
export interface LayerOptions {
  /** How long a stopped instance's entity stays in memory without messages (the cluster's default: 1 minute). */
  readonly maxIdleTime?: Duration.DurationInput | undefined
  readonly mailboxCapacity?: number | "unbounded" | undefined
  /**
   * How often the reconciler (a cluster singleton) asks every instance that should run for its status, which starts
   * it on its owner if it is not running (default 2 seconds). It bounds the time to run again after a failover when
   * the cluster's keep-alive did not wake the instance.
   */
  readonly reconcileInterval?: Duration.DurationInput | undefined
  /** The table that records which instances should run (default `effect_process_instances`), created if missing. */
  readonly table?: string | undefined
}

/**
 * Declares a kind of managed process: `define` says what to run for an entity id.
 *
 * @example
 * import { ProcessEntity } from "@effect-process/cluster"
 *
 * const Worker = ProcessEntity.make("Worker", (entityId) => ({
 *   command: ["node", "worker.js", "--tenant", entityId],
 *   options: { restart: "always", env: { TENANT: entityId } }
 * }))
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <const Type extends string, R = never>(
  type: Type,
  define: (entityId: string) => Definition<unknown, unknown, R, R>
) => ProcessEntity<Type, R> = internal.make

/**
 * Registers the process entity on this runner: the instances whose shards this runner owns run here. Needs the
 * cluster's `Sharding` (a runner's, not a client-only one), a `ProcessSpawner` (use `NodeProcess.layerWithReaper`
 * with a grace shorter than the cluster takes to declare a runner dead, so that a runner that dies takes its
 * processes with it before their instances start elsewhere) and the `SqlClient` of the
 * cluster's database, where a table records which instances should run (PostgreSQL, MySQL or SQLite).
 *
 * @example
 * import { NodeClusterSocket } from "@effect/platform-node"
 * import { NodeProcess } from "@effect-process/node"
 * import { ProcessEntity } from "@effect-process/cluster"
 * import { Layer } from "effect"
 *
 * declare const Worker: ProcessEntity.ProcessEntity<"Worker">
 * declare const Database: Layer.Layer<import("@effect/sql").SqlClient.SqlClient>
 *
 * const Runner = ProcessEntity.layer(Worker).pipe(
 *   Layer.provide(NodeProcess.layerWithReaper({ grace: "1 second" })),
 *   Layer.provide(NodeClusterSocket.layer({ storage: "sql" })),
 *   Layer.provide(Database)
 * )
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: <Type extends string, R>(
  self: ProcessEntity<Type, R>,
  options?: LayerOptions
) => Layer.Layer<never, SqlError, Sharding | ProcessSpawner | SqlClient | R> = internal.layer

/**
 * A client for the instances of `self`, on any node with `Sharding` (a runner, or `clientOnly`).
 *
 * @example
 * import { ProcessEntity } from "@effect-process/cluster"
 * import { Effect } from "effect"
 *
 * declare const Worker: ProcessEntity.ProcessEntity<"Worker">
 *
 * const program = Effect.gen(function*() {
 *   const workers = yield* ProcessEntity.client(Worker)
 *   const started = yield* workers.start("tenant-42")
 *   console.log(started.runner, started.pid)
 *   console.log(yield* workers.tail("tenant-42", 20))
 *   yield* workers.stop("tenant-42")
 * })
 *
 * @since 0.1.0
 * @category constructors
 */
export const client: <Type extends string, R>(
  self: ProcessEntity<Type, R>
) => Effect.Effect<Client, never, Sharding> = internal.client
