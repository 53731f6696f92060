import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { ManagedProcess } from "effect-process"
import * as path from "node:path"
import { noSurvivors } from "./harness.js"
import {
  awaitGroupSize,
  expectGone,
  fixture,
  groupMembers,
  isAlive,
  nodeFixture,
  parsePids,
  readFileIfExists,
  readStat,
  tempDir,
  timed
} from "./utils.js"

describe("terminate", () => {
  it.live("a child that ignores SIGTERM is SIGKILLed after the grace", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make([fixture("ignore-term.sh")], { env: t.env, terminate: { timeout: "300 millis" } })
        )
        yield* proc.waitForOutput(["ready"], { timeout: "10 seconds" })
        const [outcome, elapsed] = yield* timed(proc.terminate())
        expect(outcome._tag).toBe("Killed")
        if (outcome._tag !== "Killed") return
        expect(outcome.survivors).toBe(false)
        expect(outcome.exit?.signal).toBe("SIGKILL")
        expect(Duration.toMillis(outcome.elapsed)).toBeGreaterThanOrEqual(250)
        expect(elapsed).toBeGreaterThanOrEqual(250)
        expect(elapsed).toBeLessThan(300 + 1000 + 1000)
        // terminate returns once the group is gone
        expect(groupMembers(proc.pid)).toEqual([])
        expect(yield* proc.status).toEqual({ _tag: "Exited", exitCode: undefined, signal: "SIGKILL" })
      })
    ))

  it.live("the release SIGKILLs a child that ignores SIGTERM after the grace, without hanging", () =>
    Effect.gen(function*() {
      const [pid, elapsed] = yield* noSurvivors((t) =>
        Effect.gen(function*() {
          const [pid, elapsed] = yield* timed(Effect.scoped(Effect.gen(function*() {
            const proc = t.track(
              yield* ManagedProcess.make([fixture("ignore-term.sh")], {
                env: t.env,
                terminate: { timeout: "300 millis" }
              })
            )
            yield* proc.waitForOutput(["ready"], { timeout: "10 seconds" })
            return proc.pid
          })))
          expect(isAlive(pid)).toBe(false)
          return [pid, elapsed] as const
        }), "1 second")
      expect(pid).toBeGreaterThan(0)
      expect(elapsed).toBeLessThan(300 + 1000 + 1000)
    }))

  it.live("a child with a TERM handler exits within the grace and its handler runs", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const markerFile = path.join(dir, "term")
        const proc = t.track(
          yield* ManagedProcess.make(nodeFixture("term-handler.js", markerFile), {
            env: t.env,
            terminate: { timeout: "5 seconds" }
          })
        )
        yield* proc.waitForOutput(["ready"], { timeout: "10 seconds" })
        const [outcome, elapsed] = yield* timed(proc.terminate())
        expect(outcome._tag).toBe("Exited")
        if (outcome._tag !== "Exited") return
        expect(outcome.exit).toEqual({ exitCode: 0, signal: undefined })
        expect(elapsed).toBeLessThan(4000)
        expect(readFileIfExists(markerFile)).toBe("got TERM\n")
        expect(yield* proc.stderrTail).toContain("got TERM")
      })
    ))

  it.live("terminate uses the configured signal", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(
            ["sh", "-c", "trap 'echo got INT; exit 0' INT; echo ready; while :; do sleep 0.1; done"],
            { env: t.env, terminate: { signal: "SIGINT", timeout: "5 seconds" } }
          )
        )
        yield* proc.waitForOutput(["ready"], { timeout: "10 seconds" })
        const outcome = yield* proc.terminate()
        expect(outcome._tag).toBe("Exited")
        expect(yield* proc.stdoutTail).toContain("got INT")
      })
    ))

  it.live("terminate options override the make options", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make([fixture("ignore-term.sh")], { env: t.env, terminate: { timeout: "30 seconds" } })
        )
        yield* proc.waitForOutput(["ready"], { timeout: "10 seconds" })
        const [outcome, elapsed] = yield* timed(proc.terminate({ timeout: "200 millis" }))
        expect(outcome._tag).toBe("Killed")
        expect(elapsed).toBeLessThan(3000)
      })
    ))

  it.live("a stopped process is continued so that it can act on the signal", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(["sleep", "1000"], { env: t.env, terminate: { timeout: "5 seconds" } })
        )
        yield* proc.kill("SIGSTOP")
        yield* Effect.sleep("100 millis")
        expect(readStat(proc.pid)?.state).toBe("T")
        const [outcome, elapsed] = yield* timed(proc.terminate())
        expect(outcome._tag).toBe("Exited")
        expect(outcome.exit?.signal).toBe("SIGTERM")
        expect(elapsed).toBeLessThan(3000)
      })
    ))

  it.live("terminate runs once: later calls get the same outcome", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sleep", "1000"], { env: t.env }))
        const first = yield* proc.terminate()
        expect(first._tag).toBe("Exited")
        const second = yield* proc.terminate({ timeout: "1 second" })
        expect(second).toEqual(first)
        expect(yield* ManagedProcess.terminate(proc)).toEqual(first)
      })
    ))

  it.live("terminate after the process exited reports AlreadyExited", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(["sh", "-c", "exit 4"], { env: t.env }))
        yield* proc.awaitExit.pipe(Effect.timeout("10 seconds"))
        const outcome = yield* proc.terminate()
        expect(outcome._tag).toBe("AlreadyExited")
        expect(outcome.exit).toEqual({ exitCode: 4, signal: undefined })
      })
    ))

  it.live("concurrent terminate calls share one termination", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make([fixture("ignore-term.sh")], { env: t.env, terminate: { timeout: "300 millis" } })
        )
        yield* proc.waitForOutput(["ready"], { timeout: "10 seconds" })
        const [outcomes, elapsed] = yield* timed(
          Effect.all([proc.terminate(), proc.terminate(), proc.terminate()], { concurrency: "unbounded" })
        )
        expect(outcomes.map((o) => o._tag)).toEqual(["Killed", "Killed", "Killed"])
        expect(outcomes[1]).toEqual(outcomes[0])
        expect(elapsed).toBeLessThan(3000)
      })
    ))
})

