/**
 * Output patterns as tagged data (`Node`): the leaves (`Parts`: every part appears; `Lines`: a line passes a test)
 * and their combinations (`Any`, `All`, `Times`, `FailOn`), with their constructors and `withSource`. A pattern is
 * interpreted in one place, `matcherOf` in `patternMatchers.ts`, which its `matcher()` calls.
 */
import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import type * as OutputPattern from "../OutputPattern.js"
import { type LineVerdict, matched, matcherOf } from "./patternMatchers.js"

/** @internal */
export const TypeId: OutputPattern.TypeId = Symbol.for("@effect-process/core/OutputPattern") as OutputPattern.TypeId

/** @internal */
export const isOutputPattern = (u: unknown): u is OutputPattern.OutputPattern<unknown> =>
  typeof u === "object" && u !== null && TypeId in u

type Source = OutputPattern.Source

/**
 * The nodes of a pattern: tagged data, interpreted in one place (`matcherOf`, `withSource`). The leaves are `Parts`
 * (every part appears) and `Lines` (a line passes a test); the others combine patterns.
 *
 * @internal
 */
export type Node = PartsNode | LinesNode | AnyNode | AllNode | TimesNode | FailOnNode | InvalidNode

interface NodeBase {
  readonly description: string
  readonly sources: ReadonlyArray<Source>
}

interface PartsNode extends NodeBase {
  readonly _tag: "Parts"
  readonly parts: ReadonlyArray<string>
  readonly selector: OutputPattern.SourceSelector
  /** How the leaf describes itself on stdout (`on stderr` is added for other selectors). */
  readonly name: string
}

interface LinesNode extends NodeBase {
  readonly _tag: "Lines"
  readonly test: (line: string) => Option.Option<LineVerdict<unknown>>
  readonly candidate: ((text: string, from: number) => number) | undefined
  readonly selector: OutputPattern.SourceSelector
  readonly name: string
}

interface AnyNode extends NodeBase {
  readonly _tag: "Any"
  readonly patterns: ReadonlyArray<Node>
}

interface AllNode extends NodeBase {
  readonly _tag: "All"
  readonly patterns: ReadonlyArray<Node>
}

interface TimesNode extends NodeBase {
  readonly _tag: "Times"
  readonly pattern: Node
  readonly n: number
}

interface FailOnNode extends NodeBase {
  readonly _tag: "FailOn"
  readonly pattern: Node
  readonly failures: ReadonlyArray<Node>
}

/** Built from invalid arguments: it fails at its first use, with the reason, instead of throwing where it is built. */
interface InvalidNode extends NodeBase {
  readonly _tag: "Invalid"
}

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

const make = (fields: Node): any => Object.assign(Object.create(Proto), fields)

const nodeOf = (pattern: OutputPattern.OutputPattern<any>): Node => pattern as unknown as Node

const sourcesOf = (selector: OutputPattern.SourceSelector): ReadonlyArray<Source> =>
  selector === "both" ? ["stdout", "stderr"] : [selector]

const describeLeaf = (name: string, selector: OutputPattern.SourceSelector): string =>
  selector === "stdout" ? name : `${name} on ${selector}`

const partsLeaf = (parts: ReadonlyArray<string>, name: string, selector: OutputPattern.SourceSelector) =>
  make({
    _tag: "Parts",
    parts,
    name,
    selector,
    description: describeLeaf(name, selector),
    sources: sourcesOf(selector)
  })

/** @internal */
export const allParts = (
  parts: ReadonlyArray<string>,
  source: OutputPattern.SourceSelector = "stdout"
): OutputPattern.OutputPattern<string> => partsLeaf(parts, `all of ${JSON.stringify(parts)}`, source)

/**
 * A leaf that tests lines (without their `\n` or `\r\n`), reporting where each line ends in the piece that
 * completed it. Lines longer than `MAX_LINE_LENGTH` are cut into pieces of that length, each tested on its own.
 */
const lineLeaf = <A>(
  description: string,
  source: OutputPattern.SourceSelector,
  test: (line: string) => Option.Option<A>
): OutputPattern.OutputPattern<A> => lineDecider(description, source, (line) => Option.map(test(line), matched))

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
  make({
    _tag: "Lines",
    test,
    candidate,
    name: description,
    selector: source,
    description: describeLeaf(description, source),
    sources: sourcesOf(source)
  })

/** @internal */
export const substring = (
  text: string,
  source: OutputPattern.SourceSelector = "stdout"
): OutputPattern.OutputPattern<string> => partsLeaf([text], JSON.stringify(text), source)

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
): OutputPattern.OutputPattern<any> => withSource(nodeOf(self), source)

/** The same pattern reading other sources: leaves are rebuilt, combinations map their children. */
const withSource = (node: Node, source: OutputPattern.SourceSelector): OutputPattern.OutputPattern<any> => {
  switch (node._tag) {
    case "Parts":
      return partsLeaf(node.parts, node.name, source)
    case "Lines":
      return lineDecider(node.name, source, node.test, node.candidate)
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

/** The selector that reads `sources`. */
const selectorOf = (sources: ReadonlyArray<Source>): OutputPattern.SourceSelector =>
  sources.length > 1 ? "both" : sources[0] ?? "stdout"

/**
 * The pipes any of `patterns` reads, in order.
 *
 * @internal
 */
export const union = (patterns: ReadonlyArray<OutputPattern.OutputPattern<unknown>>): ReadonlyArray<Source> =>
  (["stdout", "stderr"] as const).filter((source) => patterns.some((pattern) => pattern.sources.includes(source)))

/** @internal */
export const any = <const Patterns extends ReadonlyArray<OutputPattern.OutputPattern<any>>>(
  ...patterns: Patterns
): OutputPattern.OutputPattern<OutputPattern.OutputPattern.Value<Patterns[number]>> =>
  make({
    _tag: "Any",
    description: `any of (${patterns.map((pattern) => pattern.description).join(", ")})`,
    sources: union(patterns),
    patterns: patterns.map(nodeOf)
  })

/** @internal */
export const all = <const Patterns extends ReadonlyArray<OutputPattern.OutputPattern<any>>>(
  ...patterns: Patterns
): OutputPattern.OutputPattern<{ -readonly [K in keyof Patterns]: OutputPattern.OutputPattern.Value<Patterns[K]> }> =>
  make({
    _tag: "All",
    description: `all of (${patterns.map((pattern) => pattern.description).join(", ")})`,
    sources: union(patterns),
    patterns: patterns.map(nodeOf)
  })

/**
 * A pattern built from invalid arguments: it fails at its first use, with the reason, instead of throwing where it
 * is built or waiting forever.
 */
const invalidPattern = <A>(detail: string): OutputPattern.OutputPattern<A> =>
  make({ _tag: "Invalid", description: detail, sources: ["stdout"] })

/** @internal */
export const times = <A>(self: OutputPattern.OutputPattern<A>, n: number): OutputPattern.OutputPattern<Array<A>> =>
  !(Number.isSafeInteger(n) && n >= 1) ? invalidPattern(`times(${n}): the count must be a positive integer`) : make({
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
  // A failure given as a string or RegExp reads the same pipes as the pattern it guards.
  const lifted = failures.map((failure) => lift(failure, selectorOf(self.sources)))
  return make({
    _tag: "FailOn",
    description: `${self.description}, failing on ${lifted.map((pattern) => pattern.description).join(" or ")}`,
    sources: union([self, ...lifted]),
    pattern: nodeOf(self),
    failures: lifted.map(nodeOf)
  })
}
