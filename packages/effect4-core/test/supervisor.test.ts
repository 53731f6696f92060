import { describe, expect, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Fiber, Option, Result, Schedule, Stream } from "effect"
import { Readiness, Supervisor, TestSpawner } from "effect-process"
import { TestClock } from "effect/testing"

const tags = (events: ReadonlyArray<Supervisor.Event>) => events.map((event) => event._tag)

describe("Supervisor (TestClock, scripted processes)", () => {
  it.effect("restarts a crashing process with the backoff's delays, then gives up at the start limit", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make(() => ({ stderr: ["crash\n"], exitCode: 1 }))
      const supervisor = yield* Supervisor.make(["worker"], {
        backoff: Schedule.spaced("1 second"),
        startLimit: { burst: 3, interval: "1 minute" },
        relayStderr: false
      }).pipe(Effect.provide(spawner.layer))
      const outcome = yield* Effect.forkChild(Effect.flip(supervisor.await))
      yield* TestClock.adjust("999 millis")
      expect(spawner.processes).toHaveLength(1)
      yield* TestClock.adjust("1 millis")
      expect(spawner.processes).toHaveLength(2)
      yield* TestClock.adjust("1 second")
      // The third crash gives up at once: a fourth start would exceed the limit.
      const error = yield* Fiber.join(outcome)
      expect(error.reason).toBe("GaveUp")
      expect(error.message).toContain("start limit")
      expect(spawner.processes).toHaveLength(3)
      expect(yield* supervisor.restarts).toBe(2)
      const events = yield* Stream.runCollect(Stream.take(supervisor.events, 12))
      expect(tags(events)).toEqual([
        "Starting",
        "Ready",
        "Exited",
        "Restarting",
        "Starting",
        "Ready",
        "Exited",
        "Restarting",
        "Starting",
        "Ready",
        "Exited",
        "GaveUp"
      ])
      const restarting = events.find((event) => event._tag === "Restarting")
      expect(restarting?._tag === "Restarting" && Duration.toMillis(restarting.delay)).toBe(1000)
    }))

  it.effect("on-failure stops after a successful exit; never stops after any exit", () =>
    Effect.gen(function*() {
      const ok = yield* TestSpawner.make(() => ({ exitCode: 0 }))
      const completed = yield* Supervisor.make(["job"]).pipe(Effect.provide(ok.layer))
      expect(yield* completed.await).toEqual({ _tag: "Stopped", reason: "completed" })
      const failing = yield* TestSpawner.make(() => ({ exitCode: 2 }))
      const once = yield* Supervisor.make(["job"], { restart: "never" }).pipe(Effect.provide(failing.layer))
      expect(yield* once.await).toEqual({ _tag: "Stopped", reason: "failed" })
      expect(failing.processes).toHaveLength(1)
    }))

  it.effect("always restarts even after a successful exit", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make(() => ({ exitCode: 0 }))
      yield* Supervisor.make(["tick"], { restart: "always", backoff: Schedule.spaced("1 second") }).pipe(
        Effect.provide(spawner.layer)
      )
      yield* TestClock.adjust("3 seconds")
      expect(spawner.processes).toHaveLength(4)
    }))

  it.effect("the backoff starts over after a stable uptime", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make(() => ({ exitCode: 1, exitAfter: "40 seconds" }))
      const supervisor = yield* Supervisor.make(["server"], {
        backoff: Schedule.exponential("1 second"),
        resetAfter: "30 seconds"
      }).pipe(Effect.provide(spawner.layer))
      const delays = yield* Effect.forkChild(Stream.runCollect(Stream.take(
        Stream.filterMap(supervisor.events, (event) =>
          event._tag === "Restarting" ? Result.succeed(event.delay) : Result.fail(event)),
        3
      )))
      for (let i = 0; i < 4; i++) {
        yield* TestClock.adjust("41 seconds")
      }
      const collected = (yield* Fiber.join(delays)).map(Duration.toMillis)
      expect(collected).toEqual([1000, 1000, 1000])
    }))

  it.effect("an unhealthy process is terminated and restarted", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make(() => ({}))
      let healthy = true
      const supervisor = yield* Supervisor.make(["server"], {
        backoff: Schedule.spaced("1 second"),
        healthCheck: {
          probe: Effect.suspend(() => healthy ? Effect.void : Effect.fail("down")),
          interval: "1 second",
          failureThreshold: 2
        }
      }).pipe(Effect.provide(spawner.layer))
      yield* TestClock.adjust("5 seconds")
      expect(spawner.processes).toHaveLength(1)
      healthy = false
      yield* TestClock.adjust("2 seconds")
      expect(spawner.processes[0]!.alive).toBe(false)
      expect(spawner.processes[0]!.signals[0]).toBe("SIGTERM")
      healthy = true
      yield* TestClock.adjust("1 second")
      expect(spawner.processes).toHaveLength(2)
      expect(spawner.processes[1]!.alive).toBe(true)
      const events = tags(yield* Stream.runCollect(Stream.take(supervisor.events, 6)))
      expect(events).toEqual(["Starting", "Ready", "Unhealthy", "Exited", "Restarting", "Starting"])
    }))

  it.effect("closing the scope stops supervision and terminates the current process", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make(() => ({}))
      yield* Effect.scoped(Effect.gen(function*() {
        const supervisor = yield* Supervisor.make(["server"]).pipe(Effect.provide(spawner.layer))
        yield* TestClock.adjust("1 second")
        expect(Option.isSome(yield* supervisor.current)).toBe(true)
      }))
      expect(spawner.processes).toHaveLength(1)
      expect(spawner.processes[0]!.alive).toBe(false)
      expect(spawner.processes[0]!.signals).toContain("SIGTERM")
    }))

  // Before: after the scope closed, `await` stayed pending and `events` never ended, in every phase.
  for (
    const [phase, plan, advance] of [
      ["running", () => ({}), "1 second"],
      ["waiting for readiness", () => ({}), "1 second"],
      ["waiting to restart", () => ({ exitCode: 1 }), "100 millis"]
    ] as const
  ) {
    it.effect(`closing the scope while ${phase}: await settles with Stopped, events end with Stopped`, () =>
      Effect.gen(function*() {
        const spawner = yield* TestSpawner.make(plan)
        const [supervisor, fiber] = yield* Effect.scoped(Effect.gen(function*() {
          const supervisor = yield* Supervisor.make(["server"], {
            backoff: Schedule.spaced("1 hour"),
            ...(phase === "waiting for readiness"
              ? { readiness: Readiness.effect(Effect.fail("not yet")), readinessTimeout: "1 hour" }
              : {})
          }).pipe(Effect.provide(spawner.layer))
          const fiber = yield* Effect.forkChild(Stream.runCollect(supervisor.events))
          yield* TestClock.adjust(advance)
          return [supervisor, fiber] as const
        }))
        expect(yield* supervisor.await).toEqual({ _tag: "Stopped", reason: "closed" })
        const events = tags(yield* Fiber.join(fiber))
        expect(events[events.length - 1]).toBe("Stopped")
        if (phase === "running") expect(events).toEqual(["Starting", "Ready", "Exited", "Stopped"])
        if (phase === "waiting to restart") {
          expect(events).toEqual(["Starting", "Ready", "Exited", "Restarting", "Stopped"])
        }
        if (phase === "waiting for readiness") expect(events).toEqual(["Starting", "Stopped"])
        expect(spawner.processes.every((proc) => !proc.alive)).toBe(true)
        // a late subscriber sees the end too
        expect(tags(yield* Stream.runCollect(supervisor.events)).pop()).toBe("Stopped")
      }))
  }

  it.effect("an uninterruptible health check does not hold up the close", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make(() => ({}))
      const started = yield* Deferred.make<void>()
      const supervisor = yield* Effect.scoped(Effect.gen(function*() {
        const supervisor = yield* Supervisor.make(["server"], {
          healthCheck: {
            probe: Effect.uninterruptible(Effect.andThen(Deferred.succeed(started, undefined), Effect.never)),
            interval: "1 second",
            timeout: "1 hour"
          }
        }).pipe(Effect.provide(spawner.layer))
        yield* TestClock.adjust("1 second")
        yield* Deferred.await(started)
        return supervisor
      }))
      expect(yield* supervisor.await).toEqual({ _tag: "Stopped", reason: "closed" })
      expect(spawner.processes[0]!.alive).toBe(false)
    }))
})
