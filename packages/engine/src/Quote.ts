/**
 * Text made safe for one line of a message or a log: output quoted (JSON-quoted, with the characters JSON leaves
 * as they are but a terminal acts on escaped too, and cut from the front to a length that counts the escapes, on
 * whole code points, with the quote always closed); any text with those characters escaped; any text cut on a
 * code point boundary.
 */

/**
 * Characters that can garble or disguise a line in a terminal or a log: the C0 controls (JSON escapes them itself),
 * DEL, the C1 controls, the bidirectional marks and overrides, the line and paragraph separators.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g

/**
 * `text` with every character that can garble or disguise a line escaped as `\uXXXX`. JSON-quoted text keeps its
 * own escapes: only the characters JSON leaves as they are change.
 *
 * @example
 * import { Quote } from "@effect-process/engine"
 *
 * Quote.escapeUnsafe(JSON.stringify("a\u202eb")) // "\"a\\u202eb\"": the bidi override is escaped
 * Quote.escapeUnsafe("we\nird") // "we\\u000aird": one line
 *
 * @since 0.2.0
 */
export const escapeUnsafe = (text: string): string =>
  text.replace(UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`)

/**
 * `text` if it has at most `maxLength` characters, else its start and "…", `maxLength` characters in all, never
 * cutting a surrogate pair in two.
 *
 * @example
 * import { Quote } from "@effect-process/engine"
 *
 * Quote.truncate("abcdef", 4) // "abc…"
 *
 * @since 0.2.0
 */
export const truncate = (text: string, maxLength: number): string => {
  if (text.length <= maxLength) return text
  const code = text.charCodeAt(maxLength - 2)
  return `${text.slice(0, code >= 0xd800 && code <= 0xdbff ? maxLength - 2 : maxLength - 1)}…`
}

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
