// Generated from packages/core/src/internal/outputPattern.ts by scripts/effect4-sources.mjs: edit that file, not this one.
/**
 * Output patterns: the engine's tagged data (`Patterns.Node`, shared by every line of the library), each node an
 * object with Effect 3's `pipe`, its `matcher()` (the engine's interpreter, `PatternMatchers.matcherOf`) and the
 * constructors with Effect's `Option` where a user gives a parser.
 */
import { shown, typeName } from "@effect-process/engine/LaunchOptions"
import { matcherOf } from "@effect-process/engine/PatternMatchers"
import * as Patterns from "@effect-process/engine/Patterns"
import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import type * as OutputPattern from "../OutputPattern.js"

/** @internal */
export const TypeId: OutputPattern.TypeId = Symbol.for("effect-process/OutputPattern") as OutputPattern.TypeId

/** @internal */
export const isOutputPattern = (u: unknown): u is OutputPattern.OutputPattern<unknown> =>
  typeof u === "object" && u !== null && TypeId in u

type Source = OutputPattern.Source

/**
 * The nodes of a pattern (see `@effect-process/engine`'s `Patterns`).
 *
 * @internal
 */
export type Node = Patterns.Node

/** @internal */
export type LineVerdict<A> = Patterns.LineVerdict<A>

const Proto = {
  [TypeId]: TypeId,
  pipe() {
    return pipeArguments(this, arguments)
  },
  matcher(this: Node) {
    return matcherOf(this)
  },
  toString(this: OutputPattern.OutputPattern<unknown>) {
    return `OutputPattern(${this.description})`
  }
}

const make = (node: Node): any => Object.assign(Object.create(Proto), node)

const nodeOf = (pattern: OutputPattern.OutputPattern<any>): Node => pattern as unknown as Node

const partsLeaf = (parts: ReadonlyArray<string>, name: string, selector: OutputPattern.SourceSelector) =>
  make(Patterns.partsNode(parts, name, selector))

/**
 * What is wrong with `parts` as an array of strings, or `undefined` when nothing is. Never throws.
 */
const partsProblem = (parts: unknown): string | undefined => {
  if (!Array.isArray(parts)) return `got ${typeName(parts)}`
  for (let i = 0; i < parts.length; i++) {
    if (typeof parts[i] !== "string") return `part ${i} is ${typeName(parts[i])}`
  }
  return undefined
}

/** @internal */
export const allParts = (
  parts: ReadonlyArray<string>,
  source: OutputPattern.SourceSelector = "stdout"
): OutputPattern.OutputPattern<string> => {
  const problem = partsProblem(parts)
  return problem !== undefined
    ? invalidPattern(`OutputPattern.allParts: the parts must be an array of strings (${problem})`)
    : partsLeaf(parts, `all of ${JSON.stringify(parts)}`, source)
}

/**
 * The pattern an operation is given as an array of strings (every part appears) or an `OutputPattern`; anything
 * else is an invalid pattern that fails the operation with `InvalidCommand`, naming it.
 *
 * @internal
 */
export const resolve = <A>(
  operation: string,
  pattern: ReadonlyArray<string> | OutputPattern.OutputPattern<A>
): OutputPattern.OutputPattern<A> => {
  if (isOutputPattern(pattern)) return pattern as OutputPattern.OutputPattern<A>
  const problem = partsProblem(pattern)
  return problem === undefined
    ? allParts(pattern as ReadonlyArray<string>) as OutputPattern.OutputPattern<A>
    : invalidPattern(
      Array.isArray(pattern)
        ? `${operation}: the parts must be strings (${problem})`
        : `${operation}: the pattern must be an array of strings or an OutputPattern (${problem})`
    )
}

/**
 * The first `Invalid` part of a pattern (see `Patterns.findInvalid`), its detail for the `InvalidCommand` of the
 * operation that uses it; a value that is not a pattern at all is one too.
 *
 * @internal
 */
export const invalidDetail = (pattern: unknown): string | undefined =>
  isOutputPattern(pattern)
    ? Patterns.findInvalid(nodeOf(pattern))?.description
    : `the pattern must be an OutputPattern (got ${typeName(pattern)})`

