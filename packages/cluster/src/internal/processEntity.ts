/**
 * Declaring a kind of process entity, registering it on runners, and the client that controls its instances from
 * any node of the cluster.
 *
 * @internal
 */
import type { ProcessSpawner } from "@effect-process/core/ProcessSpawner"
import { isNegativeDurationInput } from "@effect-process/engine/LaunchOptions"
import * as Entity from "@effect/cluster/Entity"
import type { Sharding } from "@effect/cluster/Sharding"
import * as Singleton from "@effect/cluster/Singleton"
import type { SqlClient } from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import type * as ProcessEntity from "../ProcessEntity.js"
import * as DesiredState from "./desiredState.js"
import { makeHandlers } from "./instance.js"
import { InstanceError, rpcs } from "./protocol.js"

/** @internal */
export const TypeId: ProcessEntity.TypeId = Symbol.for("@effect-process/cluster/ProcessEntity") as ProcessEntity.TypeId

/** @internal */
export const make = <const Type extends string, R = never>(
  type: Type,
  define: (entityId: string) => ProcessEntity.Definition<unknown, unknown, R, R>
): ProcessEntity.ProcessEntity<Type, R> => ({
  [TypeId]: TypeId,
  type,
  entity: Entity.make(type, rpcs),
  define,
  pipe() {
    return pipeArguments(this, arguments)
  }
})

/** @internal */
export const layer = <Type extends string, R>(
  self: ProcessEntity.ProcessEntity<Type, R>,
  options?: ProcessEntity.LayerOptions
): Layer.Layer<never, SqlError, Sharding | ProcessSpawner | SqlClient | R> =>
  Layer.unwrapEffect(Effect.map(DesiredState.make(options?.table), (store) =>
    Layer.merge(
      self.entity.toLayer(
        Effect.map(makeHandlers(self.type, self.define, store), (handlers) => self.entity.of(handlers)),
        {
          // `Start` waits for readiness: `Status`, `Tail` and `Signal` must not queue behind it.
          concurrency: "unbounded",
          maxIdleTime: options?.maxIdleTime,
          mailboxCapacity: options?.mailboxCapacity
        }
      ),
      Singleton.make(`@effect-process/cluster/${self.type}/reconciler`, reconcile(self, store, options))
    ))) as Layer.Layer<never, SqlError, Sharding | ProcessSpawner | SqlClient | R>

const DEFAULT_RECONCILE_INTERVAL = Duration.seconds(2)

/**
 * The reconciler, a cluster singleton (it runs on one runner at a time): every `reconcileInterval` it asks each
 * instance that should run for its status. The request activates the instance's entity on its owner, which starts
 * the process if it is not running. The cluster's keep-alive message normally does this at once after a failover;
 * the reconciler bounds the time when that message was already answered (the cluster answers a keep-alive that is
 * delivered twice to a live entity).
 */
const reconcile = <Type extends string, R>(
  self: ProcessEntity.ProcessEntity<Type, R>,
  store: DesiredState.DesiredState,
  options: ProcessEntity.LayerOptions | undefined
) =>
  Effect.gen(function*() {
    const makeClient = yield* self.entity.client
    const interval = options?.reconcileInterval ?? DEFAULT_RECONCILE_INTERVAL
    yield* Effect.gen(function*() {
      const ids = yield* store.running(self.type)
      yield* Effect.forEach(
        ids,
        (entityId) => makeClient(entityId).Status().pipe(Effect.timeout(Duration.seconds(10)), Effect.ignore),
        { concurrency: 16, discard: true }
      )
    }).pipe(
      Effect.catchAllCause((cause) => Effect.logWarning("reconciling the instances that should run", cause)),
      Effect.zipRight(Effect.sleep(interval)),
      Effect.forever
    )
  })

const DEFAULT_START_TIMEOUT = Duration.seconds(30)

/** @internal */
export const client = <Type extends string, R>(
  self: ProcessEntity.ProcessEntity<Type, R>
): Effect.Effect<ProcessEntity.Client, never, Sharding> =>
  Effect.map(self.entity.client, (makeClient): ProcessEntity.Client => ({
    start: (entityId, options) =>
      Effect.gen(function*() {
        const input = options?.timeout ?? DEFAULT_START_TIMEOUT
        const timeout = isNegativeDurationInput(input) ? Option.none() : Duration.decodeUnknown(input)
        if (Option.isNone(timeout)) {
          return yield* new InstanceError({
            reason: "InvalidRequest",
            entityType: self.type,
            entityId,
            detail: "timeout must be a non-negative Duration"
          })
        }
        return yield* makeClient(entityId).Start({
          timeoutMillis: Duration.isFinite(timeout.value) ? Duration.toMillis(timeout.value) : 2 ** 31 - 1
        })
      }),
    stop: (entityId) => makeClient(entityId).Stop(),
    status: (entityId) => makeClient(entityId).Status(),
    tail: (entityId, lines, options) => makeClient(entityId).Tail({ lines, pipe: options?.pipe ?? "stdout" }),
    signal: (entityId, signal) => makeClient(entityId).Signal({ signal })
  }))
