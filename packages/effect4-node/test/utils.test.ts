/**
 * The helpers the other tests rely on to say "no process survives" must be able to say the opposite: checked here
 * against processes started with plain `node:child_process`, without the library.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import * as childProcess from "node:child_process"
import {
  awaitGroupSize,
  eventually,
  expectGone,
  expectMarkerGone,
  groupMembers,
  isAlive,
  markedProcesses,
  markerEnv,
  newMarker,
  readStat
} from "./utils.js"

const spawnGroup = (script: string, env: Record<string, string> = {}) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      childProcess.spawn("sh", ["-c", script], { detached: true, stdio: "ignore", env: { ...process.env, ...env } })
    ),
    (child) =>
      Effect.sync(() => {
        try {
          process.kill(-child.pid!, "SIGKILL")
        } catch {
          // gone
        }
      })
  )

describe("test utils", () => {
  it.live("isAlive, readStat and groupMembers see a process group and its members", () =>
    Effect.gen(function*() {
      const child = yield* spawnGroup("sleep 1000 & sleep 1000 & wait")
      const pid = child.pid!
      expect(isAlive(pid)).toBe(true)
      expect(readStat(pid)?.pgrp).toBe(pid)
      const members = yield* awaitGroupSize(pid, 3)
      expect(members).toContain(pid)
      expect(members.length).toBe(3)
      expect(isAlive(process.pid)).toBe(true)
      expect(isAlive(2 ** 22 + 12345)).toBe(false)
    }))

  it.live("expectGone fails while a group member lives, and kills it", () =>
    Effect.gen(function*() {
      const child = yield* spawnGroup("sleep 1000 & wait")
      const pid = child.pid!
      const members = yield* awaitGroupSize(pid, 2)
      const exit = yield* Effect.exit(expectGone([], [pid], "200 millis"))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(String(Exit.isFailure(exit) ? exit.cause : "")).toContain("still alive")
      // the survivors were killed
      yield* expectGone(members, [pid], "2 seconds")
      expect(groupMembers(pid)).toEqual([])
    }))

  it.live("isAlive, groupMembers and expectGone do not count zombies", () =>
    Effect.gen(function*() {
      // the background sleep exits after 100 ms; its parent exec'd a sleep that never reaps it: a zombie
      const child = yield* Effect.acquireRelease(
        Effect.sync(() =>
          childProcess.spawn("sh", ["-c", "sleep 0.1 & echo $!; exec sleep 1000"], {
            detached: true,
            stdio: ["ignore", "pipe", "ignore"]
          })
        ),
        (child) => Effect.sync(() => process.kill(-child.pid!, "SIGKILL"))
      )
      const zombie = yield* Effect.promise(() =>
        new Promise<number>((resolve) => child.stdout!.once("data", (data) => resolve(Number(String(data).trim()))))
      )
      const state = yield* eventually("the zombie", () => readStat(zombie)?.state === "Z" ? "Z" : undefined)
      expect(state).toBe("Z")
      expect(isAlive(zombie)).toBe(false)
      expect(groupMembers(child.pid!)).toEqual([child.pid])
      yield* expectGone([zombie], [], "100 millis")
    }))

  it.live("markers find descendants, even outside the process group", () =>
    Effect.gen(function*() {
      const marker = newMarker()
      // setsid: the grandchild leaves the group, but it inherits the environment
      yield* spawnGroup("setsid sleep 1000 & wait", markerEnv(marker))
      const found = yield* Effect.gen(function*() {
        for (let i = 0; i < 100; i++) {
          const pids = markedProcesses(marker)
          if (pids.length >= 2) return pids
          yield* Effect.sleep("20 millis")
        }
        return markedProcesses(marker)
      })
      expect(found.length).toBe(2)
      const exit = yield* Effect.exit(expectMarkerGone(marker, "100 millis"))
      expect(Exit.isFailure(exit)).toBe(true)
      yield* expectMarkerGone(marker, "2 seconds")
    }))
})
