/**
 * Output patterns as data: what a reader waits for in a child's output, the leaves (`Parts`: every part appears;
 * `Lines`: a line passes a test) and their combinations (`Any`, `All`, `Times`, `FailOn`), and the incremental
 * `Matcher` that `PatternMatchers.matcherOf` makes of one. An effect system's pattern type is a `Node` with its
 * own methods (`@effect-process/core`'s `OutputPattern` in Effect 3).
 *
 * @since 0.2.0
 */

/**
 * A pipe of the child.
 *
 * @example
 * import type { Patterns } from "@effect-process/engine"
 *
 * const source: Patterns.Source = "stderr"
 *
 * @since 0.2.0
 */
export type Source = "stdout" | "stderr"

/**
 * The pipes a leaf reads: one, or both (each matched on its own, so that lines never mix).
 *
 * @example
 * import type { Patterns } from "@effect-process/engine"
 *
 * const selector: Patterns.SourceSelector = "both"
 *
 * @since 0.2.0
 */
export type SourceSelector = Source | "both"

/**
 * The decision of a matcher: matched (with the value and how many characters of the last piece it consumed), or
 * failed (a line that means the process failed).
 *
 * @example
 * import type { Patterns } from "@effect-process/engine"
 *
 * const matched: Patterns.Decision<number> = { _tag: "Matched", value: 8080, consumed: 17 }
 *
 * @since 0.2.0
 */
export type Decision<A> =
  | { readonly _tag: "Matched"; readonly value: A; readonly consumed: number }
  | {
    readonly _tag: "Failed"
    readonly line: string
    readonly consumed: number
    readonly detail?: string
    /**
     * The pattern itself is invalid (an `Invalid` node, or a line test that broke its contract), not output that
     * means the process failed: its use fails as an invalid argument, with `detail`.
     */
    readonly invalid?: boolean
  }

/**
 * An incremental matcher: fed every piece of output in order, it decides as early as it can.
 *
 * @example
 * import { PatternMatchers, Patterns } from "@effect-process/engine"
 *
 * const matcher = PatternMatchers.matcherOf(Patterns.partsNode(["ready"], "\"ready\"", "stdout"))
 * matcher.feed("starting\nready\n", "stdout") // Matched, with the output seen
 *
 * @since 0.2.0
 */
export interface Matcher<out A> {
  /** Feeds the next piece of text of `source`. `undefined`: no decision yet, everything was consumed. */
  readonly feed: (text: string, source: Source) => Decision<A> | undefined
  /** `source` ended: decide on what is pending (e.g. a last line without `\n`). */
  readonly finish: (source: Source) => Decision<A> | undefined
  /** The output seen so far (its most recent 1 MiB characters), for error context. */
  readonly seen: () => string
}

/**
 * What a line test says of one line: it matched (with a value), or it means the process failed. A test returns
 * `undefined` for a line that says neither.
 *
 * @example
 * import { Patterns } from "@effect-process/engine"
 *
 * const port = (line: string) => {
 *   const match = /listening on (\d+)/.exec(line)
 *   return match ? Patterns.matched(Number(match[1])) : undefined
 * }
 *
 * @since 0.2.0
 */
export type LineVerdict<A> =
  | { readonly _tag: "Match"; readonly value: A }
  | { readonly _tag: "Fail"; readonly detail: string; readonly invalid?: boolean }

/**
 * The verdict of a line that matched, with its value.
 *
 * @example
 * import { Patterns } from "@effect-process/engine"
 *
 * Patterns.matched(42) // { _tag: "Match", value: 42 }
 *
 * @since 0.2.0
 */
export const matched = <A>(value: A): LineVerdict<A> => ({ _tag: "Match", value })

/**
 * The verdict of a line test that broke its contract (a user's parser that returned something it must not): the
 * pattern's use fails as an invalid argument, with `detail`, instead of matching or failing on the output.
 *
 * @example
 * import { Patterns } from "@effect-process/engine"
 *
 * Patterns.invalidVerdict("the parser must return an Option (got null)") // { _tag: "Fail", invalid: true, ... }
 *
 * @since 0.2.0
 */
export const invalidVerdict = (detail: string): LineVerdict<never> => ({ _tag: "Fail", detail, invalid: true })