/**
 * A leaf that tests lines (without their `\n` or `\r\n`), reporting where each line ends in the piece that
 * completed it. Lines longer than `MAX_LINE_LENGTH` are cut into pieces of that length, each tested on its own.
 */
const lineLeaf = <A>(
  description: string,
  source: OutputPattern.SourceSelector,
  test: (line: string) => Option.Option<A>
): OutputPattern.OutputPattern<A> =>
  make(Patterns.linesNode(description, source, (line) => {
    const value = test(line)
    // A parser that returns something other than an Option (null for "no match", a bare value) broke its
    // contract: refused, rather than read as "no match" and waited on until a timeout that would hide the bug.
    if (!Option.isOption(value)) {
      return Patterns.invalidVerdict(`OutputPattern.line: the parser must return an Option (got ${typeName(value)})`)
    }
    return Option.isSome(value) ? Patterns.matched(value.value) : undefined
  }))

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
  make(Patterns.linesNode(description, source, (line) => Option.getOrUndefined(test(line)), candidate))

/** @internal */
export const substring = (
  text: string,
  source: OutputPattern.SourceSelector = "stdout"
): OutputPattern.OutputPattern<string> =>
  typeof text !== "string"
    ? invalidPattern(`OutputPattern.substring: the text must be a string (got ${typeName(text)})`)
    : partsLeaf([text], JSON.stringify(text), source)

/** @internal */
export const regex = (
  pattern: RegExp,
  source: OutputPattern.SourceSelector = "stdout"
): OutputPattern.OutputPattern<RegExpExecArray> => {
  if (!(pattern instanceof RegExp)) {
    return invalidPattern(`OutputPattern.regex: the pattern must be a RegExp (got ${typeName(pattern)})`)
  }
  const { candidate, test } = Patterns.regexTest(pattern)
  return make(Patterns.linesNode(String(pattern), source, test, candidate))
}

/** @internal */
export const line = <A>(
  parse: (line: string) => Option.Option<A>,
  description = "a line the parser accepts",
  source: OutputPattern.SourceSelector = "stdout"
): OutputPattern.OutputPattern<A> =>
  typeof parse !== "function"
    ? invalidPattern(`OutputPattern.line: the parser must be a function (got ${typeName(parse)})`)
    : typeof description !== "string"
    ? invalidPattern(`OutputPattern.line: the description must be a string (got ${typeName(description)})`)
    : lineLeaf(description, source, parse)

const SELECTORS: ReadonlyArray<unknown> = ["stdout", "stderr", "both"]

/** @internal */
export const fromSource = (
  self: OutputPattern.OutputPattern<any>,
  source: OutputPattern.SourceSelector
): OutputPattern.OutputPattern<any> =>
  !isOutputPattern(self)
    ? invalidPattern(`OutputPattern.fromSource: not an OutputPattern (got ${typeName(self)})`)
    : !SELECTORS.includes(source)
    ? invalidPattern(`OutputPattern.fromSource: the source must be "stdout", "stderr" or "both" (got ${shown(source)})`)
    : withSource(nodeOf(self), source)

/** The index of the first of `values` that is not an `OutputPattern`, or -1. */
const notAPattern = (values: ReadonlyArray<unknown>): number => values.findIndex((value) => !isOutputPattern(value))

/** The same pattern reading other sources: leaves are rebuilt, combinations map their children. */
const withSource = (node: Node, source: OutputPattern.SourceSelector): OutputPattern.OutputPattern<any> => {
  switch (node._tag) {
    case "Parts":
      return partsLeaf(node.parts, node.name, source)
    case "Lines":
      return make(Patterns.linesNode(node.name, source, node.test, node.candidate))
    case "Any":
      return any(...node.patterns.map((pattern) => withSource(pattern, source)))
    case "All":
      return all(...node.patterns.map((pattern) => withSource(pattern, source)))
    case "Times":
      return times(withSource(node.pattern, source), node.n)
    case "FailOn":
      return failOn(withSource(node.pattern, source), node.failures.map((pattern) => withSource(pattern, source)))
    case "Invalid":
      return make(node)
  }
}

