/**
 * Output quoted for an error message: JSON-quoted, with the characters JSON leaves as they are but a terminal acts
 * on escaped too (DEL, the C1 controls, the bidirectional overrides), and cut from the front to a length that
 * counts the escapes, on whole code points, with the quote always closed.
 */

/** Characters JSON does not escape that can still garble or disguise a message in a terminal. */
const UNSAFE = /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g

/**
 * `quoted` (JSON-quoted already) with the characters JSON leaves as they are escaped.
 *
 * @example
 * import { Quote } from "@effect-process/engine"
 *
 * Quote.escapeUnsafe(JSON.stringify("a\u202eb")) // "\"a\\u202eb\"": the bidi override is escaped
 *
 * @since 0.2.0
 */
export const escapeUnsafe = (quoted: string): string =>
  quoted.replace(UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`)

/**
 * `text` quoted, at most `maxLength` characters as quoted; when cut, its end is kept, after "…".
 *
 * @example
 * import { Quote } from "@effect-process/engine"
 *
 * Quote.quoteTail("a long line of output", 10) // "\"…output\""
 *
 * @since 0.2.0
 */
export const quoteTail = (text: string, maxLength: number): string => quoteCut(text, maxLength, "end")

/**
 * `text` quoted, at most `maxLength` characters as quoted; when cut, its start is kept, before "…".
 *
 * @example
 * import { Quote } from "@effect-process/engine"
 *
 * Quote.quoteHead("a long line of output", 10) // "\"a long…\""
 *
 * @since 0.2.0
 */
export const quoteHead = (text: string, maxLength: number): string => quoteCut(text, maxLength, "start")

const quoteCut = (text: string, maxLength: number, keep: "start" | "end"): string => {
  const quoted = escapeUnsafe(JSON.stringify(text))
  if (quoted.length <= maxLength) return quoted
  // Whole code points (and their escapes) from the kept end, as many as fit.
  const chars = Array.from(keep === "end" ? text.slice(-maxLength) : text.slice(0, maxLength))
  if (keep === "end") chars.reverse()
  const kept: Array<string> = []
  let length = 3 // the quotes and "…"
  for (const char of chars) {
    const width = escapeUnsafe(JSON.stringify(char)).length - 2
    if (length + width > maxLength) break
    kept.push(char)
    length += width
  }
  if (keep === "end") kept.reverse()
  const body = kept.join("")
  return escapeUnsafe(JSON.stringify(keep === "end" ? `…${body}` : `${body}…`))
}
