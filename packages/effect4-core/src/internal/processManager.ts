// Generated from packages/core/src/internal/processManager.ts by scripts/effect4-sources.mjs: edit that file, not this one.
import * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type * as ManagedProcess from "../ManagedProcess.js"
import type * as ProcessManager from "../ProcessManager.js"
import { ProcessSpawner } from "../ProcessSpawner.js"
import * as managedProcess from "./managedProcess.js"

interface Entry {
  readonly handle: ManagedProcess.ManagedProcess<unknown>
  readonly startedAt: number
}

/** @internal */
export const make: Effect.Effect<ProcessManager.ProcessManagerService, never, ProcessSpawner | Scope.Scope> = Effect
  .gen(function*() {
    const spawner = yield* ProcessSpawner
    const registry = new Map<number, Entry>()
    const terminateAll = Effect.suspend(() =>
      Effect.forEach(
        [...registry.values()],
        (entry) => Effect.orDie(entry.handle.terminate()),
        { concurrency: "unbounded" }
      )
    ).pipe(Effect.withSpan("ProcessManager.terminateAll"))
    yield* Effect.addFinalizer(() => terminateAll)
    const service: ProcessManager.ProcessManagerService = {
      launch: (command, options) =>
        Effect.gen(function*() {
          const handle = yield* managedProcess.make(command, options)
          const startedAt = yield* Clock.currentTimeMillis
          registry.set(handle.pid, { handle, startedAt })
          yield* Effect.addFinalizer(() => Effect.sync(() => registry.delete(handle.pid)))
          return handle
        }).pipe(Effect.provideService(ProcessSpawner, spawner)),
      list: Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        return yield* Effect.forEach(
          [...registry.values()],
          (entry) =>
            Effect.map(entry.handle.status, (status): ProcessManager.ProcessInfo => ({
              pid: entry.handle.pid,
              command: entry.handle.command,
              startedAt: entry.startedAt,
              uptime: Duration.millis(now - entry.startedAt),
              status
            }))
        )
      }),
      terminateAll
    }
    return service
  })

/** @internal */
export const layer = (
  tag: Context.Key<ProcessManager.ProcessManager, ProcessManager.ProcessManagerService>
): Layer.Layer<ProcessManager.ProcessManager, never, ProcessSpawner> => Layer.effect(tag, make)
