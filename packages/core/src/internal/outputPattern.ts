import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import type * as OutputPattern from "../OutputPattern.js"

/** @internal */
export const TypeId: OutputPattern.TypeId = Symbol.for("@effect-process/core/OutputPattern") as OutputPattern.TypeId

/** @internal */
export const isOutputPattern = (u: unknown): u is OutputPattern.OutputPattern<unknown> =>
  typeof u === "object" && u !== null && TypeId in u

/**
 * The longest line a line-based pattern looks at as one piece. A longer line is cut into pieces of this many
 * characters, each tested on its own.
 *
 * @internal
 */
export const MAX_LINE_LENGTH = 1024 * 1024

/**
 * How much of a cut piece of an over-long line starts the next piece: a match shorter than this that straddles the
 * cut is found in the next piece.
 *
 * @internal
 */
export const LINE_OVERLAP = 64 * 1024

const MAX_SEEN_LENGTH = 1024 * 1024

type Source = OutputPattern.Source
type Decision<A> = OutputPattern.Decision<A>

/** A matcher of one source's text. */
interface TextMatcher<A> {
  readonly feed: (text: string) => Decision<A> | undefined
  readonly finish: () => Decision<A> | undefined
}

interface PatternInternal<A> extends OutputPattern.OutputPattern<A> {
  /** The same pattern reading other sources (leaves are rebuilt, composites map their children). */
  readonly withSource: (source: OutputPattern.SourceSelector) => OutputPattern.OutputPattern<A>
}

const Proto = {
  [TypeId]: TypeId,
  pipe() {
    return pipeArguments(this, arguments)
  },
  toString(this: OutputPattern.OutputPattern<unknown>) {
    return `OutputPattern(${this.description})`
  }
}

const make = <A>(fields: {
  readonly description: string
  readonly sources: ReadonlyArray<Source>
  readonly matcher: () => OutputPattern.Matcher<A>
  readonly withSource: (source: OutputPattern.SourceSelector) => OutputPattern.OutputPattern<A>
}): OutputPattern.OutputPattern<A> => Object.assign(Object.create(Proto), fields)

const sourcesOf = (selector: OutputPattern.SourceSelector): ReadonlyArray<Source> =>
  selector === "both" ? ["stdout", "stderr"] : [selector]

/**
 * Keeps the most recent `limit` characters of the text seen, for return values and error context.
 *
 * @internal
 */
export class SeenText {
  // Pieces, joined only when the text is asked for: appending is on the path of every chunk.
  private pieces: Array<string> = []
  private length = 0
  constructor(private readonly limit: number = MAX_SEEN_LENGTH) {}
  append(piece: string): void {
    if (piece.length === 0) return
    this.pieces.push(piece)
    this.length += piece.length
    while (this.pieces.length > 1 && this.length - this.pieces[0]!.length >= this.limit) {
      this.length -= this.pieces.shift()!.length
    }
  }
  get value(): string {
    const text = this.pieces.length === 1 ? this.pieces[0]! : this.pieces.join("")
    if (this.pieces.length > 1) this.pieces = [text]
    return text.length > this.limit ? text.slice(-this.limit) : text
  }
}

/** The leaf patterns: their state is per pipe, independent for each. */
const leaves = new WeakSet<OutputPattern.OutputPattern<any>>()

/** A leaf pattern: one text matcher per source it reads. */
const leaf = <A>(
  description: string,
  selector: OutputPattern.SourceSelector,
  textMatcher: (seen: SeenText) => TextMatcher<A>
): OutputPattern.OutputPattern<A> => {
  const sources = sourcesOf(selector)
  const self = make({
    description: selector === "stdout" ? description : `${description} on ${selector}`,
    sources,
    matcher: () => {
      const seen = new SeenText()
      const perSource = new Map<Source, TextMatcher<A>>()
      const get = (source: Source) => {
        let matcher = perSource.get(source)
        if (matcher === undefined) {
          matcher = textMatcher(seen)
          perSource.set(source, matcher)
        }
        return matcher
      }
      return {
        feed: (text, source) => sources.includes(source) ? get(source).feed(text) : undefined,
        finish: (source) => sources.includes(source) ? get(source).finish() : undefined,
        seen: () => seen.value
      }
    },
    withSource: (source) => leaf(description, source, textMatcher)
  })
  leaves.add(self)
  return self
}

