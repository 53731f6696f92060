/**
 * Output patterns: what `waitForOutput` waits for. A pattern is matched incrementally, in one pass over the output
 * as it arrives: no accumulated buffer is searched again, and a part that straddles two chunks is still found.
 *
 * Line-based patterns (`regex`, `line`) look at one line at a time (without its `\n` or `\r\n`); a line longer than
 * 1 MiB characters is cut into pieces of that length, each tested on its own. Text patterns (`allParts`,
 * `substring`) look at the text itself, across lines.
 *
 * @since 0.1.0
 */
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
 * A description of output to wait for, whose match yields an `A`.
 *
 * @since 0.1.0
 * @category models
 */
export interface OutputPattern<out A> extends Pipeable {
  readonly [TypeId]: TypeId
  /** How the pattern is described in errors and logs. */
  readonly description: string
  /** A fresh incremental matcher. */
  readonly matcher: () => Matcher<A>
}

/**
 * The decision of a matcher: matched (with the value and how many characters of the last piece it consumed), or
 * failed (a line that means the process failed).
 *
 * @since 0.1.0
 * @category models
 */
export type Decision<A> =
  | { readonly _tag: "Matched"; readonly value: A; readonly consumed: number }
  | { readonly _tag: "Failed"; readonly line: string; readonly consumed: number }

/**
 * An incremental matcher: fed every piece of output in order, it decides as early as it can.
 *
 * @since 0.1.0
 * @category models
 */
export interface Matcher<out A> {
  /** Feeds the next piece of text. `undefined` means: no decision yet, everything was consumed. */
  readonly feed: (text: string) => Decision<A> | undefined
  /** The output ended: decide on what is pending (e.g. a last line without `\n`). */
  readonly finish: () => Decision<A> | undefined
  /** The output seen so far (its most recent 1 MiB characters), for error context. */
  readonly seen: () => string
}

/**
 * Whether `u` is an `OutputPattern`.
 *
 * @example
 * import { OutputPattern } from "@effect-process/core"
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
 * import { OutputPattern } from "@effect-process/core"
 *
 * // a go-plugin handshake line: 1|1|tcp|127.0.0.1:1234|grpc
 * const handshake = OutputPattern.allParts(["|", "tcp", "grpc"])
 *
 * @since 0.1.0
 * @category constructors
 */
export const allParts: (parts: ReadonlyArray<string>) => OutputPattern<string> = internal.allParts

/**
 * The text appears in the output (possibly across chunk boundaries). Yields the output seen, as `allParts`.
 *
 * @example
 * import { OutputPattern } from "@effect-process/core"
 *
 * const ready = OutputPattern.substring("ready")
 *
 * @since 0.1.0
 * @category constructors
 */
export const substring: (text: string) => OutputPattern<string> = internal.substring

/**
 * A line matches the regular expression. Yields the match (groups included).
 *
 * @example
 * import { OutputPattern } from "@effect-process/core"
 *
 * const port = OutputPattern.regex(/listening on (\d+)/)
 *
 * @since 0.1.0
 * @category constructors
 */
export const regex: (pattern: RegExp) => OutputPattern<RegExpExecArray> = internal.regex

/**
 * A line the parser accepts. Yields the parsed value.
 *
 * @example
 * import { Option } from "effect"
 * import { OutputPattern } from "@effect-process/core"
 *
 * const port = OutputPattern.line((line) => {
 *   const match = /listening on (\d+)/.exec(line)
 *   return match ? Option.some(Number(match[1])) : Option.none()
 * })
 *
 * @since 0.1.0
 * @category constructors
 */
export const line: <A>(parse: (line: string) => Option.Option<A>, description?: string) => OutputPattern<A> =
  internal.line
