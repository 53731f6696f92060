// Generated from packages/core/src/OutputPattern.ts by scripts/effect4-sources.mjs: edit that file, not this one.
/**
 * Output patterns: what `waitForOutput` and output readiness wait for. A pattern is matched incrementally, in one
 * pass over the output as it arrives: no accumulated buffer is searched again, a part that straddles two chunks is
 * still found, and memory stays bounded.
 *
 * - Text patterns (`allParts`, `substring`) look at the text itself, across lines. A match takes the rest of the
 *   line it completes when that line's end has arrived (the reference reads whole lines), else the output so far.
 * - Line patterns (`regex`, `line`) test one line at a time, without its `\n` or `\r\n`; a last line without `\n`
 *   is tested when the output ends. A line longer than 1 MiB characters is tested in pieces of 1 MiB, each starting
 *   with the last 64 KiB of the piece before: a match shorter than 64 KiB is found even where it straddles a cut.
 * - Patterns read stdout unless moved with `fromSource` (stderr, or both: each pipe is matched on its own, so lines
 *   of the two never mix). Combinators: `any`, `all`, `times`, `failOn`.
 * - Building a pattern never throws. Given an argument of the wrong kind (a string where a RegExp is asked, a
 *   count that is not a positive integer, something that is not a pattern), a constructor builds an invalid
 *   pattern: its use (`waitForOutput`, `Readiness.output`, a health check), and the use of anything built from it,
 *   fails with `ProcessError` `InvalidCommand` naming the argument, before any output is read.
 *
 * @since 0.1.0
 */
import type * as Patterns from "@effect-process/engine/Patterns"
import { dual } from "effect/Function"
import type * as Option from "effect/Option"
import type { Pipeable } from "effect/Pipeable"
import * as internal from "./internal/outputPattern.js"

/**
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: unique symbol = internal.TypeId as TypeId

/**
 * One of the two output pipes.
 *
 * @since 0.1.0
 * @category models
 */
export type Source = Patterns.Source

/**
 * Which pipes a pattern reads.
 *
 * @since 0.1.0
 * @category models
 */
export type SourceSelector = Patterns.SourceSelector

/**
 * A description of output to wait for, whose match yields an `A`.
 *
 * @since 0.1.0
 * @category models
 */
export interface OutputPattern<out A> extends Pipeable {
  readonly [TypeId]: TypeId
  /**
   * What kind of pattern it is: a leaf (`Parts`: every part appears; `Lines`: a line passes a test) or a
   * combination. Patterns are data, interpreted in one place when a matcher is made.
   */
  readonly _tag: "Parts" | "Lines" | "Any" | "All" | "Times" | "FailOn" | "Invalid"
  /** How the pattern is described in errors and logs. */
  readonly description: string
  /** The pipes it reads. */
  readonly sources: ReadonlyArray<Source>
  /** A fresh incremental matcher. */
  readonly matcher: () => Matcher<A>
}

/**
 * @since 0.1.0
 */
export declare namespace OutputPattern {
  /**
   * The value a pattern yields.
   *
   * @since 0.1.0
   * @category models
   */
  export type Value<P> = P extends OutputPattern<infer A> ? A : never
}

/**
 * What the combinators accept: a pattern, a string (`substring`) or a RegExp (`regex`).
 *
 * @since 0.1.0
 * @category models
 */
export type PatternInput = OutputPattern<unknown> | string | RegExp

/**
 * The decision of a matcher: matched (with the value and how many characters of the last piece it consumed), or
 * failed (a line that means the process failed).
 *
 * @since 0.1.0
 * @category models
 */
export type Decision<A> = Patterns.Decision<A>

/**
 * An incremental matcher: fed every piece of output in order, it decides as early as it can.
 *
 * @since 0.1.0
 * @category models
 */
export type Matcher<A> = Patterns.Matcher<A>

/**
 * Whether `u` is an `OutputPattern`.
 *
 * @example
 * import { OutputPattern } from "effect-process"
 *
 * OutputPattern.isOutputPattern(OutputPattern.substring("ready")) // true
 *
 * @since 0.1.0
 * @category guards
 */
export const isOutputPattern: (u: unknown) => u is OutputPattern<unknown> = internal.isOutputPattern

/**
 * Every part appears somewhere in the output (in any order, across lines): the reference's
 * `wait_for_process_output` semantics. Yields the output seen through the end of the line that completed the match
 * (through the output received so far, when that line has no `\n` yet); a following read starts after it.
 * An empty list matches at once with `""`.
 *
 * @example
 * import { OutputPattern } from "effect-process"
 *
 * // a go-plugin handshake line: 1|1|tcp|127.0.0.1:1234|grpc
 * const handshake = OutputPattern.allParts(["|", "tcp", "grpc"])
 *
 * @since 0.1.0
 * @category constructors
 */
export const allParts: (parts: ReadonlyArray<string>) => OutputPattern<string> = (parts) => internal.allParts(parts)