/** @internal */
export const allParts = (
  parts: ReadonlyArray<string>,
  source: OutputPattern.SourceSelector = "stdout"
): OutputPattern.OutputPattern<string> =>
  leaf(`all of ${JSON.stringify(parts)}`, source, (seen) => {
    const found = parts.map(() => false)
    let remaining = parts.length
    const overlap = Math.max(0, ...parts.map((part) => part.length - 1))
    let carry = ""
    // The output this part of the pattern saw (its source only), returned on a match.
    const own = new SeenText()
    return {
      feed(text) {
        let end = 0
        for (let i = 0; i < parts.length; i++) {
          if (found[i]) continue
          const part = parts[i]!
          // A part that straddles the previous piece and this one, then one inside this piece: the piece itself
          // is searched as it is, never copied behind the carried overlap.
          const straddling = carry.length === 0 ? -1 : (carry + text.slice(0, part.length - 1)).indexOf(part)
          let partEnd: number
          if (straddling >= 0) {
            partEnd = Math.max(0, straddling + part.length - carry.length)
          } else {
            const index = text.indexOf(part)
            if (index < 0) continue
            partEnd = index + part.length
          }
          found[i] = true
          remaining--
          end = Math.max(end, partEnd)
        }
        if (remaining === 0) {
          // Like the reference (which reads whole lines), the match takes the rest of its line when it has arrived.
          const newline = text.indexOf("\n", Math.max(0, end - 1))
          const consumed = newline < 0 ? text.length : newline + 1
          seen.append(text.slice(0, consumed))
          own.append(text.slice(0, consumed))
          return { _tag: "Matched", value: own.value, consumed }
        }
        seen.append(text)
        own.append(text)
        carry = overlap === 0 ? "" : text.length >= overlap ? text.slice(-overlap) : (carry + text).slice(-overlap)
        return undefined
      },
      finish: () => undefined
    }
  })

/**
 * A leaf that tests lines (without their `\n` or `\r\n`), reporting where each line ends in the piece that
 * completed it. Lines longer than `MAX_LINE_LENGTH` are cut into pieces of that length, each tested on its own.
 */
const lineLeaf = <A>(
  description: string,
  source: OutputPattern.SourceSelector,
  test: (line: string) => Option.Option<A>
): OutputPattern.OutputPattern<A> => lineDecider(description, source, (line) => Option.map(test(line), matched))

const matched = <A>(value: A): LineVerdict<A> => ({ _tag: "Match", value })

/** What a line decider says of one line. */
type LineVerdict<A> =
  | { readonly _tag: "Match"; readonly value: A }
  | { readonly _tag: "Fail"; readonly detail: string }

