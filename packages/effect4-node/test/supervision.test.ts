import { NodeProcess } from "@effect-process/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schedule, Stream } from "effect"
import { ProcessManager, Readiness, Supervisor } from "effect-process"
import { expectGone, markerEnv, newMarker, timed } from "./utils.js"

const withMarker = <A, E, R>(body: (env: Record<string, string>) => Effect.Effect<A, E, R>) => {
  const marker = newMarker()
  return body(markerEnv(marker)).pipe(
    Effect.ensuring(Effect.orDie(Effect.suspend(() => expectGone([], [], "3 seconds", [marker])))),
    Effect.provide(NodeProcess.layer)
  )
}

describe("supervision with real processes", () => {
  it.live("a crashing process is restarted until the start limit, then the supervisor gives up", () =>
    withMarker((env) =>
      Effect.gen(function*() {
        const supervisor = yield* Supervisor.make(["sh", "-c", "echo started; sleep 0.1; exit 3"], {
          env,
          readiness: Readiness.output(["started"]),
          backoff: Schedule.spaced("50 millis"),
          startLimit: { burst: 3, interval: "1 minute" }
        })
        const error = yield* Effect.flip(supervisor.await)
        expect(error.reason).toBe("GaveUp")
        const events = yield* Stream.runCollect(Stream.take(supervisor.events, 12))
        const exits = events.filter((event) => event._tag === "Exited")
        expect(exits).toHaveLength(3)
        expect(exits.every((event) => event._tag === "Exited" && event.exitCode === 3)).toBe(true)
        expect(events.filter((event) => event._tag === "Ready")).toHaveLength(3)
        expect(yield* supervisor.restarts).toBe(2)
      }).pipe(Effect.scoped)
    ))

  it.live("closing the supervisor's scope terminates the running process gracefully", () =>
    withMarker((env) =>
      Effect.gen(function*() {
        const pid = yield* Effect.scoped(Effect.gen(function*() {
          const supervisor = yield* Supervisor.make(["sleep", "1000"], {
            env,
            readiness: Readiness.stableFor("100 millis")
          })
          const ready = yield* Stream.runHead(Stream.filter(supervisor.events, (event) => event._tag === "Ready"))
          return ready._tag === "Some" && ready.value._tag === "Ready" ? ready.value.pid : -1
        }))
        expect(pid).toBeGreaterThan(0)
        yield* expectGone([pid], [pid], "1 second", [])
      })
    ))
})

describe("ProcessManager with real processes", () => {
  const stubborn = ["sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"]

  it.live("terminateAll stops 20 TERM-ignoring processes in about one grace, not twenty", () =>
    withMarker((env) =>
      Effect.gen(function*() {
        const pids: Array<number> = []
        const elapsed = yield* Effect.gen(function*() {
          for (let i = 0; i < 20; i++) {
            const proc = yield* ProcessManager.launch(stubborn, {
              env,
              terminate: { timeout: "500 millis" },
              readiness: Readiness.output(["ready"])
            })
            pids.push(proc.pid)
          }
          expect((yield* ProcessManager.list).map((row) => row.pid)).toEqual(pids)
          const [outcomes, elapsed] = yield* timed(ProcessManager.terminateAll)
          expect(outcomes.map((outcome) => outcome._tag)).toEqual(pids.map(() => "Killed"))
          return elapsed
        }).pipe(Effect.scoped, Effect.provide(ProcessManager.layer))
        // Twenty sequential graces would be 10 s; in parallel it is one grace plus the kill.
        expect(elapsed).toBeGreaterThanOrEqual(500)
        expect(elapsed).toBeLessThan(3_000)
        yield* expectGone(pids, pids, "1 second", [])
      })
    ))

  it.live("releasing the manager's layer terminates what is still running, in parallel", () =>
    withMarker((env) =>
      Effect.gen(function*() {
        const pids: Array<number> = []
        const [, elapsed] = yield* timed(
          Effect.gen(function*() {
            const manager = yield* ProcessManager.ProcessManager
            // Launched into a scope that outlives the manager: the manager's release is what stops them.
            for (let i = 0; i < 10; i++) {
              const proc = yield* manager.launch(stubborn, {
                env,
                terminate: { timeout: "500 millis" },
                readiness: Readiness.output(["ready"])
              }).pipe(Effect.provideService(ProcessManager.ProcessManager, manager))
              pids.push(proc.pid)
            }
          }).pipe(Effect.provide(Layer.effect(ProcessManager.ProcessManager, ProcessManager.make)), Effect.scoped)
        )
        expect(elapsed).toBeLessThan(4_000)
        yield* expectGone(pids, pids, "1 second", [])
      })
    ))
})
