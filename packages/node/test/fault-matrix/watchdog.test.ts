/**
 * The watchdog itself must never linger, and must not be reachable by a signal to the parent's process group.
 */
import { ManagedProcess, ProcessSpawner } from "@effect-process/core"
import { NodeProcess, NodeReaper } from "@effect-process/node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { makeTracker } from "../harness.js"
import { expectGone, isAlive, readStat } from "../utils.js"

describe("fault matrix: the watchdog", () => {
  it.live("runs in its own session and process group, and exits when its scope closes, touching nothing", () =>
    Effect.gen(function*() {
      const t = makeTracker()
      const outer = yield* Scope.make()
      const reaperScope = yield* Scope.make()
      const reaper = yield* NodeReaper.make({ grace: "1 second" }).pipe(Scope.extend(reaperScope))
      const watchdog = reaper.watchdogPid!
      expect(watchdog).toBeGreaterThan(0)
      const stat = readStat(watchdog)!
      expect(stat.pgrp).toBe(watchdog) // its own group: a signal to our group does not reach it
      expect(stat.pgrp).not.toBe(readStat(process.pid)!.pgrp)
      // a process that outlives the reaper's scope
      const proc = t.track(
        yield* ManagedProcess.make(["sleep", "1000"], { env: t.env }).pipe(
          Effect.provideService(ProcessSpawner.ProcessSpawner, reaper.spawner),
          Scope.extend(outer)
        )
      )
      yield* Scope.close(reaperScope, Exit.void)
      yield* expectGone([watchdog], [], "1 second")
      // a normal stop of the watchdog is not a parent death: it leaves running processes alone
      expect(isAlive(proc.pid)).toBe(true)
      yield* Scope.close(outer, Exit.void)
      yield* expectGone(t.pids, t.pids, "2 seconds", [t.marker])
    }).pipe(Effect.provide(NodeProcess.layer)))

  it.live("a watchdog that cannot be started disables the reaper with a warning; launches still work", () =>
    Effect.gen(function*() {
      const t = makeTracker()
      const reaper = yield* NodeReaper.make({ shell: "/nonexistent/sh" })
      expect(reaper.watchdogPid).toBeUndefined()
      const result = yield* ManagedProcess.run(["echo", "still works"], { env: t.env }).pipe(
        Effect.provideService(ProcessSpawner.ProcessSpawner, reaper.spawner)
      )
      expect(result.stdout).toBe("still works\n")
    }).pipe(Effect.scoped))
})
