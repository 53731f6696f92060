import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as LaunchOptions from "../src/LaunchOptions.js"

const fields = (overrides: Partial<LaunchOptions.LaunchFields> = {}): LaunchOptions.LaunchFields => ({
  argv: ["git", "status"],
  cwd: undefined,
  set: undefined,
  unset: undefined,
  stdin: "pipe",
  stdout: "pipe",
  stderr: "pipe",
  bufferSize: undefined,
  tailSize: undefined,
  maxLineLength: undefined,
  ...overrides
})

const detailOf = (result: LaunchOptions.CheckedLaunch | LaunchOptions.Refusal): string | undefined =>
  LaunchOptions.isRefusal(result) ? result.detail : undefined

describe("LaunchOptions.checkLaunch", () => {
  it("accepts a plain launch with the default sizes and no variables", () => {
    const checked = LaunchOptions.checkLaunch(fields())
    expect(LaunchOptions.isRefusal(checked)).toBe(false)
    expect(checked).toMatchObject({ argv: ["git", "status"], sizes: LaunchOptions.DEFAULT_SIZES, unset: [], set: {} })
  })

  it("refuses each malformed field with a sentence, never showing an environment value", () => {
    expect(detailOf(LaunchOptions.checkLaunch(fields({ argv: [] })))).toBe("the command is empty")
    expect(detailOf(LaunchOptions.checkLaunch(fields({ argv: "git" })))).toContain("argv array")
    expect(detailOf(LaunchOptions.checkLaunch(fields({ argv: ["git", 5] })))).toBe(
      "argv[1] must be a string (got number)"
    )
    expect(detailOf(LaunchOptions.checkLaunch(fields({ argv: ["a\0b"] })))).toBe("an argument contains a NUL byte")
    expect(detailOf(LaunchOptions.checkLaunch(fields({ argv: [""] })))).toBe("the program name is empty")
    expect(detailOf(LaunchOptions.checkLaunch(fields({ cwd: "" })))).toBe("cwd is empty or contains a NUL byte")
    expect(detailOf(LaunchOptions.checkLaunch(fields({ stdout: "pty" })))).toContain("stdout must be")
    expect(detailOf(LaunchOptions.checkLaunch(fields({ set: { "A=B": "1" } })))).toContain("invalid environment")
    const secret = LaunchOptions.checkLaunch(fields({ set: { TOKEN: "s3cret\0" } }))
    expect(detailOf(secret)).toBe("env TOKEN must be a string without NUL bytes")
    expect(JSON.stringify(secret)).not.toContain("s3cret")
    expect(detailOf(LaunchOptions.checkLaunch(fields({ bufferSize: -1 })))).toContain("non-negative integer")
    expect(detailOf(LaunchOptions.checkLaunch(fields({ maxLineLength: 0 })))).toContain("positive integer")
    expect(detailOf(LaunchOptions.checkLaunch(fields({ unset: "PATH" })))).toContain("unsetEnv must be an array")
    expect(detailOf(LaunchOptions.checkLaunch(fields({ unset: [""] })))).toContain("unsetEnv must hold")
  })

  it("a sparse argv is refused with a command that can be shown", () => {
    const refusal = LaunchOptions.checkLaunch(fields({ argv: ["echo", , "x"] }))
    expect(LaunchOptions.isRefusal(refusal) && refusal.command).toEqual(["echo", "<undefined>", "x"])
    expect(detailOf(refusal)).toBe("argv[1] must be a string (got undefined)")
  })

  it("never throws, whatever the argv holds", () => {
    fc.assert(fc.property(fc.array(fc.anything()), (argv) => {
      const result = LaunchOptions.checkLaunch(fields({ argv }))
      expect(typeof result).toBe("object")
    }))
  })
})

describe("LaunchOptions, the small checks", () => {
  it("tells negative durations in every input form", () => {
    for (const input of [-1, NaN, BigInt(-1), "-5 seconds", [-1, 0], { seconds: -1 }]) {
      expect(LaunchOptions.isNegativeDurationInput(input)).toBe(true)
    }
    for (const input of [0, 5, BigInt(5), "5 seconds", [1, 0], { seconds: 1 }, "Infinity"]) {
      expect(LaunchOptions.isNegativeDurationInput(input)).toBe(false)
    }
  })

  it("checks signals, a string command, the env option", () => {
    expect(LaunchOptions.checkSignal(["x"], "terminate.signal", "SIGTERM")).toBeUndefined()
    expect(LaunchOptions.checkSignal(["x"], "terminate.signal", "SIGBUS")).toBeUndefined()
    expect(LaunchOptions.checkSignal(["x"], "terminate.signal", "TERM")?.detail).toBe(
      "terminate.signal must be a signal name such as SIGTERM or SIGINT (got TERM)"
    )
    expect(LaunchOptions.checkSignal(["x"], "s", Object.create(null))?.detail).toContain("(got object)")
    expect(LaunchOptions.isDurationObject({})).toBe(false)
    expect(LaunchOptions.stringCommand("git --version").command).toEqual(["git --version"])
    expect(LaunchOptions.checkEnvOption(["env"], new Map())?.detail).toContain("(got a Map)")
    expect(LaunchOptions.checkEnvOption(["env"], { A: "1" })).toBeUndefined()
  })

  it("names a value's type without reading it, even when reading throws", () => {
    const hostile = new Proxy({}, {
      getPrototypeOf: () => {
        throw new Error("no")
      }
    })
    expect(LaunchOptions.typeName(hostile)).toBe("an unreadable value")
    expect(LaunchOptions.shown("x".repeat(100)).length).toBe(52)
  })
})
