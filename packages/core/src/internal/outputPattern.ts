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

/** @internal */
export const MAX_SEEN_LENGTH = 1024 * 1024

const Proto = {
  [TypeId]: TypeId,
  pipe() {
    return pipeArguments(this, arguments)
  },
  toString(this: OutputPattern.OutputPattern<unknown>) {
    return `OutputPattern(${this.description})`
  }
}

/** @internal */
export const make = <A>(
  description: string,
  matcher: () => OutputPattern.Matcher<A>
): OutputPattern.OutputPattern<A> => {
  const self = Object.create(Proto)
  self.description = description
  self.matcher = matcher
  return self
}

/**
 * Keeps the most recent `limit` characters of the text seen, for return values and error context.
 *
 * @internal
 */
export class SeenText {
  private text = ""
  constructor(private readonly limit: number = MAX_SEEN_LENGTH) {}
  append(piece: string): void {
    this.text += piece
    if (this.text.length > this.limit * 2) this.text = this.text.slice(-this.limit)
  }
  get value(): string {
    return this.text.length > this.limit ? this.text.slice(-this.limit) : this.text
  }
}

/** @internal */
export const allParts = (parts: ReadonlyArray<string>): OutputPattern.OutputPattern<string> =>
  make(`all of ${JSON.stringify(parts)}`, () => {
    const found = parts.map(() => false)
    let remaining = parts.length
    const overlap = Math.max(0, ...parts.map((part) => part.length - 1))
    let carry = ""
    const seen = new SeenText()
    return {
      feed(text) {
        const window = carry + text
        let end = 0
        for (let i = 0; i < parts.length; i++) {
          if (found[i]) continue
          const index = window.indexOf(parts[i]!)
          if (index < 0) continue
          found[i] = true
          remaining--
          end = Math.max(end, index + parts[i]!.length - carry.length)
        }
        if (remaining === 0) {
          // Like the reference (which reads whole lines), the match takes the rest of its line when it has arrived.
          const newline = text.indexOf("\n", Math.max(0, end - 1))
          const consumed = newline < 0 ? text.length : newline + 1
          seen.append(text.slice(0, consumed))
          return { _tag: "Matched", value: seen.value, consumed }
        }
        seen.append(text)
        carry = overlap === 0 ? "" : window.slice(-overlap)
        return undefined
      },
      finish: () => undefined,
      seen: () => seen.value
    }
  })

/**
 * Splits text fed in arbitrary pieces into lines (without their `\n` or `\r\n`), reporting where each line ends in
 * the piece that completed it. Lines longer than `MAX_LINE_LENGTH` are cut into pieces of that length.
 *
 * @internal
 */
export const lineMatcher = <A>(
  description: string,
  test: (line: string) => Option.Option<A>
): OutputPattern.OutputPattern<A> =>
  make(description, () => {
    let current = ""
    const seen = new SeenText()
    return {
      feed(text) {
        let start = 0
        while (start < text.length) {
          const newline = text.indexOf("\n", start)
          const stop = newline < 0 ? text.length : newline
          const room = MAX_LINE_LENGTH - current.length
          if (stop - start > room) {
            // The line is longer than the cap: test the cut piece on its own.
            const cut = start + room
            const result = test(current + text.slice(start, cut))
            current = ""
            if (Option.isSome(result)) {
              seen.append(text.slice(0, cut))
              return { _tag: "Matched", value: result.value, consumed: cut }
            }
            start = cut
            continue
          }
          if (newline < 0) {
            current += text.slice(start)
            break
          }
          const line = current + text.slice(start, newline)
          current = ""
          start = newline + 1
          const result = test(line.endsWith("\r") ? line.slice(0, -1) : line)
          if (Option.isSome(result)) {
            seen.append(text.slice(0, start))
            return { _tag: "Matched", value: result.value, consumed: start }
          }
        }
        seen.append(text)
        return undefined
      },
      finish() {
        if (current.length === 0) return undefined
        const result = test(current)
        return Option.isSome(result) ? { _tag: "Matched", value: result.value, consumed: 0 } : undefined
      },
      seen: () => seen.value
    }
  })

/** @internal */
export const substring = (text: string): OutputPattern.OutputPattern<string> => {
  const inner = allParts([text])
  return make(JSON.stringify(text), inner.matcher)
}

/** @internal */
export const regex = (pattern: RegExp): OutputPattern.OutputPattern<RegExpExecArray> => {
  // A global or sticky RegExp keeps state between `exec` calls; a per-line test must not.
  const re = pattern.global || pattern.sticky ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, "")) : pattern
  return lineMatcher(String(pattern), (line) => Option.fromNullable(re.exec(line)))
}

/** @internal */
export const line = <A>(
  parse: (line: string) => Option.Option<A>,
  description = "a line the parser accepts"
): OutputPattern.OutputPattern<A> => lineMatcher(description, parse)
