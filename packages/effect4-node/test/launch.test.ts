import { NodeProcess } from "@effect-process/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { ManagedProcess } from "effect-process"
import { noSurvivors } from "./harness.js"
import { awaitGroupSize, expectGone, groupMembers, isAlive, readStat } from "./utils.js"

describe("launch", () => {
  it.live("a launched process has a pid, leads its own process group and is running", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sleep", "1000"], { env: t.env }))
        expect(proc.pid).toBeGreaterThan(0)
        expect(proc.command).toEqual(["sleep", "1000"])
        expect(ManagedProcess.isManagedProcess(proc)).toBe(true)
        expect(isAlive(proc.pid)).toBe(true)
        const stat = readStat(proc.pid)
        expect(stat?.pgrp).toBe(proc.pid)
        expect(groupMembers(proc.pid)).toEqual([proc.pid])
        expect(yield* proc.isRunning).toBe(true)
        expect(yield* proc.status).toEqual({ _tag: "Running" })
        expect(NodeProcess.isGroupAlive(proc.pid)).toBe(true)
      })
    ))

  it.live("awaitExit gives the exit code; status and isRunning follow", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sh", "-c", "sleep 0.2; exit 7"], { env: t.env }))
        const exit = yield* proc.awaitExit.pipe(Effect.timeout("10 seconds"))
        expect(exit.exitCode).toBe(7)
        expect(exit.signal).toBeUndefined()
        expect(yield* proc.isRunning).toBe(false)
        expect(yield* proc.status).toEqual({ _tag: "Exited", exitCode: 7, signal: undefined })
        // awaiting again gives the same status at once
        expect(yield* proc.awaitExit.pipe(Effect.timeout("1 second"))).toEqual(exit)
      })
    ))

  it.live("awaitExit gives the signal of a process killed by a signal", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sh", "-c", "kill -USR1 $$; sleep 5"], { env: t.env }))
        const exit = yield* proc.awaitExit.pipe(Effect.timeout("10 seconds"))
        expect(exit.signal).toBe("SIGUSR1")
        expect(exit.exitCode).toBeUndefined()
        expect(yield* proc.status).toEqual({ _tag: "Exited", exitCode: undefined, signal: "SIGUSR1" })
      })
    ))

  it.live("a process that exited 0 reports exit code 0", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["true"], { env: t.env }))
        const exit = yield* proc.awaitExit.pipe(Effect.timeout("10 seconds"))
        expect(exit).toEqual({ exitCode: 0, signal: undefined })
        expect(NodeProcess.isGroupAlive(proc.pid)).toBe(false)
      })
    ))

  it.live("kill(\"SIGKILL\") kills the whole group and the status says so", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(["sh", "-c", "sleep 1000 & sleep 1000 & wait"], { env: t.env })
        )
        const members = yield* awaitGroupSize(proc.pid, 3)
        expect(members.length).toBe(3)
        t.trackPids(members)
        yield* proc.kill("SIGKILL")
        const exit = yield* proc.awaitExit.pipe(Effect.timeout("5 seconds"))
        expect(exit).toEqual({ exitCode: undefined, signal: "SIGKILL" })
        expect(yield* proc.status).toEqual({ _tag: "Exited", exitCode: undefined, signal: "SIGKILL" })
        // the whole group, not only the leader, and before the scope closes
        yield* expectGone(members, [proc.pid])
        // a process that is gone is not an error
        yield* proc.kill("SIGKILL")
        yield* proc.kill()
      })
    ))

  it.live("kill() sends SIGTERM by default", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sleep", "1000"], { env: t.env }))
        yield* proc.kill()
        const exit = yield* proc.awaitExit.pipe(Effect.timeout("5 seconds"))
        expect(exit.signal).toBe("SIGTERM")
      })
    ))

  it.live("launches are independent: many at once, each its own group", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const procs = yield* Effect.forEach(
          Array.from({ length: 10 }, (_, i) => i),
          (i) => ManagedProcess.make(["sh", "-c", `exit ${i}`], { env: t.env }).pipe(Effect.map(t.track)),
          { concurrency: "unbounded" }
        )
        expect(new Set(procs.map((p) => p.pid)).size).toBe(10)
        const exits = yield* Effect.forEach(procs, (p) => p.awaitExit, { concurrency: "unbounded" }).pipe(
          Effect.timeout("10 seconds")
        )
        expect(exits.map((e) => e.exitCode)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
      })
    ))
})