/**
 * The nodes of a pattern: tagged data, interpreted in one place (`PatternMatchers.matcherOf`). The leaves are
 * `Parts` (every part appears) and `Lines` (a line passes a test); the others combine patterns; `Invalid` was built
 * from invalid arguments and fails at its first use, with the reason, instead of throwing where it is built.
 *
 * @example
 * import type { Patterns } from "@effect-process/engine"
 *
 * const leaves = (node: Patterns.Node): number =>
 *   node._tag === "Any" || node._tag === "All" ? node.patterns.reduce((n, child) => n + leaves(child), 0) : 1
 *
 * @since 0.2.0
 */
export type Node = PartsNode | LinesNode | AnyNode | AllNode | TimesNode | FailOnNode | InvalidNode

/**
 * What every node has: how it describes itself (in errors) and the pipes it reads.
 *
 * @since 0.2.0
 */
export interface NodeBase {
  readonly description: string
  readonly sources: ReadonlyArray<Source>
}

/**
 * A leaf: every part appears somewhere in the output, in any order, across lines.
 *
 * @since 0.2.0
 */
export interface PartsNode extends NodeBase {
  readonly _tag: "Parts"
  readonly parts: ReadonlyArray<string>
  readonly selector: SourceSelector
  /** How the leaf describes itself on stdout (`on stderr` is added for other selectors). */
  readonly name: string
}

/**
 * A leaf: a line passes `test`. `candidate` is an optional prefilter over a text of complete lines: the index, at
 * or after `from`, where the first line that may pass `test` has a character, or -1 when none may.
 *
 * @since 0.2.0
 */
export interface LinesNode extends NodeBase {
  readonly _tag: "Lines"
  readonly test: (line: string) => LineVerdict<unknown> | undefined
  readonly candidate: ((text: string, from: number) => number) | undefined
  readonly selector: SourceSelector
  readonly name: string
}

/**
 * The first of `patterns` to match.
 *
 * @since 0.2.0
 */
export interface AnyNode extends NodeBase {
  readonly _tag: "Any"
  readonly patterns: ReadonlyArray<Node>
}

/**
 * Every one of `patterns`, each matched on its own.
 *
 * @since 0.2.0
 */
export interface AllNode extends NodeBase {
  readonly _tag: "All"
  readonly patterns: ReadonlyArray<Node>
}

/**
 * `pattern` matched `n` times.
 *
 * @since 0.2.0
 */
export interface TimesNode extends NodeBase {
  readonly _tag: "Times"
  readonly pattern: Node
  readonly n: number
}

/**
 * `pattern`, unless one of `failures` matches first.
 *
 * @since 0.2.0
 */
export interface FailOnNode extends NodeBase {
  readonly _tag: "FailOn"
  readonly pattern: Node
  readonly failures: ReadonlyArray<Node>
}

/**
 * Built from invalid arguments: it fails at its first use, with the reason (its description).
 *
 * @since 0.2.0
 */
export interface InvalidNode extends NodeBase {
  readonly _tag: "Invalid"
}

/**
 * The pipes a selector reads.
 *
 * @example
 * import { Patterns } from "@effect-process/engine"
 *
 * Patterns.sourcesOf("both") // ["stdout", "stderr"]
 *
 * @since 0.2.0
 */
export const sourcesOf = (selector: SourceSelector): ReadonlyArray<Source> =>
  selector === "both" ? ["stdout", "stderr"] : [selector]

/**
 * How a leaf describes itself: its name, and the pipe when it is not stdout.
 *
 * @example
 * import { Patterns } from "@effect-process/engine"
 *
 * Patterns.describeLeaf("\"ready\"", "stderr") // "\"ready\" on stderr"
 *
 * @since 0.2.0
 */
export const describeLeaf = (name: string, selector: SourceSelector): string =>
  selector === "stdout" ? name : `${name} on ${selector}`

/**
 * A `Parts` leaf, as data.
 *
 * @example
 * import { Patterns } from "@effect-process/engine"
 *
 * const ready = Patterns.partsNode(["listening", "connected"], "all of both", "stdout")
 *
 * @since 0.2.0
 */
export const partsNode = (parts: ReadonlyArray<string>, name: string, selector: SourceSelector): PartsNode => ({
  _tag: "Parts",
  parts,
  name,
  selector,
  description: describeLeaf(name, selector),
  sources: sourcesOf(selector)
})

/**
 * A `Lines` leaf, as data.
 *
 * @example
 * import { Patterns } from "@effect-process/engine"
 *
 * const ok = Patterns.linesNode("a line \"ok\"", "stdout", (line) => line === "ok" ? Patterns.matched(line) : undefined)
 *
 * @since 0.2.0
 */
