/**
 * The watchdog itself must never linger, and must not be reachable by a signal to the parent's process group.
 */
import { NodeProcess, NodeReaper } from "@effect-process/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Scope } from "effect"
import { ManagedProcess, ProcessSpawner } from "effect-process"
import { makeTracker } from "../harness.js"
import { expectGone, expectMarkerGone, isAlive, newMarker, readStat } from "../utils.js"
import { requireBuiltPackages, runReporting } from "./support.js"

interface RetryReport {
  readonly first: { readonly ok?: boolean; readonly failure?: string; readonly errno?: string }
  readonly tokens: ReadonlyArray<string>
  readonly warnings: ReadonlyArray<string>
}

/** Runs `parents/watchdog-retry.mjs` under `ulimit -n 256` and returns what it reported. */
const runWatchdogRetry = (marker: string) => runReporting<RetryReport>("watchdog-retry.mjs", [], marker, 256, 30_000)

describe("fault matrix: the watchdog", () => {
  it.live("runs in its own session and process group, and exits when its scope closes, touching nothing", () =>
    Effect.gen(function*() {
      const t = makeTracker()
      const outer = yield* Scope.make()
      const reaperScope = yield* Scope.make()
      const reaper = yield* NodeReaper.make({ grace: "1 second" }).pipe(Scope.provide(reaperScope))
      const watchdog = reaper.watchdogPid!
      expect(watchdog).toBeGreaterThan(0)
      const stat = readStat(watchdog)!
      expect(stat.pgrp).toBe(watchdog) // its own group: a signal to our group does not reach it
      expect(stat.pgrp).not.toBe(readStat(process.pid)!.pgrp)
      // a process that outlives the reaper's scope
      const proc = t.track(
        yield* ManagedProcess.make(["sleep", "1000"], { env: t.env }).pipe(
          Effect.provideService(ProcessSpawner.ProcessSpawner, reaper.spawner),
          Scope.provide(outer)
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

  // Found by an adversarial probe: one failed start (EMFILE at the first launch) disabled the shared reaper for the
  // rest of the process's life, silently; every later child ran without a token.
  it.live("the shared watchdog that could not start at EMFILE starts at a later launch, after one warning", () =>
    Effect.gen(function*() {
      requireBuiltPackages()
      const marker = newMarker()
      const report = yield* runWatchdogRetry(marker).pipe(
        Effect.ensuring(Effect.orDie(expectMarkerGone(marker, "10 seconds")))
      )
      expect(report.first).toEqual({ failure: "SpawnFailed", errno: "EMFILE" })
      expect(report.warnings.filter((w) => w.includes("parent-death reaper not running"))).toHaveLength(1)
      expect(report.tokens).toHaveLength(2)
      expect(report.tokens[0]).toMatch(/^ep[0-9a-f]{24}$/)
      expect(report.tokens[1]).toBe(report.tokens[0])
    }))

  // Before: reported as ProcessError InvalidCommand with an empty command, although no command was involved.
  it.effect("a grace that is not a non-negative duration is an IllegalArgumentException, for make and the layer", () =>
    Effect.gen(function*() {
      for (const grace of [-1, "-2 seconds", "soon", Number.NaN, Infinity, "Infinity"] as const) {
        const error = yield* Effect.flip(Effect.scoped(NodeReaper.make({ grace: grace as never })))
        expect(Cause.isIllegalArgumentError(error)).toBe(true)
        expect(error.message).toContain("NodeReaper grace")
      }
      const layerError = yield* Effect.flip(
        Effect.provide(Effect.void, NodeProcess.layerWithReaper({ grace: "soon" as never }))
      )
      expect(Cause.isIllegalArgumentError(layerError)).toBe(true)
    }))
})
