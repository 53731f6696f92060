import { describe, expect, it } from "@effect/vitest"
import { OutputPattern } from "effect-process"
// Effect 4 has no effect/FastCheck (its own Arbitrary module replaces it): fast-check itself, the same arbitraries.
import * as FC from "fast-check"

/** Feeds `pieces` in order; returns the match value and the total number of characters consumed. */
const run = <A>(pattern: OutputPattern.OutputPattern<A>, pieces: ReadonlyArray<string>) => {
  const matcher = pattern.matcher()
  let offset = 0
  let decision = matcher.feed("", "stdout")
  for (const piece of pieces) {
    if (decision !== undefined) break
    decision = matcher.feed(piece, "stdout")
    offset += decision === undefined ? piece.length : decision.consumed
  }
  decision ??= matcher.finish("stdout")
  return decision?._tag === "Matched" ? { value: decision.value, consumed: offset } : undefined
}

const chunk = (text: string, cuts: ReadonlyArray<number>) => {
  const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b)
  const pieces: Array<string> = []
  let start = 0
  for (const point of points) {
    pieces.push(text.slice(start, point))
    start = point
  }
  pieces.push(text.slice(start))
  return pieces
}

describe("OutputPattern", () => {
  it("allParts: parts across lines, any order, an empty list matches at once", () => {
    expect(run(OutputPattern.allParts(["b|", "a"]), ["x a\n", "y b|c\n", "z\n"])?.value).toBe("x a\ny b|c\n")
    expect(run(OutputPattern.allParts([]), ["anything"])).toEqual({ value: "", consumed: 0 })
    expect(run(OutputPattern.allParts(["ready"]), ["not yet"])).toBeUndefined()
  })

  it("regex is per line, and a last line without newline counts at the end", () => {
    expect(run(OutputPattern.regex(/^port (\d+)$/), ["a\nport 8", "0\n"])?.value[1]).toBe("80")
    expect(run(OutputPattern.regex(/^done$/), ["x\ndone"])?.value[0]).toBe("done")
    expect(run(OutputPattern.regex(/a.*b/), ["a\nb\n"])).toBeUndefined()
  })

  it("times: n matches, in one or several pieces", () => {
    const twice = OutputPattern.regex(/^ready (\d)$/).pipe(OutputPattern.times(2))
    const result = run(twice, ["ready 1\nx\nready 2\nready 3\n"])
    expect(result?.value.map((match) => match[1])).toEqual(["1", "2"])
    expect(result?.consumed).toBe("ready 1\nx\nready 2\n".length)
    expect(run(twice, ["ready 1\n", "ready", " 2\n"])?.value).toHaveLength(2)
    expect(run(twice, ["ready 1\n"])).toBeUndefined()
  })

  it("failOn: a failure line that comes first fails, one that comes later does not", () => {
    const pattern = OutputPattern.substring("listening").pipe(OutputPattern.failOn(["Unable to start", /^FATAL/]))
    const failed = pattern.matcher().feed("booting\nFATAL: no disk\nlistening\n", "stdout")
    expect(failed).toEqual({ _tag: "Failed", line: "FATAL: no disk", consumed: "booting\nFATAL: no disk\n".length })
    const ok = pattern.matcher().feed("listening\nUnable to start\n", "stdout")
    expect(ok?._tag).toBe("Matched")
    const split = pattern.matcher()
    expect(split.feed("Unable to ", "stdout")).toBeUndefined()
    expect(split.feed("start\n", "stdout")?._tag).toBe("Failed")
  })

  it("any: the earliest match decides; all: every pattern, values in order", () => {
    const either = OutputPattern.any(OutputPattern.substring("b"), OutputPattern.regex(/a/))
    expect(run(either, ["xa\nb\n"])?.value).toEqual(expect.arrayContaining(["a"]))
    const both = OutputPattern.all(OutputPattern.regex(/port (\d+)/), OutputPattern.substring("ready"))
    const result = run(both, ["ready\n", "port 80\n"])
    expect(result?.value[0][1]).toBe("80")
    expect(result?.value[1]).toBe("ready\n")
  })

  it("sources: a stderr pattern ignores stdout, both reads each pipe on its own", () => {
    const onStderr = OutputPattern.regex(/ready/).pipe(OutputPattern.fromSource("stderr"))
    expect(onStderr.sources).toEqual(["stderr"])
    const matcher = onStderr.matcher()
    expect(matcher.feed("ready\n", "stdout")).toBeUndefined()
    expect(matcher.feed("ready\n", "stderr")?._tag).toBe("Matched")
    const both = OutputPattern.regex(/^ab$/).pipe(OutputPattern.fromSource("both"))
    const interleaved = both.matcher()
    expect(interleaved.feed("a", "stdout")).toBeUndefined()
    expect(interleaved.feed("b\n", "stderr")).toBeUndefined()
    expect(interleaved.feed("b\n", "stdout")?._tag).toBe("Matched")
  })

  it("an over-long line is tested in overlapping pieces: a match across the cut is found", () => {
    const before = "x".repeat(1024 * 1024 - 3)
    expect(run(OutputPattern.regex(/READY/), [before, "READY\n"])?.value[0]).toBe("READY")
    expect(run(OutputPattern.regex(/READY/), [before + "READY\n"])?.value[0]).toBe("READY")
    expect(run(OutputPattern.regex(/NOPE/), [before + "READY\n"])).toBeUndefined()
  })

  it("failure strings and RegExps read the pipes of the pattern they guard", () => {
    const pattern = OutputPattern.regex(/ready/).pipe(
      OutputPattern.fromSource("stderr"),
      OutputPattern.failOn([/FATAL/, "panic"])
    )
    expect(pattern.sources).toEqual(["stderr"])
    expect(pattern.matcher().feed("FATAL: no disk\n", "stderr")?._tag).toBe("Failed")
    expect(pattern.matcher().feed("FATAL: no disk\n", "stdout")).toBeUndefined()
  })

  it("times over both pipes keeps each pipe's partial line across a match on the other", () => {
    const twice = OutputPattern.regex(/ready/).pipe(OutputPattern.fromSource("both"), OutputPattern.times(2))
    const matcher = twice.matcher()
    expect(matcher.feed("rea", "stdout")).toBeUndefined()
    expect(matcher.feed("ready\n", "stderr")).toBeUndefined()
    expect(matcher.feed("dy\n", "stdout")?._tag).toBe("Matched")
  })

  it("times refuses a count that is not a positive integer, at its first use", () => {
    for (const n of [0, -1, 1.5]) {
      const decision = OutputPattern.substring("x").pipe(OutputPattern.times(n)).matcher().feed("", "stdout")
      expect(decision?._tag).toBe("Failed")
    }
  })

  it("a long line arriving in small pieces is matched when its end arrives", () => {
    const matcher = OutputPattern.regex(/^y+READY$/).matcher()
    for (let i = 0; i < 10_000; i++) expect(matcher.feed("y".repeat(100), "stdout")).toBeUndefined()
    const decision = matcher.feed("READY\nafter\n", "stdout")
    expect(decision?._tag).toBe("Matched")
    expect(decision?.consumed).toBe("READY\n".length)
  })

  it("allParts agrees with a naive search of the whole text, for any chunking", () => {
    FC.assert(FC.property(
      FC.array(FC.constantFrom("a", "b", "|", "\n", "é", "ab"), { maxLength: 40 }).map((parts) => parts.join("")),
      FC.array(FC.constantFrom("a", "b|", "ab", "ba", "\n", "", "a\nb"), { minLength: 1, maxLength: 3 }),
      FC.array(FC.nat(), { maxLength: 8 }),
      (text, parts, cuts) => {
        const result = run(OutputPattern.allParts(parts), chunk(text, cuts))
        // Naive: the shortest prefix that contains every part, extended to the end of its line.
        let end = -1
        for (let n = 0; n <= text.length; n++) {
          if (parts.every((part) => text.slice(0, n).includes(part))) {
            end = n
            break
          }
        }
        if (end < 0) return result === undefined
        const newline = text.indexOf("\n", Math.max(0, end - 1))
        // Within a piece the match takes the rest of its line when that line's end is in the same piece; the
        // naive answer is therefore a prefix of what was consumed, and both end at the same line or piece end.
        return result !== undefined && result.value === text.slice(0, result.consumed) &&
          result.consumed >= end && (newline < 0 || result.consumed <= newline + 1)
      }
    ))
  })

  it("regex agrees with testing each line of the whole text, for any chunking", () => {
    FC.assert(FC.property(
      FC.array(FC.constantFrom("x", "y", "\n", "xy", "😀"), { maxLength: 40 }).map((parts) => parts.join("")),
      FC.array(FC.nat(), { maxLength: 8 }),
      (text, cuts) => {
        const result = run(OutputPattern.regex(/xy+x/), chunk(text, cuts))
        const expected = text.split("\n").find((line) => /xy+x/.test(line))
        return expected === undefined ? result === undefined : result?.value.input === expected
      }
    ))
  })

  it("regexes that could match across lines (anchors, \\s, negated classes, lookarounds) still test single lines", () => {
    FC.assert(
      FC.property(
        FC.array(FC.constantFrom("x", "y", " ", "\n", "\r\n", "xy"), { maxLength: 40 }).map((parts) => parts.join("")),
        FC.array(FC.nat(), { maxLength: 8 }),
        FC.constantFrom(/^x+$/, /y\s?x/, /x[^y]y/, /^$/, /(?<!y)x$/, /x(?!y)/, /y$/m, /X/i),
        (text, cuts, re) => {
          const result = run(OutputPattern.regex(re), chunk(text, cuts))
          const lines = text.split("\n").map((line) => line.endsWith("\r") ? line.slice(0, -1) : line)
          // What follows the last "\n" is a line at the end of the output (`run` calls finish()) unless it is empty.
          if (lines[lines.length - 1] === "") lines.pop()
          const expected = lines.find((line) => re.test(line))
          return expected === undefined ? result === undefined : result?.value.input === expected
        }
      ),
      { numRuns: 2000 }
    )
  })
})
