/**
 * Fault: many processes to stop at once, each of which ignores SIGTERM (so each needs its full grace).
 * Guarantee: releasing 200 at once takes about one grace period, not the sum (200 graces); 0 survivors.
 */
import { NodeProcess } from "@effect-process/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Layer, References, Scope } from "effect"
import { ManagedProcess, type ProcessSpawner } from "effect-process"
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

const quiet = Layer.succeed(References.MinimumLogLevel, "Error")

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
        // Effect 4: parallel finalizers are the scope's strategy (Effect 3: Effect.parallelFinalizers)
        const scope = yield* Scope.make("parallel")
        yield* Effect.forEach(Array.from({ length: COUNT }), () => launch(t), { concurrency: 16, discard: true }).pipe(
          Scope.provide(scope)
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
          // Effect 4 interrupts a child fiber when its parent ends, and each element of a concurrent forEach runs in
          // a fiber of its own: the fibers are forked in the test's scope instead (Effect 3's fork outlived them).
          const fibers = yield* Effect.forEach(Array.from({ length: COUNT }), () =>
            Effect.forkScoped(Effect.scoped(Effect.gen(function*() {
              yield* launch(t)
              if (++count === COUNT) {
                yield* Deferred.succeed(launched, undefined)
              }
              yield* Deferred.await(release)
            }))), { concurrency: 16 })
          yield* Deferred.await(launched)
          const [, elapsed] = yield* timed(
            Deferred.succeed(release, undefined).pipe(Effect.andThen(Effect.forEach(fibers, (f) =>
              Fiber.await(f))))
          )
          yield* check(t, elapsed, `one scope each (${name})`)
        }).pipe(Effect.provide([layer, quiet])),
      120_000
    )
  }
})