/** @internal */
export const lineDecider = <A>(
  description: string,
  source: OutputPattern.SourceSelector,
  test: (line: string) => Option.Option<LineVerdict<A>>,
  /**
   * Optional prefilter over a text of complete lines: the index, at or after `from`, where the first line that may
   * pass `test` has a character, or -1 when none may. Lines it skips are not tested one by one.
   */
  candidate?: (text: string, from: number) => number
): OutputPattern.OutputPattern<A> =>
  leaf(description, source, (seen) => {
    const decide = (line: string, consumed: number): Decision<A> | undefined => {
      const verdict = test(line)
      if (Option.isNone(verdict)) return undefined
      return verdict.value._tag === "Match"
        ? { _tag: "Matched", value: verdict.value.value, consumed }
        : { _tag: "Failed", line, consumed, detail: verdict.value.detail }
    }
    let current = ""
    let currentHasCR = false
    const setCurrent = (text: string) => {
      current = text
      currentHasCR = text.includes("\r")
    }
    /** The fast path: only the lines the prefilter points at are tested. */
    const feedCandidates = (text: string, find: (text: string, from: number) => number) => {
      const lastInText = text.lastIndexOf("\n")
      if (lastInText < 0) {
        // No line ends in this piece: keep it, without looking at what came before again.
        current += text
        seen.append(text)
        return undefined
      }
      const region = current + text
      const last = current.length + lastInText
      for (let from = 0; from <= last;) {
        const hit = find(region, from)
        if (hit < 0 || hit > last) break
        const lineStart = hit === 0 ? 0 : region.lastIndexOf("\n", hit - 1) + 1
        const lineEnd = region.indexOf("\n", hit)
        const consumed = lineEnd + 1 - current.length
        const decision = decide(region.slice(lineStart, lineEnd), consumed)
        if (decision !== undefined) {
          setCurrent("")
          seen.append(text.slice(0, consumed))
          return decision
        }
        from = lineEnd + 1
      }
      setCurrent(text.slice(lastInText + 1))
      seen.append(text)
      return undefined
    }
    return {
      feed(text) {
        // The prefilter sees lines as they are: only without "\r" (a line is tested without it) and when no line
        // can reach the cap (a longer line is tested in pieces).
        const hasCR = text.includes("\r")
        if (
          candidate !== undefined && current.length + text.length <= MAX_LINE_LENGTH && !hasCR && !currentHasCR
        ) return feedCandidates(text, candidate)
        let start = 0
        while (start < text.length) {
          const newline = text.indexOf("\n", start)
          const stop = newline < 0 ? text.length : newline
          const room = MAX_LINE_LENGTH - current.length
          if (stop - start > room) {
            // The line is longer than the cap: test the cut piece on its own, and start the next piece with the
            // end of this one, so that a match shorter than LINE_OVERLAP that straddles the cut is still seen.
            const cut = start + room
            const piece = current + text.slice(start, cut)
            const decision = decide(piece, cut)
            if (decision !== undefined) {
              setCurrent("")
              seen.append(text.slice(0, cut))
              return decision
            }
            setCurrent(piece.slice(-LINE_OVERLAP))
            start = cut
            continue
          }
          if (newline < 0) {
            current += text.slice(start)
            currentHasCR ||= hasCR
            break
          }
          const line = current + text.slice(start, newline)
          setCurrent("")
          start = newline + 1
          const decision = decide(line.endsWith("\r") ? line.slice(0, -1) : line, start)
          if (decision !== undefined) {
            seen.append(text.slice(0, start))
            return decision
          }
        }
        seen.append(text)
        return undefined
      },
      finish() {
        if (current.length === 0) return undefined
        const line = current
        current = ""
        return decide(line, 0)
      }
    }
  })

/** @internal */
export const substring = (
  text: string,
  source: OutputPattern.SourceSelector = "stdout"
): OutputPattern.OutputPattern<string> => {
  const inner = allParts([text], source)
  const self = make({ ...inner, description: JSON.stringify(text), withSource: (s) => substring(text, s) })
  leaves.add(self)
  return self
}

