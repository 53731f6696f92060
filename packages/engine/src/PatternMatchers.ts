/**
 * The interpreter of output patterns (`matcherOf`): a fresh incremental matcher for a pattern's node, fed every
 * piece of output once and deciding as early as it can. The leaves' text matchers (every part appears; a line
 * passes a test, with a prefilter over many lines at once) and the combinations' (any, all, times, failOn) are here;
 * the patterns as data are in `Patterns.ts`. About 400 lines: the line matcher's fast path (a prefilter over
 * many lines at once) and its cutting of over-long lines are most of it, and they belong together.
 */
import type { Decision, LineVerdict, Matcher, Node, Source } from "./Patterns.js"

/**
 * The longest line a line-based pattern looks at as one piece. A longer line is cut into pieces of this many
 * characters, each tested on its own.
 *
 * @example
 * import { PatternMatchers } from "@effect-process/engine"
 *
 * const pieces = (length: number) => Math.ceil(length / PatternMatchers.MAX_LINE_LENGTH)
 *
 * @since 0.2.0
 */
export const MAX_LINE_LENGTH = 1024 * 1024

/**
 * How much of a cut piece of an over-long line starts the next piece: a match shorter than this that straddles the
 * cut is found in the next piece.
 *
 * @example
 * import { PatternMatchers } from "@effect-process/engine"
 *
 * const longestSafeMatch = PatternMatchers.LINE_OVERLAP // found across a cut
 *
 * @since 0.2.0
 */
export const LINE_OVERLAP = 64 * 1024

const MAX_SEEN_LENGTH = 1024 * 1024

/**
 * A matcher of one source's text.
 *
 * @example
 * import type { PatternMatchers } from "@effect-process/engine"
 *
 * const never: PatternMatchers.TextMatcher<never> = { feed: () => undefined, finish: () => undefined }
 *
 * @since 0.2.0
 */
export interface TextMatcher<A> {
  readonly feed: (text: string) => Decision<A> | undefined
  readonly finish: () => Decision<A> | undefined
}

/**
 * Keeps the most recent `limit` characters of the text seen, for return values and error context.
 *
 * @example
 * import { PatternMatchers } from "@effect-process/engine"
 *
 * const seen = new PatternMatchers.SeenText(4)
 * seen.append("hello")
 * seen.value // "hello": whole pieces are kept until the rest exceeds the limit
 *
 * @since 0.2.0
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

/**
 * A leaf's matcher: one text matcher per pipe it reads (their state is per pipe, independent for each), sharing what
 * they saw.
 */
const leafMatcher = <A>(
  sources: ReadonlyArray<Source>,
  textMatcher: (seen: SeenText) => TextMatcher<A>
): Matcher<A> => {
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
}

/** Every part appears somewhere in the text, across pieces. */
const partsMatcher = (parts: ReadonlyArray<string>) => (seen: SeenText): TextMatcher<string> => {
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
}

/** Tests lines (without their `\n` or `\r\n`), reporting where each line ends in the piece that completed it. */
const linesMatcher = <A>(
  test: (line: string) => LineVerdict<A> | undefined,
  candidate: ((text: string, from: number) => number) | undefined
) =>
(seen: SeenText): TextMatcher<A> => {
  const decide = (line: string, consumed: number): Decision<A> | undefined => {
    const verdict = test(line)
    if (verdict === undefined) return undefined
    return verdict._tag === "Match"
      ? { _tag: "Matched", value: verdict.value, consumed }
      : verdict.invalid === true
      ? { _tag: "Failed", line: "", consumed, detail: verdict.detail, invalid: true }
      : { _tag: "Failed", line, consumed, detail: verdict.detail }
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
}

/**
 * A fresh matcher for a pattern: the one place patterns are interpreted.
 *
 * @example
 * import { PatternMatchers, Patterns } from "@effect-process/engine"
 *
 * const matcher = PatternMatchers.matcherOf(Patterns.partsNode(["ready"], "\"ready\"", "stdout"))
 * matcher.feed("ready\n", "stdout") // Matched
 *
 * @since 0.2.0
 */
export const matcherOf = (node: Node): Matcher<any> => {
  switch (node._tag) {
    case "Parts":
      return leafMatcher(node.sources, partsMatcher(node.parts))
    case "Lines":
      return leafMatcher(node.sources, linesMatcher(node.test, node.candidate))
    case "Any":
      return anyMatcher(node.patterns)
    case "All":
      return allMatcher(node.patterns)
    case "Times":
      return timesMatcher(node.pattern, node.n)
    case "FailOn":
      return failOnMatcher(node.pattern, node.failures)
    case "Invalid": {
      const failed: Decision<never> = { _tag: "Failed", line: "", consumed: 0, detail: node.description, invalid: true }
      return { feed: () => failed, finish: () => failed, seen: () => "" }
    }
  }
}

/**
 * A matcher over several: feeds every piece to each child still undecided and lets `decide` turn their decisions in
 * this piece (by index, `undefined` for no decision) into the composite's decision.
 */
const composite = (
  matchers: Array<Matcher<unknown> | undefined>,
  decide: (decisions: ReadonlyArray<Decision<unknown> | undefined>) => Decision<any> | undefined
): Matcher<any> => {
  const seen = new SeenText()
  const feedAll = (feed: (matcher: Matcher<unknown>) => Decision<unknown> | undefined) =>
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

/** The first decision in the text, among the patterns'. */
const anyMatcher = (patterns: ReadonlyArray<Node>): Matcher<unknown> =>
  composite(patterns.map(matcherOf), (decisions) => {
    const index = earliest(decisions)
    return index < 0 ? undefined : decisions[index]
  })

/** Every pattern's value, once the last has matched; the first failure fails it. */
const allMatcher = (patterns: ReadonlyArray<Node>): Matcher<Array<unknown>> => {
  const matchers: Array<Matcher<unknown> | undefined> = patterns.map(matcherOf)
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
}

/** `n` matches of the pattern one after the other, the pattern starting afresh after each. */
const timesMatcher = <A>(self: Node, n: number): Matcher<Array<A>> => {
  // After a match the pattern starts afresh. A leaf reading both pipes keeps one matcher per pipe, so that a
  // match on one does not throw away the other's partial line.
  const perSource = (self._tag === "Parts" || self._tag === "Lines") && self.sources.length > 1
  const currents = new Map<Source | "any", Matcher<A>>()
  const currentFor = (source: Source) => {
    const key = perSource ? source : "any"
    let matcher = currents.get(key)
    if (matcher === undefined) {
      matcher = matcherOf(self) as Matcher<A>
      currents.set(key, matcher)
    }
    return matcher
  }
  const values: Array<A> = []
  const seen = new SeenText()
  const step = (
    source: Source,
    decide: (matcher: Matcher<A>) => Decision<A> | undefined,
    rest: (
      offset: number
    ) => ((matcher: Matcher<A>) => Decision<A> | undefined) | undefined
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
}

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

/** The pattern's decision, unless one of the failures comes first in the text. */
const failOnMatcher = <A>(self: Node, lifted: ReadonlyArray<Node>): Matcher<A> => {
  const main = matcherOf(self) as Matcher<A>
  const failing = lifted.map(matcherOf)
  const decide = (
    decide: (matcher: Matcher<unknown>) => Decision<unknown> | undefined
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
}
