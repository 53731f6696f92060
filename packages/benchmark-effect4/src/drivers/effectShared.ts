// The Effect 4 counterpart of the benchmark's drivers/effectShared.ts (which imports Effect 3).
import * as Effect from "effect/Effect"

/** Runs `once` `count` times in a row and returns the latency of each, in milliseconds. */
export const sequentialLatencies = <E, R>(
  count: number,
  once: Effect.Effect<unknown, E, R>
): Effect.Effect<Array<number>, E, R> =>
  Effect.gen(function*() {
    const latencies: Array<number> = []
    for (let i = 0; i < count; i++) {
      const start = performance.now()
      yield* once
      latencies.push(performance.now() - start)
    }
    return latencies
  })
