/**
 * Fault: many processes to stop at once, each of which ignores SIGTERM (so each needs its full grace).
 * Guarantee: releasing 200 at once takes about one grace period, not the sum (200 graces); 0 survivors.
 */
import { ManagedProcess, type ProcessSpawner } from "@effect-process/core"
import { NodeProcess } from "@effect-process/node"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Layer, Logger, LogLevel, Scope } from "effect"
import { makeTracker } from "../harness.js"
import { expectGone, fixture, timed } from "../utils.js"

const COUNT = 200
const GRACE_MS = 1000

const launch = (t: ReturnType<typeof makeTracker>) =>
  ManagedProcess.make([fixture("ignore-term.sh")], {
    env: t.env,
    relayStderr: false,
    terminate: { timeout: `${GRACE_MS} millis` }
  }).pipe(
    Effect.tap((proc) => t.track(proc).waitForOutput(["ready"], { timeout: "30 seconds" }))
  )

const quiet = Logger.minimumLogLevel(LogLevel.Error)

const check = (t: ReturnType<typeof makeTracker>, elapsed: number, what: string) =>
  Effect.gen(function*() {
    console.log(`${COUNT} TERM-ignoring processes, ${what}: released in ${elapsed} ms (grace ${GRACE_MS} ms)`)
    expect(t.pids).toHaveLength(COUNT)
    expect(elapsed).toBeGreaterThanOrEqual(GRACE_MS - 50)
    // about one grace; the sum would be 200 s
    expect(elapsed).toBeLessThan(GRACE_MS + 4000)
    yield* expectGone(t.pids, t.pids, "1 second", [t.marker])
  })

describe("fault matrix: 200 concurrent processes released at once", () => {
  it.live(
    "in one scope with Effect.parallelFinalizers: about one grace period, 0 survivors",
    () =>
      Effect.gen(function*() {
        const t = makeTracker()
        const scope = yield* Scope.make()
        yield* Effect.forEach(Array.from({ length: COUNT }), () => launch(t), { concurrency: 16, discard: true }).pipe(
          Effect.parallelFinalizers,
          Scope.extend(scope)
        )
        const [, elapsed] = yield* timed(Scope.close(scope, Exit.void))
        yield* check(t, elapsed, "one scope, parallelFinalizers")
      }).pipe(Effect.provide([NodeProcess.layer, quiet])),
    120_000
  )

  const layers: ReadonlyArray<readonly [string, Layer.Layer<ProcessSpawner.ProcessSpawner>]> = [
    ["NodeProcess.layerWithReaper", Layer.orDie(NodeProcess.layerWithReaper({ grace: "1 second" }))]
  ]
  for (const [name, layer] of layers) {
    it.live(
      `one scope per process, all closed at once (${name}): about one grace period, 0 survivors`,
      () =>
        Effect.gen(function*() {
          const t = makeTracker()
          const launched = yield* Deferred.make<void>()
          const release = yield* Deferred.make<void>()
          let count = 0
          const fibers = yield* Effect.forEach(Array.from({ length: COUNT }), () =>
            Effect.fork(Effect.scoped(Effect.gen(function*() {
              yield* launch(t)
              if (++count === COUNT) {
                yield* Deferred.succeed(launched, undefined)
              }
              yield* Deferred.await(release)
            }))), { concurrency: 16 })
          yield* Deferred.await(launched)
          const [, elapsed] = yield* timed(
            Deferred.succeed(release, undefined).pipe(Effect.zipRight(Effect.forEach(fibers, (f) =>
              f.await)))
          )
          yield* check(t, elapsed, `one scope each (${name})`)
        }).pipe(Effect.provide([layer, quiet])),
      120_000
    )
  }
})