/** @internal */
export const regex = (
  pattern: RegExp,
  source: OutputPattern.SourceSelector = "stdout"
): OutputPattern.OutputPattern<RegExpExecArray> => {
  // A global or sticky RegExp keeps state between `exec` calls; a per-line test must not.
  const flags = pattern.flags.replace(/[gy]/g, "")
  const re = pattern.global || pattern.sticky ? new RegExp(pattern.source, flags) : pattern
  // One search over many lines finds the first line that may match (`m`: ^ and $ at line ends); that line is then
  // tested on its own, so a match across lines is never taken. Lookarounds could see across a line end and miss a
  // line that matches on its own: those patterns test every line.
  const across = /\(\?<?[=!]/.test(pattern.source)
    ? undefined
    : new RegExp(pattern.source, flags.replace("m", "") + "gm")
  return lineDecider(
    String(pattern),
    source,
    (line) => Option.map(Option.fromNullable(re.exec(line)), matched),
    across === undefined ? undefined : (text, from) => {
      across.lastIndex = from
      return across.exec(text)?.index ?? -1
    }
  )
}

/** @internal */
export const line = <A>(
  parse: (line: string) => Option.Option<A>,
  description = "a line the parser accepts",
  source: OutputPattern.SourceSelector = "stdout"
): OutputPattern.OutputPattern<A> => lineLeaf(description, source, parse)

/** @internal */
export const fromSource = (
  self: OutputPattern.OutputPattern<any>,
  source: OutputPattern.SourceSelector
): OutputPattern.OutputPattern<any> => (self as PatternInternal<any>).withSource(source)

const lift = (
  input: OutputPattern.PatternInput,
  source: OutputPattern.SourceSelector = "stdout"
): OutputPattern.OutputPattern<unknown> =>
  typeof input === "string" ? substring(input, source) : input instanceof RegExp ? regex(input, source) : input

/** The selector that reads `sources`. */
const selectorOf = (sources: ReadonlyArray<Source>): OutputPattern.SourceSelector =>
  sources.length > 1 ? "both" : sources[0] ?? "stdout"

const union = (patterns: ReadonlyArray<OutputPattern.OutputPattern<unknown>>): ReadonlyArray<Source> =>
  (["stdout", "stderr"] as const).filter((source) => patterns.some((pattern) => pattern.sources.includes(source)))

/**
 * A matcher over several: feeds every piece to each child still undecided and lets `decide` turn their decisions in
 * this piece (by index, `undefined` for no decision) into the composite's decision.
 */
const composite = (
  matchers: Array<OutputPattern.Matcher<unknown> | undefined>,
  decide: (decisions: ReadonlyArray<Decision<unknown> | undefined>) => Decision<any> | undefined
): OutputPattern.Matcher<any> => {
  const seen = new SeenText()
  const feedAll = (feed: (matcher: OutputPattern.Matcher<unknown>) => Decision<unknown> | undefined) =>
    decide(matchers.map((matcher) => matcher === undefined ? undefined : feed(matcher)))
  return {
    feed: (text, source) => {
      seen.append(text)
      return feedAll((matcher) => matcher.feed(text, source))
    },
    finish: (source) => feedAll((matcher) => matcher.finish(source)),
    seen: () => seen.value
  }
}

/** The index of the decision that comes first in the text (a failure wins a tie), or -1. */
const earliest = (decisions: ReadonlyArray<Decision<unknown> | undefined>): number => {
  let best = -1
  for (let i = 0; i < decisions.length; i++) {
    const decision = decisions[i]
    if (decision === undefined) continue
    const current = decisions[best]
    if (
      current === undefined || decision.consumed < current.consumed ||
      (decision.consumed === current.consumed && decision._tag === "Failed" && current._tag === "Matched")
    ) best = i
  }
  return best
}

/** @internal */
export const any = <const Patterns extends ReadonlyArray<OutputPattern.OutputPattern<any>>>(
  ...patterns: Patterns
): OutputPattern.OutputPattern<OutputPattern.OutputPattern.Value<Patterns[number]>> =>
  make({
    description: `any of (${patterns.map((pattern) => pattern.description).join(", ")})`,
    sources: union(patterns),
    matcher: () =>
      composite(patterns.map((pattern) => pattern.matcher()), (decisions) => {
        const index = earliest(decisions)
        return index < 0 ? undefined : decisions[index]
      }),
    withSource: (source) => any(...patterns.map((pattern) => fromSource(pattern, source)))
  })

/** @internal */
export const all = <const Patterns extends ReadonlyArray<OutputPattern.OutputPattern<any>>>(
  ...patterns: Patterns
): OutputPattern.OutputPattern<{ -readonly [K in keyof Patterns]: OutputPattern.OutputPattern.Value<Patterns[K]> }> =>
  make({
    description: `all of (${patterns.map((pattern) => pattern.description).join(", ")})`,
    sources: union(patterns),
    matcher: () => {
      const matchers: Array<OutputPattern.Matcher<unknown> | undefined> = patterns.map((pattern) => pattern.matcher())
      const values: Array<unknown> = patterns.map(() => undefined)
      let remaining = patterns.length
      return composite(matchers, (decisions) => {
        let consumed = 0
        for (let i = 0; i < decisions.length; i++) {
          const decision = decisions[i]
          if (decision === undefined) continue
          if (decision._tag === "Failed") return decision
          values[i] = decision.value
          matchers[i] = undefined // decided: no longer fed
          remaining--
          consumed = Math.max(consumed, decision.consumed)
        }
        return remaining === 0 ? { _tag: "Matched", value: values, consumed } : undefined
      })
    },
    withSource: (source) => all(...patterns.map((pattern) => fromSource(pattern, source)))
  }) as any

/**
 * A pattern built from invalid arguments: it fails at its first use, with the reason, instead of throwing where it
 * is built or waiting forever.
 */
const invalidPattern = <A>(detail: string): OutputPattern.OutputPattern<A> =>
  make({
    description: detail,
    sources: ["stdout"],
    matcher: () => {
      const failed: Decision<A> = { _tag: "Failed", line: "", consumed: 0, detail }
      return { feed: () => failed, finish: () => failed, seen: () => "" }
    },
    withSource: () => invalidPattern(detail)
  })

/** @internal */
export const times = <A>(self: OutputPattern.OutputPattern<A>, n: number): OutputPattern.OutputPattern<Array<A>> =>
  !(Number.isSafeInteger(n) && n >= 1) ? invalidPattern(`times(${n}): the count must be a positive integer`) : make({
    description: `${n} times ${self.description}`,
    sources: self.sources,
    matcher: () => {
      // After a match the pattern starts afresh. A leaf reading both pipes keeps one matcher per pipe, so that a
      // match on one does not throw away the other's partial line.
      const perSource = leaves.has(self) && self.sources.length > 1
      const currents = new Map<Source | "any", OutputPattern.Matcher<A>>()
      const currentFor = (source: Source) => {
        const key = perSource ? source : "any"
        let matcher = currents.get(key)
        if (matcher === undefined) {
          matcher = self.matcher()
          currents.set(key, matcher)
        }
        return matcher
      }
      const values: Array<A> = []
      const seen = new SeenText()
      const step = (
        source: Source,
        decide: (matcher: OutputPattern.Matcher<A>) => Decision<A> | undefined,
        rest: (
          offset: number
        ) => ((matcher: OutputPattern.Matcher<A>) => Decision<A> | undefined) | undefined
      ) => {
        let offset = 0
        let decision = decide(currentFor(source))
        while (decision !== undefined) {
          if (decision._tag === "Failed") return { ...decision, consumed: offset + decision.consumed }
          values.push(decision.value)
          offset += decision.consumed
          if (values.length >= n) return { _tag: "Matched" as const, value: values, consumed: offset }
          currents.delete(perSource ? source : "any")
          const next = rest(offset)
          if (next === undefined) return undefined
          decision = next(currentFor(source))
        }
        return undefined
      }
      return {
        feed: (text, source) => {
          seen.append(text)
          return step(
            source,
            (matcher) => matcher.feed(text, source),
            (offset) => (matcher) => matcher.feed(text.slice(offset), source)
          )
        },
        finish: (source) => step(source, (matcher) => matcher.finish(source), () => undefined),
        seen: () => seen.value
      }
    },
    withSource: (source) => times(fromSource(self, source), n)
  })

const describeValue = (value: unknown, fallback: string): string => {
  if (Array.isArray(value) && typeof (value as RegExpExecArray).input === "string") {
    return (value as RegExpExecArray).input
  }
  if (typeof value === "string") {
    const lines = value.split("\n").filter((text) => text.trim().length > 0)
    return lines[lines.length - 1] ?? value
  }
  return fallback
}

/** @internal */
export const failOn = <A>(
  self: OutputPattern.OutputPattern<A>,
  failures: ReadonlyArray<OutputPattern.PatternInput>
): OutputPattern.OutputPattern<A> => {
  // A failure given as a string or RegExp reads the same pipes as the pattern it guards.
  const lifted = failures.map((failure) => lift(failure, selectorOf(self.sources)))
  return make({
    description: `${self.description}, failing on ${lifted.map((pattern) => pattern.description).join(" or ")}`,
    sources: union([self, ...lifted]),
    matcher: () => {
      const main = self.matcher()
      const failing = lifted.map((pattern) => pattern.matcher())
      const decide = (
        decide: (matcher: OutputPattern.Matcher<unknown>) => Decision<unknown> | undefined
      ): Decision<A> | undefined => {
        const decisions = [decide(main), ...failing.map(decide)].map((decision, index) =>
          index === 0 || decision === undefined || decision._tag === "Failed" ? decision : {
            _tag: "Failed" as const,
            line: describeValue(decision.value, lifted[index - 1]!.description),
            consumed: decision.consumed
          }
        )
        const index = earliest(decisions)
        return index < 0 ? undefined : (decisions[index] as Decision<A>)
      }
      return {
        feed: (text, source) => decide((matcher) => matcher.feed(text, source)),
        finish: (source) => decide((matcher) => matcher.finish(source)),
        seen: main.seen
      }
    },
    withSource: (source) => failOn(fromSource(self, source), lifted.map((pattern) => fromSource(pattern, source)))
  })
}
