import { describe, expect, it } from "@effect/vitest"
import { Duration } from "effect"
import { ProcessError, TimeoutError } from "effect-process"

describe("error messages", () => {
  it("quote the last line of output", () => {
    const error = new ProcessError({
      reason: "NonZeroExit",
      command: ["sh"],
      exitCode: 1,
      stderrTail: "first\nthe \u001b[31mlast\u001b[0m one\n\n"
    })
    expect(error.message).toContain(`last output: ${JSON.stringify("the \u001b[31mlast\u001b[0m one")}`)
  })

  // Found by an adversarial probe: the last line was cut to 200 characters before it was quoted, so a line of
  // control characters became six times as long in the message.
  it("keep a last line of escapes as short as any other, cut from the front on whole characters", () => {
    const error = new ProcessError({
      reason: "MaxBufferExceeded",
      command: ["cat"],
      stdoutTail: "\u0001".repeat(10_000)
    })
    const quoted = /last output: (".*")$/.exec(error.message)![1]!
    expect(quoted.length).toBeLessThanOrEqual(200)
    expect(quoted.startsWith("\"…\\u0001")).toBe(true)
    expect(JSON.parse(quoted)).toMatch(/^…(\u0001)+$/)
    const timeout = new TimeoutError({
      reason: "WaitForOutput",
      command: ["cat"],
      timeout: Duration.seconds(1),
      seen: "😀".repeat(500)
    })
    const seen = /last seen: (".*")/.exec(timeout.message)![1]!
    expect(seen.length).toBeLessThanOrEqual(200)
    expect(JSON.parse(seen)).toMatch(/^…(😀)+$/u)
  })

  // Found by an adversarial probe: JSON leaves DEL, the C1 controls and the bidirectional overrides as they are.
  it("escape the characters a terminal acts on that JSON leaves alone", () => {
    const error = new ProcessError({
      reason: "NonZeroExit",
      command: ["sh"],
      exitCode: 1,
      stderrTail: "a\u007fb\u009bc\u202ed\n"
    })
    expect(error.message).toContain("a\\u007fb\\u009bc\\u202ed")
    expect(error.message).not.toMatch(/[\u007f-\u009f\u202e]/)
  })
})
