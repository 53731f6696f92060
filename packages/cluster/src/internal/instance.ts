/**
 * One instance of a process entity on the runner that owns it: the handlers of the entity's messages, built by the
 * cluster when the entity is activated on this runner, around a `Supervisor` in a scope of its own.
 *
 * While an instance should run, its entity holds the cluster's keep-alive (`Entity.keepAlive(true)`): the entity is
 * not passivated as idle, and the keep-alive message stays unanswered in the message storage. When the owner dies
 * or shuts down, or the shard moves, the cluster delivers that message again to the shard's next owner, which
 * activates the entity there; the activation reads the desired-state table and starts the process if it should run.
 * `Stop` writes "stopped" and releases the keep-alive, so a stopped instance is not woken anywhere.
 *
 * An instance runs in epochs: one `Supervisor` each, in a child scope of the entity's scope. When the cluster stops
 * the entity (shutdown, shard moved), the entity's scope closes and the process group is terminated gracefully
 * before the shard is released to another runner.
 *
 * @internal
 */
import type * as ManagedProcess from "@effect-process/core/ManagedProcess"
import type { ProcessSpawner, Signal } from "@effect-process/core/ProcessSpawner"
import * as Supervisor from "@effect-process/core/Supervisor"
import { checkSignal, SIGNALS } from "@effect-process/engine/LaunchOptions"
import { truncate } from "@effect-process/engine/Quote"
import * as Entity from "@effect/cluster/Entity"
import type { Sharding } from "@effect/cluster/Sharding"
import type { SqlError } from "@effect/sql/SqlError"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type { Definition } from "../ProcessEntity.js"
import type { DesiredState } from "./desiredState.js"
import { InstanceError, InstanceStatus, type rpcs } from "./protocol.js"

/** Unread output kept per pipe when the definition does not say: nobody reads an entity's output but `tail`. */
const DEFAULT_BUFFER_SIZE = 64 * 1024

/** The desired-state table is retried for about 10 s before a request fails with `StorageFailed`. */
const STORAGE_RETRY = Schedule.exponential("50 millis").pipe(
  Schedule.union(Schedule.spaced("1 second")),
  Schedule.upTo("10 seconds")
)

type State = InstanceStatus["state"]

interface Epoch {
  readonly scope: Scope.CloseableScope
  state: State
  ended: boolean
  pid: number | null
  readyAt: number | null
  restarts: number
  lastExit: InstanceStatus["lastExit"]
  failure: string | null
  /** The definition or its options were refused: nothing was started. */
  refused: boolean
  /** The process seen last, kept after it exited for `tail`. */
  process: ManagedProcess.ManagedProcess<unknown> | undefined
}

/** The longest failure text an instance keeps and reports. */
const MAX_DETAIL = 500

const bounded = (text: string): string => truncate(text, MAX_DETAIL)

const describe = (error: unknown): string =>
  bounded(error instanceof Error ? error.message : typeof error === "string" ? error : "an unknown failure")

