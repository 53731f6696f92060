// Found by the adversarial probes of the Effect 4 line, and true of both lines: options that let a release or a
// run wait forever, and options a JavaScript caller passes that were defects or silently wrong.
import { ManagedProcess, TestSpawner } from "@effect-process/core"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"

const invalidDetail = (exit: Exit.Exit<unknown, unknown>): string | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const error = Cause.squash(exit.cause) as { reason?: string; detail?: string } | undefined
  return error?.reason === "InvalidCommand" ? error.detail : `not a typed InvalidCommand: ${String(exit.cause)}`
}

describe("options that would wait forever, or were not checked", () => {
  it.effect("an infinite grace or kill timeout is refused: the release waits at most this long", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make(() => ({ exitCode: 0 }))
      for (const terminate of [{ timeout: Infinity }, { timeout: "Infinity" }, { killTimeout: Infinity }] as const) {
        const exit = yield* Effect.exit(
          Effect.scoped(ManagedProcess.make(["server"], { terminate: terminate as never })).pipe(
            Effect.provide(spawner.layer)
          )
        )
        // Effect 3 has no "Infinity" string: not a duration at all there
        expect(invalidDetail(exit)).toMatch(/^terminate\.(timeout|killTimeout) (must be finite|is not a duration)/)
      }
      expect(spawner.processes).toHaveLength(0)
    }))

  it.effect("run's input, maxBuffer and successExitCodes are checked; null options are no options", () =>
    Effect.gen(function*() {
      const spawner = yield* TestSpawner.make(() => ({ stdout: ["ok\n"], exitCode: 0 }))
      const run = (options: unknown) =>
        Effect.exit(ManagedProcess.run(["cat"], options as never).pipe(Effect.provide(spawner.layer)))
      expect(invalidDetail(yield* run({ input: 42 }))).toBe("input must be a string or a Uint8Array (got number)")
      expect(invalidDetail(yield* run({ input: {} }))).toBe("input must be a string or a Uint8Array (got object)")
      expect(invalidDetail(yield* run({ maxBuffer: -1 }))).toBe(
        "maxBuffer must be a non-negative integer or Infinity (got -1)"
      )
      expect(invalidDetail(yield* run({ maxBuffer: Number.NaN }))).toContain("maxBuffer must be")
      expect(invalidDetail(yield* run({ successExitCodes: "0" }))).toBe(
        "successExitCodes must be an array of integers from 0 to 255 (got a string)"
      )
      // the same check as a Supervisor's: an exit code is an integer from 0 to 255
      expect(invalidDetail(yield* run({ successExitCodes: [0, 256] }))).toContain("from 0 to 255")
      expect(spawner.processes).toHaveLength(0)
      const ran = yield* run(null)
      expect(Exit.isSuccess(ran) && ran.value.stdout).toBe("ok\n")
      // a null timeout is no timeout (it timed out at once before)
      const untimed = yield* run({ timeout: null })
      expect(Exit.isSuccess(untimed)).toBe(true)
      const lines = yield* Effect.exit(ManagedProcess.lines(["cat"], null as never).pipe(Effect.provide(spawner.layer)))
      expect(Exit.isSuccess(lines) && lines.value).toEqual(["ok"])
    }))
})