const lift = (
  input: OutputPattern.PatternInput,
  source: OutputPattern.SourceSelector = "stdout"
): OutputPattern.OutputPattern<unknown> =>
  typeof input === "string" ? substring(input, source) : input instanceof RegExp ? regex(input, source) : input

/**
 * The pipes any of `patterns` reads, in order.
 *
 * @internal
 */
export const union = (patterns: ReadonlyArray<OutputPattern.OutputPattern<unknown>>): ReadonlyArray<Source> =>
  Patterns.union(patterns)

/** @internal */
export const any = <const Patterns extends ReadonlyArray<OutputPattern.OutputPattern<any>>>(
  ...patterns: Patterns
): OutputPattern.OutputPattern<OutputPattern.OutputPattern.Value<Patterns[number]>> =>
  notAPattern(patterns) >= 0 ? notAPatternIn("any", patterns) : make({
    _tag: "Any",
    description: `any of (${patterns.map((pattern) => pattern.description).join(", ")})`,
    sources: union(patterns),
    patterns: patterns.map(nodeOf)
  })

/** @internal */
export const all = <const Patterns extends ReadonlyArray<OutputPattern.OutputPattern<any>>>(
  ...patterns: Patterns
): OutputPattern.OutputPattern<{ -readonly [K in keyof Patterns]: OutputPattern.OutputPattern.Value<Patterns[K]> }> =>
  notAPattern(patterns) >= 0 ? notAPatternIn("all", patterns) : make({
    _tag: "All",
    description: `all of (${patterns.map((pattern) => pattern.description).join(", ")})`,
    sources: union(patterns),
    patterns: patterns.map(nodeOf)
  })

/**
 * A pattern built from invalid arguments: it fails at its first use, with the reason, instead of throwing where it
 * is built or waiting forever.
 */
const invalidPattern = <A>(detail: string): OutputPattern.OutputPattern<A> => make(Patterns.invalidNode(detail))

const notAPatternIn = <A>(combinator: string, patterns: ReadonlyArray<unknown>): OutputPattern.OutputPattern<A> => {
  const i = notAPattern(patterns)
  return invalidPattern(
    `OutputPattern.${combinator}: argument ${i + 1} is not an OutputPattern (got ${typeName(patterns[i])})`
  )
}

/** @internal */
export const times = <A>(self: OutputPattern.OutputPattern<A>, n: number): OutputPattern.OutputPattern<Array<A>> =>
  !isOutputPattern(self)
    ? invalidPattern(`OutputPattern.times: not an OutputPattern (got ${typeName(self)})`)
    : !(Number.isSafeInteger(n) && n >= 1)
    ? invalidPattern(`OutputPattern.times: the count must be a positive integer (got ${shown(n)})`)
    : make({
      _tag: "Times",
      description: `${n} times ${self.description}`,
      sources: self.sources,
      pattern: nodeOf(self),
      n
    })

/** @internal */
export const failOn = <A>(
  self: OutputPattern.OutputPattern<A>,
  failures: ReadonlyArray<OutputPattern.PatternInput>
): OutputPattern.OutputPattern<A> => {
  if (!isOutputPattern(self)) {
    return invalidPattern(`OutputPattern.failOn: not an OutputPattern (got ${typeName(self)})`)
  }
  if (!Array.isArray(failures)) {
    return invalidPattern(
      `OutputPattern.failOn: the failures must be an array of strings, RegExps or OutputPatterns (got ${
        typeName(failures)
      })`
    )
  }
  const wrong = failures.findIndex((failure) =>
    typeof failure !== "string" && !(failure instanceof RegExp) && !isOutputPattern(failure)
  )
  if (wrong >= 0) {
    return invalidPattern(
      `OutputPattern.failOn: failure ${wrong + 1} is not a string, a RegExp or an OutputPattern (got ${
        typeName(failures[wrong])
      })`
    )
  }
  // A failure given as a string or RegExp reads the same pipes as the pattern it guards.
  const lifted = failures.map((failure) => lift(failure, Patterns.selectorOf(self.sources)))
  return make({
    _tag: "FailOn",
    description: `${self.description}, failing on ${lifted.map((pattern) => pattern.description).join(" or ")}`,
    sources: union([self, ...lifted]),
    pattern: nodeOf(self),
    failures: lifted.map(nodeOf)
  })
}
