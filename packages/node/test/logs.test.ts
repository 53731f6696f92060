import { ManagedProcess, Readiness, Supervisor } from "@effect-process/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Schedule } from "effect"
import { noSurvivors } from "./harness.js"
import type { LogEntry } from "./utils.js"
import { captureLogs, eventually, nodeEval } from "./utils.js"

const mentioning = (entries: ReadonlyArray<LogEntry>, text: string) =>
  entries.filter((entry) => entry.message.includes(text) || JSON.stringify(entry.annotations).includes(text))

describe("logs", () => {
  it.live("the argv is logged once per launch, at Debug and cut; the other lines carry the program and pid", () => {
    const logs = captureLogs()
    const long = "x".repeat(20_000)
    return noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(
          yield* ManagedProcess.make(["sh", "-c", "echo relayed >&2; sleep 30", "sh", long], { env: t.env })
        )
        // the line itself: the Debug line of the launch mentions "relayed" too, in its argv
        yield* eventually("the relayed line", () => logs.entries.find((entry) => entry.message === "relayed"))
        yield* proc.terminate({ timeout: "2 seconds" })
        const withArgv = mentioning(logs.entries, "xxxxxxxxxx")
        expect(withArgv.map((entry) => [entry.level, entry.message])).toEqual([["DEBUG", "process launched"]])
        expect(String(withArgv[0]!.annotations.command).length).toBeLessThan(400)
        const relayed = logs.entries.filter((entry) => entry.message === "relayed")
        expect(relayed.map((entry) => entry.annotations)).toEqual([{ program: "sh", pid: proc.pid }])
        for (const entry of logs.entries) expect(entry.message.length).toBeLessThan(1000)
      })
    ).pipe(Effect.provide(logs.layer))
  })

  it.live("retry: one line per failed attempt, naming the reason", () => {
    const logs = captureLogs()
    return noSurvivors((t) =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(
          ManagedProcess.make(nodeEval("console.error('no config'); process.exit(3)"), {
            env: t.env,
            relayStderr: false,
            readiness: Readiness.output(["ready"]),
            retry: Schedule.recurs(2),
            retryWhile: () => true
          })
        )
        expect(Exit.isFailure(exit)).toBe(true)
        const attempts = logs.entries.filter((entry) => entry.message.startsWith("launch attempt"))
        expect(attempts.map((entry) => entry.level)).toEqual(["WARN", "WARN", "WARN"])
        for (const [i, entry] of attempts.entries()) {
          expect(entry.message).toMatch(new RegExp(`^launch attempt ${i + 1} failed: .*ExitedBeforeReady.*exit code 3`))
          expect(entry.message).not.toContain("\n")
          expect(entry.message.length).toBeLessThan(1000)
        }
      })
    ).pipe(Effect.provide(logs.layer))
  })

  const crashLoop = (env: Record<string, string>, log?: Supervisor.Options["log"]) =>
    Supervisor.make(["sh", "-c", "echo crashing >&2; exit 4"], {
      env,
      restart: "always",
      backoff: Schedule.spaced("20 millis"),
      startLimit: { burst: 3, interval: "1 minute" },
      ...(log === undefined ? {} : { log })
    }).pipe(Effect.flatMap((supervisor) => Effect.exit(supervisor.await)))

  it.live("a supervised crash loop: one line per restart (delay and reason), one for giving up", () => {
    const logs = captureLogs()
    return noSurvivors((t) =>
      Effect.gen(function*() {
        const exit = yield* crashLoop(t.env)
        expect(Exit.isFailure(exit)).toBe(true)
        const own = logs.entries.filter((entry) => entry.annotations.program === undefined && entry.level !== "DEBUG")
        expect(own.map((entry) => entry.level)).toEqual(["INFO", "INFO", "ERROR"])
        expect(own[0]!.message).toMatch(/^sh \(pid \d+\) exited with code 4 after \d+ms; restart 1 in 20ms$/)
        expect(own[1]!.message).toMatch(/^sh \(pid \d+\) exited with code 4 after \d+ms; restart 2 in 20ms$/)
        expect(own[2]!.message).toMatch(
          /^giving up on sh: start limit hit: 3 starts within 1m \(after 2 restarts\); the last run: sh \(pid \d+\) exited with code 4/
        )
        // the child's own lines, once each, with the program and the pid
        const relayed = logs.entries.filter((entry) => entry.message === "crashing")
        expect(relayed.length).toBe(3)
        expect(new Set(relayed.map((entry) => entry.annotations.pid)).size).toBe(3)
      })
    ).pipe(Effect.provide(logs.layer))
  })

  it.live("a supervisor's logs: at the levels given, or off with log: false", () => {
    const logs = captureLogs()
    return noSurvivors((t) =>
      Effect.gen(function*() {
        yield* crashLoop(t.env, { restart: "Debug", gaveUp: "Warning" })
        const own = () => logs.entries.filter((entry) => /restart \d in|giving up/.test(entry.message))
        expect(own().map((entry) => entry.level)).toEqual(["DEBUG", "DEBUG", "WARN"])
        logs.entries.length = 0
        yield* crashLoop(t.env, false)
        expect(own()).toEqual([])
        const invalid = yield* Effect.exit(crashLoop(t.env, { restart: "Loud" as "Info" }))
        expect(invalid).toMatchObject({ _tag: "Failure" })
        expect(String(invalid)).toContain("log.restart must be a log level name")
      })
    ).pipe(Effect.provide(logs.layer))
  })
})
