import { OutputChannel } from "@effect-process/engine/OutputChannel"
import { describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { awaitAnyChange } from "../src/internal/awaitChange.js"

const bytes = (text: string) => new TextEncoder().encode(text)
const channel = () => new OutputChannel(1 << 20, 64, 1024, { pausePipe: () => {}, resumePipe: () => {} }, "stdout")

describe("awaitAnyChange: a pipe's waiters as an Effect", () => {
  it.effect("every waiter is woken by the next change: none can take another's wake-up", () =>
    Effect.gen(function*() {
      const ch = channel()
      const version = ch.currentVersion
      const waiters = yield* Effect.forEach([1, 2, 3], () => Effect.forkChild(awaitAnyChange([ch], [version])))
      yield* Effect.yieldNow
      // A waiter that comes later (a release waiting for the pipes) must not replace the others.
      const late = yield* Effect.forkChild(awaitAnyChange([ch], [version]))
      yield* Effect.yieldNow
      ch.push(bytes("x"))
      for (const fiber of [...waiters, late]) yield* Fiber.join(fiber)
    }))

  it.effect("an interrupted waiter leaves the others waiting", () =>
    Effect.gen(function*() {
      const ch = channel()
      const version = ch.currentVersion
      const gone = yield* Effect.forkChild(awaitAnyChange([ch], [version]))
      const kept = yield* Effect.forkChild(awaitAnyChange([ch], [version]))
      yield* Effect.yieldNow
      yield* Fiber.interrupt(gone)
      ch.end()
      yield* Fiber.join(kept)
    }))
})
