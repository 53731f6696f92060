import { NodeProcess } from "@effect-process/platform-node"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { ManagedProcess, ProcessSpawner } from "effect-process"
import * as fs from "node:fs"
import type { Tracker } from "./harness.js"
import { noSurvivors } from "./harness.js"
import { MARKER_VARIABLE, nodeEval, tempDir } from "./utils.js"

const inherited: Record<string, string> = {
  EP_TEST_INHERITED: "from the parent",
  FOO: "foo",
  FOOBAR: "not FOO",
  COVERAGE_FILE: "/tmp/coverage",
  COVERAGE_RC: "rc",
  NOT_COVERAGE: "kept: the prefix is at the start only",
  EP_TEST_REMOVE_ME: "remove me"
}

beforeAll(() => {
  Object.assign(process.env, inherited)
})

afterAll(() => {
  for (const key of Object.keys(inherited)) delete process.env[key]
})

/** Launches a Node child that prints its environment as JSON, and parses it. */
const childEnv = (t: Tracker, options: ManagedProcess.Options) =>
  Effect.gen(function*() {
    const proc = t.track(
      yield* ManagedProcess.make(nodeEval("process.stdout.write(JSON.stringify(process.env))"), options)
    )
    const text = (yield* Stream.runCollect(proc.lines).pipe(Effect.timeout("10 seconds"))).join("\n")
    expect((yield* proc.awaitExit).exitCode).toBe(0)
    return JSON.parse(text) as Record<string, string>
  })

describe("environment", () => {
  it.live("env merges over the parent's environment", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const env = yield* childEnv(t, { env: { ...t.env, EP_TEST_ADDED: "added", FOO: "overridden" } })
        expect(env.EP_TEST_ADDED).toBe("added")
        expect(env.FOO).toBe("overridden")
        expect(env.EP_TEST_INHERITED).toBe("from the parent")
        expect(env.PATH).toBe(process.env.PATH)
      })
    ))

  it.live("without options the child gets the parent's environment", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const env = yield* childEnv(t, {})
        expect(env.EP_TEST_INHERITED).toBe("from the parent")
        expect(env.COVERAGE_FILE).toBe("/tmp/coverage")
      })
    ))

  // Found by running the README's examples: the inherited environment was an object built once with process.env
  // as its prototype, whose keys V8 caches for for...in, so a variable set after the first launch never arrived.
  it.live("without options the child gets process.env as it is at each launch: variables set or deleted later", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        expect((yield* childEnv(t, {})).EP_TEST_LATE).toBeUndefined()
        process.env.EP_TEST_LATE = "set after the first launch"
        try {
          expect((yield* childEnv(t, {})).EP_TEST_LATE).toBe("set after the first launch")
          process.env.EP_TEST_LATE = "changed"
          expect((yield* childEnv(t, {})).EP_TEST_LATE).toBe("changed")
        } finally {
          delete process.env.EP_TEST_LATE
        }
        expect(Object.keys(yield* childEnv(t, {}))).not.toContain("EP_TEST_LATE")
      })
    ))

  it.live("unsetEnv drops inherited variables by name and by prefix", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const env = yield* childEnv(t, { env: t.env, unsetEnv: ["FOO", "COVERAGE*"] })
        expect(env).not.toHaveProperty("FOO")
        expect(env).not.toHaveProperty("COVERAGE_FILE")
        expect(env).not.toHaveProperty("COVERAGE_RC")
        // a name is exact, a prefix is a prefix
        expect(env.FOOBAR).toBe("not FOO")
        expect(env.NOT_COVERAGE).toBe("kept: the prefix is at the start only")
        expect(env.EP_TEST_INHERITED).toBe("from the parent")
      })
    ))

  it.live("unsetEnv does not remove what env sets explicitly", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const env = yield* childEnv(t, { env: { ...t.env, COVERAGE_NEW: "set" }, unsetEnv: ["COVERAGE*"] })
        expect(env.COVERAGE_NEW).toBe("set")
        expect(env).not.toHaveProperty("COVERAGE_FILE")
      })
    ))

  it.live("env: { X: undefined } removes an inherited variable", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        expect(process.env.EP_TEST_REMOVE_ME).toBe("remove me")
        const env = yield* childEnv(t, { env: { ...t.env, EP_TEST_REMOVE_ME: undefined } })
        expect(env).not.toHaveProperty("EP_TEST_REMOVE_ME")
        expect(env.EP_TEST_INHERITED).toBe("from the parent")
      })
    ))

  it.live("extendEnv: false starts from an empty environment (plus the reaper's token)", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const env = yield* childEnv(t, { env: { ...t.env, ONLY: "1" }, extendEnv: false })
        const { EFFECT_PROCESS_REAPER: token, ...rest } = env
        expect(rest).toEqual({ ONLY: "1", [MARKER_VARIABLE]: t.marker })
        // The parent-death reaper finds descendants by it (NodeProcess.layer): it is there even in an empty env.
        expect(token).toMatch(/^(.+:)?ep[0-9a-f]{24}$/)
      })
    ))

  it.live("the reaper's token is appended to one the parent inherited, so every ancestor's reaper finds the child", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const env = yield* childEnv(t, { env: { ...t.env, EFFECT_PROCESS_REAPER: "epancestor" } })
        expect(env.EFFECT_PROCESS_REAPER).toMatch(/^epancestor:ep[0-9a-f]{24}$/)
      })
    ))

  it.live("without the reaper, the environment is exactly what was asked for", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const env = yield* childEnv(t, { env: { ...t.env, ONLY: "1" }, extendEnv: false })
        expect(env).toEqual({ ONLY: "1", [MARKER_VARIABLE]: t.marker })
      }).pipe(Effect.provideService(ProcessSpawner.ProcessSpawner, NodeProcess.spawnerWithoutReaper))
    ))

  it.live("cwd sets the working directory", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const proc = t.track(
          yield* ManagedProcess.make(nodeEval("console.log(process.cwd())"), { cwd: dir, env: t.env })
        )
        expect(yield* proc.readLine({ timeout: "10 seconds" })).toBe(fs.realpathSync(dir))
      })
    ))

  it.live("without cwd the child runs in the parent's working directory", () =>
    noSurvivors((t) =>
      Effect.gen(function*() {
        const proc = t.track(yield* ManagedProcess.make(nodeEval("console.log(process.cwd())"), { env: t.env }))
        expect(yield* proc.readLine({ timeout: "10 seconds" })).toBe(fs.realpathSync(process.cwd()))
      })
    ))
})
