import { ManagedProcess, ProcessSpawner } from "@effect-process/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { scripted } from "./TestSpawner.js"

describe("command validation", () => {
  const script = scripted({ exitCode: 0 })
  const invalid = (command: ReadonlyArray<string>, options?: ManagedProcess.Options) =>
    Effect.scoped(ManagedProcess.make(command, options)).pipe(Effect.flip, Effect.provide(script.layer))

  it.effect("an empty argv is refused", () =>
    Effect.gen(function*() {
      expect((yield* invalid([])).reason).toBe("InvalidCommand")
      expect((yield* invalid([""])).reason).toBe("InvalidCommand")
      expect(script.last).toBeUndefined()
    }))

  it.effect("a NUL byte in an argument, the cwd or an env value is refused, without printing the value", () =>
    Effect.gen(function*() {
      expect((yield* invalid(["echo", "a\0b"])).reason).toBe("InvalidCommand")
      expect((yield* invalid(["echo"], { cwd: "/tmp\0" })).reason).toBe("InvalidCommand")
      const error = yield* invalid(["echo"], { env: { SECRET: "hunter2\0" } })
      expect(error.reason).toBe("InvalidCommand")
      expect(error.message).toContain("SECRET")
      expect(error.message).not.toContain("hunter2")
      expect(script.last).toBeUndefined()
    }))

  it("the environment is built from the parent's: unset names and prefixes, then set", () => {
    const env = ProcessSpawner.resolveEnvironment(
      { PATH: "/bin", COVERAGE_FILE: "c", COV_CORE_X: "y", DROP: "1", KEEP: "k" },
      { extend: true, unset: ["DROP", "COVERAGE*", "COV_CORE*"], set: { KEEP: undefined, NEW: "n" } }
    )
    expect(env).toEqual({ PATH: "/bin", NEW: "n" })
    expect(ProcessSpawner.resolveEnvironment({ PATH: "/bin" }, { extend: false, unset: [], set: { A: "1" } }))
      .toEqual({ A: "1" })
  })
})