/**
 * The text appears in the output (possibly across chunk boundaries). Yields the output seen, as `allParts`.
 *
 * @example
 * import { OutputPattern } from "effect-process"
 *
 * const ready = OutputPattern.substring("ready")
 *
 * @since 0.1.0
 * @category constructors
 */
export const substring: (text: string) => OutputPattern<string> = (text) => internal.substring(text)

/**
 * A line matches the regular expression. Yields the match (groups included; `input` is the line).
 *
 * @example
 * import { OutputPattern } from "effect-process"
 *
 * const port = OutputPattern.regex(/listening on (\d+)/)
 *
 * @since 0.1.0
 * @category constructors
 */
export const regex: (pattern: RegExp) => OutputPattern<RegExpExecArray> = (pattern) => internal.regex(pattern)

/**
 * A line the parser accepts. Yields the parsed value. The parser returns an `Option` for every line: anything else
 * (`null` or `undefined` for "no match", a bare value) is a broken parser, and fails the read with `ProcessError`
 * `InvalidCommand` rather than being taken as "no match" and waited on until a timeout.
 *
 * @example
 * import { Option } from "effect"
 * import { OutputPattern } from "effect-process"
 *
 * const port = OutputPattern.line((line) => {
 *   const match = /listening on (\d+)/.exec(line)
 *   return match ? Option.some(Number(match[1])) : Option.none()
 * })
 *
 * @since 0.1.0
 * @category constructors
 */
export const line: <A>(parse: (line: string) => Option.Option<A>, description?: string) => OutputPattern<A> = (
  parse,
  description
) => internal.line(parse, description)

/**
 * The same pattern, reading stderr, or both pipes (each matched on its own).
 *
 * @example
 * import { OutputPattern } from "effect-process"
 *
 * const started = OutputPattern.regex(/database system is ready/).pipe(OutputPattern.fromSource("stderr"))
 *
 * @since 0.1.0
 * @category combinators
 */
export const fromSource: {
  (source: SourceSelector): <A>(self: OutputPattern<A>) => OutputPattern<A>
  <A>(self: OutputPattern<A>, source: SourceSelector): OutputPattern<A>
} = dual(2, <A>(self: OutputPattern<A>, source: SourceSelector): OutputPattern<A> => internal.fromSource(self, source))

/**
 * The first of the patterns to match (earliest in the output) decides.
 *
 * @example
 * import { OutputPattern } from "effect-process"
 *
 * const up = OutputPattern.any(OutputPattern.substring("ready"), OutputPattern.substring("already running"))
 *
 * @since 0.1.0
 * @category combinators
 */
export const any: <const Patterns extends ReadonlyArray<OutputPattern<any>>>(
  ...patterns: Patterns
) => OutputPattern<OutputPattern.Value<Patterns[number]>> = internal.any

/**
 * Every pattern matches, in any order. Yields their values as a tuple.
 *
 * @example
 * import { OutputPattern } from "effect-process"
 *
 * const both = OutputPattern.all(OutputPattern.regex(/http on (\d+)/), OutputPattern.regex(/grpc on (\d+)/))
 *
 * @since 0.1.0
 * @category combinators
 */
export const all: <const Patterns extends ReadonlyArray<OutputPattern<any>>>(
  ...patterns: Patterns
) => OutputPattern<{ -readonly [K in keyof Patterns]: OutputPattern.Value<Patterns[K]> }> = internal.all

/**
 * The pattern matches `n` times (Testcontainers' `forLogMessage(re, times)`). Yields the `n` values.
 *
 * @example
 * import { OutputPattern } from "effect-process"
 *
 * // PostgreSQL prints this twice during its first start
 * const ready = OutputPattern.regex(/ready to accept connections/).pipe(OutputPattern.times(2))
 *
 * @since 0.1.0
 * @category combinators
 */
export const times: {
  (n: number): <A>(self: OutputPattern<A>) => OutputPattern<Array<A>>
  <A>(self: OutputPattern<A>, n: number): OutputPattern<Array<A>>
} = dual(2, <A>(self: OutputPattern<A>, n: number): OutputPattern<Array<A>> => internal.times(self, n))

/**
 * Fails (with `ProcessError` `ReadinessFailed`, naming the line) as soon as one of `failures` matches before the
 * pattern does. Strings are substrings, RegExps are per-line.
 *
 * @example
 * import { OutputPattern } from "effect-process"
 *
 * const ready = OutputPattern.substring("listening").pipe(OutputPattern.failOn(["Unable to start", /FATAL/]))
 *
 * @since 0.1.0
 * @category combinators
 */
export const failOn: {
  (failures: ReadonlyArray<PatternInput>): <A>(self: OutputPattern<A>) => OutputPattern<A>
  <A>(self: OutputPattern<A>, failures: ReadonlyArray<PatternInput>): OutputPattern<A>
} = dual(
  2,
  <A>(self: OutputPattern<A>, failures: ReadonlyArray<PatternInput>): OutputPattern<A> =>
    internal.failOn(self, failures)
)