describe("the release cleans up the whole process group", () => {
  it.live("grandchildren of sh -c '… & … & wait' are gone after release", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const members = yield* Effect.scoped(Effect.gen(function*() {
          const proc = t.track(
            yield* ManagedProcess.make(["sh", "-c", "sleep 1000 & sleep 1000 & wait"], { env: t.env })
          )
          const members = yield* awaitGroupSize(proc.pid, 3)
          t.trackPids(members)
          return members
        }))
        expect(members.length).toBe(3)
        yield* expectGone(members, [], "3 seconds")
      })
    ))

  it.live("the release of a group that dies on SIGTERM is prompt: zombies left to PID 1 are not waited for", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const [members, elapsed] = yield* Effect.gen(function*() {
          const proc = t.track(
            yield* ManagedProcess.make([fixture("parent-exits-early.sh")], {
              env: t.env,
              terminate: { timeout: "7 seconds" }
            })
          )
          const [grandchild] = parsePids(yield* proc.readLine({ timeout: "10 seconds" }))
          t.trackPids([grandchild!])
          yield* proc.awaitExit.pipe(Effect.timeout("10 seconds"))
          // the grandchild now belongs to PID 1, which may reap it late once it is killed
          const members = yield* awaitGroupSize(proc.pid, 1)
          const [outcome, elapsed] = yield* timed(proc.terminate())
          expect(outcome._tag).toBe("Exited")
          return [members, elapsed] as const
        })
        expect(members.length).toBe(1)
        expect(elapsed).toBeLessThan(1500)
      })
    ))

  it.live("the children of the spawn-children fixture are gone after release", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const [pid, children] = yield* Effect.scoped(Effect.gen(function*() {
          const proc = t.track(yield* ManagedProcess.make([fixture("spawn-children.sh")], { env: t.env }))
          const seen = yield* proc.waitForOutput(["ready"], { timeout: "10 seconds" })
          const children = parsePids(seen)
          t.trackPids(children)
          expect(children.length).toBe(2)
          expect(children.every(isAlive)).toBe(true)
          return [proc.pid, children] as const
        }))
        yield* expectGone([pid, ...children], [pid], "3 seconds")
      })
    ))

  it.live("a leader that exits 0 leaving a background grandchild: the grandchild is gone after release", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const [pid, grandchild] = yield* Effect.scoped(Effect.gen(function*() {
          const proc = t.track(yield* ManagedProcess.make([fixture("parent-exits-early.sh")], { env: t.env }))
          const line = yield* proc.readLine({ timeout: "10 seconds" })
          const [grandchild] = parsePids(line)
          expect(grandchild).toBeDefined()
          t.trackPids([grandchild!])
          const exit = yield* proc.awaitExit.pipe(Effect.timeout("10 seconds"))
          expect(exit.exitCode).toBe(0)
          // the leader is gone but its group is not: the release has something to do
          expect(isAlive(grandchild!)).toBe(true)
          expect(groupMembers(proc.pid)).toEqual([grandchild])
          return [proc.pid, grandchild!] as const
        }))
        yield* expectGone([grandchild], [pid], "3 seconds")
      })
    ))

  it.live("terminate after the leader exited 0 still cleans up the group", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make([fixture("parent-exits-early.sh")], { env: t.env }))
        const [grandchild] = parsePids(yield* proc.readLine({ timeout: "10 seconds" }))
        t.trackPids([grandchild!])
        yield* proc.awaitExit.pipe(Effect.timeout("10 seconds"))
        expect(isAlive(grandchild!)).toBe(true)
        const outcome = yield* proc.terminate({ timeout: "2 seconds" })
        // the group was not empty, so this is not AlreadyExited
        expect(outcome._tag).toBe("Exited")
        expect(isAlive(grandchild!)).toBe(false)
      })
    ))

  it.live("a grandchild holding stdout does not hang awaitExit nor the release", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const [[pid, grandchild], elapsed] = yield* timed(Effect.scoped(Effect.gen(function*() {
          const proc = t.track(yield* ManagedProcess.make([fixture("grandchild-holds-stdout.sh")], { env: t.env }))
          const [grandchild] = parsePids(yield* proc.readLine({ timeout: "10 seconds" }))
          t.trackPids([grandchild!])
          const [exit, waited] = yield* timed(proc.awaitExit.pipe(Effect.timeout("10 seconds")))
          expect(exit.exitCode).toBe(0)
          expect(waited).toBeLessThan(3000)
          expect(isAlive(grandchild!)).toBe(true)
          return [proc.pid, grandchild!] as const
        })))
        expect(elapsed).toBeLessThan(6000)
        yield* expectGone([grandchild], [pid], "3 seconds")
      })
    ))

  it.live("a grandchild that ignores SIGTERM and holds the pipes is killed after the grace", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const [pid, elapsed] = yield* timed(Effect.scoped(Effect.gen(function*() {
          const proc = t.track(
            yield* ManagedProcess.make(["sh", "-c", "(trap '' TERM; exec sleep 1000) & echo ready"], {
              env: t.env,
              terminate: { timeout: "300 millis" }
            })
          )
          yield* proc.waitForOutput(["ready"], { timeout: "10 seconds" })
          yield* proc.awaitExit.pipe(Effect.timeout("10 seconds"))
          const members = groupMembers(proc.pid)
          expect(members.length).toBe(1)
          t.trackPids(members)
          return proc.pid
        })))
        expect(elapsed).toBeLessThan(300 + 1000 + 1500)
        yield* expectGone([], [pid], "1 second")
      })
    ))
})
