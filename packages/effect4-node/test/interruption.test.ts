import { NodeProcess } from "@effect-process/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber } from "effect"
import { ManagedProcess } from "effect-process"
import { makeTracker, noSurvivors } from "./harness.js"
import { eventually, expectGone, fixture, groupMembers, isAlive, markedProcesses, timed } from "./utils.js"

/** Effect 4: `Fiber.interrupt` returns nothing; the exit is `Fiber.await`. */
const interruptExit = <A, E>(fiber: Fiber.Fiber<A, E>) => Effect.andThen(Fiber.interrupt(fiber), Fiber.await(fiber))

describe("interruption leaves no process", () => {
  it.live("interrupting during launch, at many points in time", () =>
    Effect.gen(function*() {
      const t = makeTracker()
      const delays = [0, 0, 0, 1, 1, 2, 3, 5, 8, 13, 20, 30, 50]
      for (const delay of delays) {
        const fiber = yield* Effect.forkChild(
          Effect.scoped(Effect.gen(function*() {
            const proc = t.track(yield* ManagedProcess.make(["sleep", "1000"], { env: t.env }))
            yield* Effect.never
            return proc.pid
          }))
        )
        if (delay > 0) yield* Effect.sleep(delay)
        const exit = yield* interruptExit(fiber)
        expect(Exit.hasInterrupts(exit)).toBe(true)
      }
      // processes that would have been spawned without the library knowing carry the marker too
      yield* Effect.sleep("300 millis")
      yield* expectGone(t.pids, t.pids, "3 seconds", [t.marker])
    }).pipe(Effect.provide(NodeProcess.layer)))

  it.live("interrupting during waitForOutput", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const started = yield* Deferred.make<number>()
        const fiber = yield* Effect.forkChild(Effect.scoped(Effect.gen(function*() {
          const proc = t.track(yield* ManagedProcess.make(["sh", "-c", "sleep 1000 & sleep 1000"], { env: t.env }))
          yield* Deferred.succeed(started, proc.pid)
          return yield* proc.waitForOutput(["never printed"], { timeout: "60 seconds" })
        })))
        const pid = yield* Deferred.await(started)
        const members = yield* eventually("two processes in the group", () => {
          const members = groupMembers(pid)
          return members.length >= 2 ? members : undefined
        })
        t.trackPids(members)
        yield* Effect.sleep("200 millis")
        const [exit, elapsed] = yield* timed(interruptExit(fiber))
        expect(Exit.hasInterrupts(exit)).toBe(true)
        expect(elapsed).toBeLessThan(3000)
        yield* expectGone(members, [pid], "1 second")
      })
    ))

  it.live("interrupting during readLine", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const started = yield* Deferred.make<number>()
        const fiber = yield* Effect.forkChild(Effect.scoped(Effect.gen(function*() {
          const proc = t.track(yield* ManagedProcess.make(["sleep", "1000"], { env: t.env }))
          yield* Deferred.succeed(started, proc.pid)
          return yield* proc.readLine({ timeout: "60 seconds" })
        })))
        const pid = yield* Deferred.await(started)
        yield* Effect.sleep("200 millis")
        yield* interruptExit(fiber)
        yield* expectGone([pid], [pid], "1 second")
      })
    ))

  it.live("interrupting during release does not stop the release", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const releasing = yield* Deferred.make<number>()
        const fiber = yield* Effect.forkChild(Effect.scoped(Effect.gen(function*() {
          const proc = t.track(
            yield* ManagedProcess.make([fixture("ignore-term.sh")], { env: t.env, terminate: { timeout: "1 second" } })
          )
          // finalizers run in reverse order: this one runs just before the process's release
          yield* Effect.addFinalizer(() => Deferred.succeed(releasing, proc.pid))
          yield* proc.waitForOutput(["ready"], { timeout: "10 seconds" })
          return proc.pid
        })))
        const pid = yield* Deferred.await(releasing)
        yield* Effect.sleep("200 millis")
        // the release is under way: SIGTERM was sent and ignored
        expect(isAlive(pid)).toBe(true)
        const [, elapsed] = yield* timed(interruptExit(fiber))
        expect(elapsed).toBeLessThan(1000 + 2000)
        yield* expectGone([pid], [pid], "2 seconds")
      })
    ))

  it.live("interrupting a terminate() call does not interrupt the termination", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make([fixture("ignore-term.sh")], { env: t.env, terminate: { timeout: "500 millis" } })
        )
        yield* proc.waitForOutput(["ready"], { timeout: "10 seconds" })
        const fiber = yield* Effect.forkChild(proc.terminate())
        yield* Effect.sleep("100 millis")
        yield* interruptExit(fiber)
        // the termination goes on: the group is SIGKILLed after the grace, before the scope closes
        yield* expectGone([proc.pid], [proc.pid], "3 seconds")
        const outcome = yield* proc.terminate().pipe(Effect.timeout("3 seconds"))
        expect(outcome._tag).toBe("Killed")
      })
    ))

  it.live("interrupting a fiber whose Effect.timeout fires during release still terminates the group", () =>
    Effect.gen(function*() {
      const t = makeTracker()
      const [exit, elapsed] = yield* timed(Effect.exit(
        Effect.scoped(Effect.gen(function*() {
          const proc = t.track(
            yield* ManagedProcess.make([fixture("ignore-term.sh")], {
              env: t.env,
              terminate: { timeout: "300 millis" }
            })
          )
          yield* proc.waitForOutput(["ready"], { timeout: "10 seconds" })
          return yield* Effect.never
        })).pipe(Effect.timeout("1 second"))
      ))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(elapsed).toBeLessThan(1000 + 300 + 2000)
      expect(markedProcesses(t.marker)).toEqual([])
      yield* expectGone(t.pids, t.pids, "1 second", [t.marker])
    }).pipe(Effect.provide(NodeProcess.layer)))
})