export const linesNode = (
  name: string,
  selector: SourceSelector,
  test: (line: string) => LineVerdict<unknown> | undefined,
  candidate?: ((text: string, from: number) => number) | undefined
): LinesNode => ({
  _tag: "Lines",
  test,
  candidate,
  name,
  selector,
  description: describeLeaf(name, selector),
  sources: sourcesOf(selector)
})

/**
 * A line test for `pattern` and a prefilter that finds the first line that may match in one search over many lines
 * (`m`: ^ and $ at line ends); that line is then tested on its own, so a match across lines is never taken.
 * Lookarounds could see across a line end and miss a line that matches on its own: those patterns test every line.
 * A global or sticky RegExp keeps state between `exec` calls, which a per-line test must not: it is copied without.
 *
 * @example
 * import { Patterns } from "@effect-process/engine"
 *
 * const { candidate, test } = Patterns.regexTest(/listening on (\d+)/)
 * test("listening on 8080") // { _tag: "Match", value: [...] }
 *
 * @since 0.2.0
 */
export const regexTest = (pattern: RegExp): {
  readonly test: (line: string) => LineVerdict<RegExpExecArray> | undefined
  readonly candidate: ((text: string, from: number) => number) | undefined
} => {
  const flags = pattern.flags.replace(/[gy]/g, "")
  const re = pattern.global || pattern.sticky ? new RegExp(pattern.source, flags) : pattern
  const across = /\(\?<?[=!]/.test(pattern.source)
    ? undefined
    : new RegExp(pattern.source, flags.replace("m", "") + "gm")
  return {
    test: (line) => {
      const match = re.exec(line)
      return match === null ? undefined : matched(match)
    },
    candidate: across === undefined ? undefined : (text, from) => {
      across.lastIndex = from
      return across.exec(text)?.index ?? -1
    }
  }
}

/**
 * The pipes any of `patterns` reads, in order.
 *
 * @example
 * import { Patterns } from "@effect-process/engine"
 *
 * Patterns.union([Patterns.partsNode(["x"], "x", "stderr")]) // ["stderr"]
 *
 * @since 0.2.0
 */
export const union = (patterns: ReadonlyArray<NodeBase>): ReadonlyArray<Source> =>
  (["stdout", "stderr"] as const).filter((source) => patterns.some((pattern) => pattern.sources.includes(source)))

/**
 * The selector that reads `sources`.
 *
 * @example
 * import { Patterns } from "@effect-process/engine"
 *
 * Patterns.selectorOf(["stdout", "stderr"]) // "both"
 *
 * @since 0.2.0
 */
export const selectorOf = (sources: ReadonlyArray<Source>): SourceSelector =>
  sources.length > 1 ? "both" : sources[0] ?? "stdout"

/**
 * An `Invalid` node: built from invalid arguments, it fails at its first use with `detail` (its description).
 *
 * @example
 * import { Patterns } from "@effect-process/engine"
 *
 * const bad = Patterns.invalidNode("OutputPattern.regex: the pattern must be a RegExp (got a string)")
 *
 * @since 0.2.0
 */
export const invalidNode = (detail: string): InvalidNode => ({
  _tag: "Invalid",
  description: detail,
  sources: ["stdout"]
})

/**
 * The first `Invalid` node of a pattern, depth first, or `undefined`: a use of a pattern looks for one before it
 * reads anything, so that an invalid part fails the whole pattern at once, whatever it is nested in.
 *
 * @example
 * import { Patterns } from "@effect-process/engine"
 *
 * Patterns.findInvalid(Patterns.partsNode(["ready"], "\"ready\"", "stdout")) // undefined
 *
 * @since 0.2.0
 */
export const findInvalid = (node: Node): InvalidNode | undefined => {
  switch (node._tag) {
    case "Invalid":
      return node
    case "Parts":
    case "Lines":
      return undefined
    case "Any":
    case "All":
      return firstInvalid(node.patterns)
    case "Times":
      return findInvalid(node.pattern)
    case "FailOn":
      return findInvalid(node.pattern) ?? firstInvalid(node.failures)
  }
}

const firstInvalid = (nodes: ReadonlyArray<Node>): InvalidNode | undefined => {
  for (const node of nodes) {
    const invalid = findInvalid(node)
    if (invalid !== undefined) return invalid
  }
  return undefined
}
