/**
 * Fault: a long-running parent that launches many processes.
 * Guarantee: nothing accumulates: after 1000 sequential launches (and releases), the open file descriptors
 * (`/proc/self/fd`) and the listeners on `process` are back to where they started; 0 survivors.
 */
import { NodeProcess } from "@effect-process/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { ManagedProcess, type ProcessSpawner } from "effect-process"
import { makeTracker } from "../harness.js"
import { eventually, expectGone, timed } from "../utils.js"
import { openFds, processListeners } from "./support.js"

const cases: ReadonlyArray<readonly [string, Layer.Layer<ProcessSpawner.ProcessSpawner>, number]> = [
  ["NodeProcess.layer", NodeProcess.layer, 1000],
  ["NodeProcess.layerWithReaper", Layer.orDie(NodeProcess.layerWithReaper({ grace: "1 second" })), 300]
]

describe("fault matrix: many sequential launches leak nothing", () => {
  for (const [name, layer, count] of cases) {
    it.live(
      `${count} sequential launches (${name}): open fds and process listeners back to the start`,
      () =>
        Effect.gen(function*() {
          const t = makeTracker()
          const once = (i: number) =>
            i % 2 === 0
              // the full lifecycle: three pipes, a reader, a write, the release
              ? Effect.scoped(Effect.gen(function*() {
                const proc = t.track(
                  yield* ManagedProcess.make(["cat"], { env: t.env, terminate: { timeout: "1 second" } })
                )
                yield* proc.write("x\n")
                yield* proc.readLine({ timeout: "10 seconds" })
              }))
              // run to completion
              : Effect.asVoid(ManagedProcess.run(["sh", "-c", "exit 0"], { env: t.env }))
          // warm up: the first spawn sets up libuv's SIGCHLD handling and the like
          for (let i = 0; i < 10; i++) yield* once(i)
          yield* Effect.sleep("100 millis")
          const fds = openFds()
          const listeners = processListeners()
          const [, elapsed] = yield* timed(
            Effect.forEach(Array.from({ length: count }, (_, i) => i), once, { discard: true })
          )
          console.log(`${count} sequential launches (${name}) in ${elapsed} ms; fds ${fds}, listeners ${listeners}`)
          // pipes are closed asynchronously (on the next turns of the event loop): give them a moment
          yield* eventually(
            `open fds back to ${fds} (now ${openFds()}) and listeners to ${listeners} (now ${processListeners()})`,
            () => openFds() <= fds && processListeners() <= listeners ? true : undefined,
            "3 seconds"
          )
          expect(openFds()).toBe(fds)
          expect(processListeners()).toBe(listeners)
          yield* expectGone(t.pids, t.pids, "2 seconds", [t.marker])
        }).pipe(Effect.provide(layer)),
      120_000
    )
  }
})