/** @internal */
export const makeHandlers = <R>(
  entityType: string,
  define: (entityId: string) => Definition<unknown, unknown, R, R>,
  store: DesiredState
) =>
  Effect.gen(function*() {
    const address = yield* Entity.CurrentAddress
    const runnerAddress = yield* Entity.CurrentRunnerAddress
    const entityScope = yield* Effect.scope
    // The entity's context (its address, the keep-alive latch, Sharding), for `Entity.keepAlive` from the handlers.
    const entityContext = yield* Effect.context<Sharding | Entity.CurrentAddress>()
    // Each `Entity.keepAlive(true)` persists a message: sent once per epoch of wanting to run, not per `Start`.
    let keepingAlive = false
    const keepAlive = (enabled: boolean) =>
      Effect.suspend(() => {
        if (enabled && keepingAlive) return Effect.void
        keepingAlive = enabled
        return Entity.keepAlive(enabled).pipe(Effect.provide(entityContext))
      })
    // What the supervisor needs (the spawner, the definition's services), without the entity's own Scope: each epoch
    // has a scope of its own.
    const context = Context.omit(Scope.Scope)(yield* Effect.context<ProcessSpawner | R>()) as Context.Context<
      ProcessSpawner | R
    >
    const entityId = address.entityId
    const runner = `${runnerAddress.host}:${runnerAddress.port}`
    const changes = yield* SubscriptionRef.make(0)
    const changed = SubscriptionRef.update(changes, (n) => n + 1)

    // Deciding to run or stop (the desired state, the keep-alive, the epoch) is one request at a time.
    const lock = yield* Effect.makeSemaphore(1)
    let epoch: Epoch | undefined

    const fail = (reason: InstanceError["reason"], detail: string) =>
      new InstanceError({ reason, entityType, entityId, detail: bounded(detail) })

    const status = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const e = epoch
      return new InstanceStatus({
        entityType,
        entityId,
        runner,
        state: e?.state ?? "Stopped",
        pid: e?.pid ?? null,
        uptimeMillis: e?.readyAt != null && e.pid != null ? now - e.readyAt : null,
        restarts: e?.restarts ?? 0,
        lastExit: e?.lastExit ?? null,
        failure: e?.failure ?? null
      })
    })

    const storageFailed = (error: SqlError) => fail("StorageFailed", `the desired-state table: ${error.message}`)

    const end = (e: Epoch, state: State) =>
      Effect.gen(function*() {
        if (e.ended) return
        e.ended = true
        e.state = state
        e.pid = null
        yield* changed
      })

    /**
     * Supervision ended by itself (by policy, or it gave up, or the definition was refused): the instance stays
     * stopped, here and on any later owner, until the next `Start`.
     */
    const endedByItself = (e: Epoch, state: State) =>
      lock.withPermits(1)(Effect.gen(function*() {
        if (e.ended) return
        yield* end(e, state)
        if (epoch !== e) return
        yield* store.set(entityType, entityId, "stopped").pipe(
          Effect.retry(STORAGE_RETRY),
          Effect.catchAll((error) => Effect.logWarning("could not record the instance as stopped", error))
        )
        yield* keepAlive(false)
      })).pipe(Effect.ensuring(Effect.forkIn(Scope.close(e.scope, Exit.void), entityScope)))

    const onEvent = (e: Epoch, supervisor: Supervisor.Supervisor<unknown>) => (event: Supervisor.Event) =>
      Effect.gen(function*() {
        if (e.ended) return
        switch (event._tag) {
          case "Starting": {
            e.state = event.attempt > 1 ? "Restarting" : "Starting"
            break
          }
          case "Ready": {
            e.state = "Running"
            e.pid = event.pid
            e.readyAt = yield* Clock.currentTimeMillis
            const current = yield* supervisor.current
            if (Option.isSome(current) && current.value.pid === event.pid) e.process = current.value
            break
          }
          case "LaunchFailed": {
            e.failure = describe(event.error)
            break
          }
          case "Exited": {
            e.state = "Restarting"
            e.pid = null
            e.lastExit = {
              exitCode: event.exitCode ?? null,
              signal: event.signal ?? null,
              uptimeMillis: Duration.toMillis(event.uptime)
            }
            break
          }
          case "Restarting": {
            e.restarts = event.restarts
            break
          }
          case "Unhealthy":
          case "GaveUp":
          case "Stopped":
            break
        }
        yield* changed
      })

    const startEpoch = Effect.gen(function*() {
      const scope = yield* Scope.fork(entityScope, ExecutionStrategy.sequential)
      const e: Epoch = {
        scope,
        state: "Starting",
        ended: false,
        pid: null,
        readyAt: null,
        restarts: 0,
        lastExit: null,
        failure: null,
        refused: false,
        process: undefined
      }
      epoch = e
      yield* changed
      const started = yield* Effect.gen(function*() {
        const definition = yield* Effect.try({
          try: () => define(entityId),
          catch: (error) => `the definition threw: ${describe(error)}`
        })
        const supervisor = yield* Supervisor.make(definition.command, {
          bufferSize: DEFAULT_BUFFER_SIZE,
          ...definition.options
        }).pipe(
          Effect.mapError((error) => error.message),
          Effect.provide(context),
          Scope.extend(scope)
        )
        yield* supervisor.events.pipe(Stream.runForEach(onEvent(e, supervisor)), Effect.forkIn(scope))
        yield* supervisor.await.pipe(
          Effect.matchEffect({
            onFailure: (error) =>
              Effect.suspend(() => {
                e.failure = describe(error)
                return endedByItself(e, "Failed")
              }),
            onSuccess: (event) =>
              event._tag === "Stopped" && event.reason === "closed"
                ? Effect.void
                : endedByItself(e, event._tag === "Stopped" && event.reason === "completed" ? "Stopped" : "Failed")
          }),
          Effect.forkIn(scope)
        )
      }).pipe(Effect.either)
      if (started._tag === "Left") {
        e.refused = true
        e.failure = bounded(started.left)
        yield* endedByItself(e, "Failed").pipe(Effect.forkIn(entityScope))
      }
      return e
    })

    /** Ends the running epoch: closing its scope terminates the process group gracefully. */
    const stopEpoch = (e: Epoch) =>
      Effect.gen(function*() {
        if (e.ended) return
        e.state = "Stopped"
        yield* changed
        const process = e.process
        yield* Scope.close(e.scope, Exit.void)
        if (process !== undefined && e.pid !== null) {
          const exit = yield* process.status
          if (exit._tag === "Exited") {
            const now = yield* Clock.currentTimeMillis
            e.lastExit = {
              exitCode: exit.exitCode ?? null,
              signal: exit.signal ?? null,
              uptimeMillis: e.readyAt === null ? 0 : now - e.readyAt
            }
          }
        }
        yield* end(e, "Stopped")
      })

    /** Waits until the epoch's process is running (readiness included), or supervision ended. */
    const settled = (e: Epoch) =>
      changes.changes.pipe(
        Stream.filter(() => e.ended || e.state === "Running"),
        Stream.runHead
      )

    /** Makes the instance run: the desired state, the keep-alive, and an epoch unless one is going. */
    const run = Effect.gen(function*() {
      activated = true
      yield* store.set(entityType, entityId, "running").pipe(Effect.retry(STORAGE_RETRY))
      yield* keepAlive(true)
      return epoch === undefined || epoch.ended ? yield* startEpoch : epoch
    })

    // Activated on this runner: if the instance should run (it ran on a runner that died or left, and the
    // cluster delivered its keep-alive here), it starts again. When the table cannot be read, the next `Status`
    // (the reconciler sends one every interval) tries again.
    let activated = false
    const activate = lock.withPermits(1)(Effect.gen(function*() {
      if (activated) return
      const desired = yield* store.get(entityType, entityId).pipe(Effect.retry(STORAGE_RETRY))
      activated = true
      if (desired === "running" && epoch === undefined) yield* run
    })).pipe(
      Effect.catchAll((error) => Effect.logError("could not read whether the instance should run", error)),
      Effect.forkIn(entityScope),
      Effect.asVoid
    )
    yield* activate

    const handlers: Entity.HandlersFrom<(typeof rpcs)[number]> = {
      Start: ({ payload }) =>
        Effect.gen(function*() {
          const e = yield* lock.withPermits(1)(run).pipe(Effect.mapError(storageFailed))
          const outcome = yield* settled(e).pipe(
            Effect.timeoutOption(Duration.millis(Math.max(0, payload.timeoutMillis)))
          )
          const current = yield* status
          if (Option.isNone(outcome)) {
            return yield* fail(
              "Timeout",
              `not running within ${payload.timeoutMillis} ms (state ${current.state}${
                current.failure ? `: ${current.failure}` : ""
              })`
            )
          }
          if (e.state === "Failed") {
            return yield* fail(e.refused ? "StartFailed" : "GaveUp", e.failure ?? "supervision failed")
          }
          return current
        }),
      Stop: () =>
        Effect.gen(function*() {
          // Uninterruptible: a client that gave up waiting (and asks again) must not cut a termination short, or
          // the next request would find the instance stopped while its process is still in its grace.
          yield* Effect.uninterruptible(
            lock.withPermits(1)(Effect.gen(function*() {
              activated = true
              yield* store.set(entityType, entityId, "stopped").pipe(
                Effect.retry(STORAGE_RETRY),
                Effect.mapError(storageFailed)
              )
              if (epoch !== undefined) yield* stopEpoch(epoch)
              yield* keepAlive(false)
            }))
          )
          return yield* status
        }),
      Status: () => Effect.zipRight(activated ? Effect.void : activate, status),
      Tail: ({ payload }) =>
        Effect.gen(function*() {
          if (!Number.isSafeInteger(payload.lines) || payload.lines < 0) {
            return yield* fail("InvalidRequest", `lines must be a non-negative integer (got ${payload.lines})`)
          }
          const process = epoch?.process
          if (process === undefined) return yield* fail("NotRunning", `it has not run on ${runner}`)
          const text = yield* (payload.pipe === "stderr" ? process.stderrTail : process.stdoutTail)
          const lines = text.split(/\r?\n/)
          if (lines.at(-1) === "") lines.pop()
          return payload.lines === 0 ? [] : lines.slice(-payload.lines)
        }),
      Signal: ({ payload }) =>
        Effect.gen(function*() {
          const refusal = checkSignal([entityType, entityId], "signal", payload.signal)
          if (refusal !== undefined) {
            return yield* fail("InvalidRequest", `${refusal.detail}; one of ${SIGNALS.slice(0, 6).join(", ")}, ...`)
          }
          const process = epoch !== undefined && epoch.pid !== null ? epoch.process : undefined
          if (process === undefined) return yield* fail("NotRunning", `no process is running on ${runner}`)
          yield* process.kill(payload.signal as Signal).pipe(
            Effect.mapError((error) => fail("NotRunning", error.message))
          )
          return yield* status
        })
    }
    return handlers
  })
