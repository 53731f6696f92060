/**
 * Declaring a kind of process entity, registering it on runners, and the client that controls its instances from
 * any node of the cluster.
 *
 * @internal
 */
import type { ProcessSpawner } from "@effect-process/core/ProcessSpawner"
import { isNegativeDurationInput, typeName } from "@effect-process/engine/LaunchOptions"
import * as Entity from "@effect/cluster/Entity"
import type { Sharding } from "@effect/cluster/Sharding"
import * as Singleton from "@effect/cluster/Singleton"
import type { SqlClient } from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
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
/** How long a client waits for any other answer. */
const REQUEST_TIMEOUT = 30_000
/** How long a client waits for `stop`. */
const STOP_TIMEOUT = 120_000
/** One attempt's share: an idempotent request is sent again after this long without an answer. */
const ATTEMPT = 10_000
/** What the client allows beyond the owner's own wait before it calls an answer lost. */
const ANSWER_GRACE = 5_000

/**
 * Sends an idempotent request until it is answered or `totalMillis` passed. An answer can be lost when the shard
 * moves while its owner works on it (the cluster does not answer a plain request that the owner interrupted), so
 * each attempt is bounded and the next one goes to whoever owns the instance then.
 */
const untilAnswered = <A, E, R>(
  fail: (detail: string) => InstanceError,
  totalMillis: number,
  attempt: (sliceMillis: number, last: boolean) => Effect.Effect<A, E | Cause.TimeoutException, R>,
  attemptMillis = ATTEMPT
): Effect.Effect<A, Exclude<E, Cause.TimeoutException> | InstanceError, R> =>
  Effect.flatMap(Clock.currentTimeMillis, (startedAt) => {
    const loop: Effect.Effect<A, Exclude<E, Cause.TimeoutException> | InstanceError, R> = Effect.flatMap(
      Clock.currentTimeMillis,
      (now) => {
        const remaining = startedAt + totalMillis - now
        const slice = Math.max(0, Math.min(remaining, attemptMillis))
        return attempt(slice, remaining <= attemptMillis).pipe(
          Effect.timeout(Duration.millis(slice + ANSWER_GRACE)),
          Effect.catchIf(
            (error): error is Cause.TimeoutException => Cause.isTimeoutException(error),
            () =>
              remaining > attemptMillis
                ? loop
                : Effect.fail(fail(`no answer within ${totalMillis + ANSWER_GRACE} ms`))
          )
        ) as Effect.Effect<A, Exclude<E, Cause.TimeoutException> | InstanceError, R>
      }
    )
    return loop
  })

/** @internal */
export const client = <Type extends string, R>(
  self: ProcessEntity.ProcessEntity<Type, R>
): Effect.Effect<ProcessEntity.Client, never, Sharding> =>
  Effect.map(self.entity.client, (makeClient): ProcessEntity.Client => {
    const failure = (entityId: string) => (detail: string) =>
      new InstanceError({ reason: "Timeout", entityType: self.type, entityId, detail })
    const invalid = (entityId: unknown, detail: string) =>
      Effect.fail(
        new InstanceError({
          reason: "InvalidRequest",
          entityType: self.type,
          entityId: typeof entityId === "string" ? entityId.slice(0, 200) : "",
          detail
        })
      )
    /** What the messages' schemas would refuse as a defect, refused as a typed error before anything is sent. */
    const checked = <A, E, R>(
      entityId: string,
      problem: string | undefined,
      request: Effect.Effect<A, E, R>
    ): Effect.Effect<A, E | InstanceError, R> =>
      typeof entityId !== "string" || entityId.length === 0
        ? invalid(entityId, `the entity id must be a non-empty string (got ${typeName(entityId)})`)
        : entityId.includes("\0")
        ? invalid(entityId, "the entity id must not contain a NUL byte")
        : problem !== undefined
        ? invalid(entityId, problem)
        : request
    return {
      start: (entityId, options) =>
        checked(
          entityId,
          undefined,
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
            const total = Duration.isFinite(timeout.value) ? Duration.toMillis(timeout.value) : 2 ** 31 - 1
            const instance = makeClient(entityId)
            return yield* untilAnswered(failure(entityId), total, (slice, last) =>
              instance.Start({ timeoutMillis: slice }).pipe(
                // The owner's own wait ran out in this attempt, but time is left: ask again.
                Effect.catchTag("InstanceError", (error) =>
                  Effect.fail(
                    error.reason === "Timeout" && !last ? new Cause.TimeoutException(error.detail) : error
                  ))
              ))
          })
        ),
      // A stop takes as long as the process's grace (and the kill timeout): each attempt waits a minute.
      stop: (entityId) =>
        checked(
          entityId,
          undefined,
          untilAnswered(failure(entityId), STOP_TIMEOUT, () => makeClient(entityId).Stop(), STOP_TIMEOUT / 2)
        ),
      status: (entityId) =>
        checked(
          entityId,
          undefined,
          untilAnswered(failure(entityId), REQUEST_TIMEOUT, () => makeClient(entityId).Status())
        ),
      tail: (entityId, lines, options) => {
        const pipe = options?.pipe ?? "stdout"
        return checked(
          entityId,
          typeof lines !== "number"
            ? `lines must be a non-negative integer (got ${typeName(lines)})`
            : pipe !== "stdout" && pipe !== "stderr"
            ? `pipe must be "stdout" or "stderr" (got ${typeName(pipe)})`
            : undefined,
          untilAnswered(failure(entityId), REQUEST_TIMEOUT, () => makeClient(entityId).Tail({ lines, pipe }))
        )
      },
      // Not idempotent: sent once, and a lost answer is a Timeout.
      signal: (entityId, signal) =>
        checked(
          entityId,
          typeof signal !== "string"
            ? `signal must be a signal name such as SIGTERM (got ${typeName(signal)})`
            : undefined,
          makeClient(entityId).Signal({ signal })
        ).pipe(
          Effect.timeoutFail({
            duration: Duration.millis(REQUEST_TIMEOUT),
            onTimeout: () => failure(entityId)(`no answer within ${REQUEST_TIMEOUT} ms`)
          })
        )
    }
  })
