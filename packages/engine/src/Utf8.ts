/**
 * The one UTF-8 decoder of the library: every consumer of a pipe's text (line and character readers, the streams,
 * pattern matching, `run`, the stderr relay, the output tails) decodes with it, so the same bytes always give the
 * same text.
 *
 * Decoding follows the WHATWG "utf-8 decode" algorithm with replacement, applied across chunk boundaries: a
 * character split between two chunks is decoded whole, and only the bytes of a sequence that can still become a
 * valid character are held back for the next chunk. A byte that can never be part of a valid sequence (`0xFF`,
 * `0xC0`, a lead followed by a byte it does not accept) becomes U+FFFD at once, not at the end of the output.
 *
 * `TextDecoder`'s own streaming mode gives the same text but is several times slower here (measured: about 60 us
 * against 12 us per 64 KiB), so each chunk is decoded in one non-streaming call and the held-back bytes are kept
 * explicitly.
 */

/** How many bytes the sequence `lead` starts has in all (WHATWG UTF-8), or 0 for a byte that never leads one. */
const sequenceLength = (lead: number): number =>
  lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0

/**
 * The number of bytes at the end of `bytes` that form an incomplete but still valid UTF-8 sequence (0 to 3): the
 * bytes to hold back until more arrive.
 *
 * @example
 * import { Utf8 } from "@effect-process/engine"
 *
 * Utf8.incompleteSuffixLength(new Uint8Array([0x61, 0xc3])) // 1: the lead byte of "é" waits for the next chunk
 *
 * @since 0.2.0
 */
export const incompleteSuffixLength = (bytes: Uint8Array): number => {
  const end = bytes.length
  for (let back = 1; back <= 3 && back <= end; back++) {
    const byte = bytes[end - back]!
    if (byte >= 0x80 && byte <= 0xbf) continue // a continuation byte: look further back for its lead
    const needed = sequenceLength(byte)
    // ASCII, a byte that never leads a sequence, or a complete sequence: nothing to hold back.
    if (needed <= back) return 0
    if (back >= 2) {
      // The lead bytes E0, ED, F0 and F4 restrict their second byte (no overlong forms, no surrogates, <= U+10FFFF).
      const second = bytes[end - back + 1]!
      const low = byte === 0xe0 ? 0xa0 : byte === 0xf0 ? 0x90 : 0x80
      const high = byte === 0xed ? 0x9f : byte === 0xf4 ? 0x8f : 0xbf
      if (second < low || second > high) return 0
    }
    return back
  }
  return 0
}

/**
 * The length of the prefix of `bytes` that decodes to the first `units` UTF-16 code units of the decoding of
 * `bytes` (the WHATWG decoder's own walk: each maximal invalid subpart is one U+FFFD, and the byte that ended it is
 * read again). For `units` at a code point boundary; used to give back the exact bytes of text not consumed.
 *
 * @example
 * import { Utf8 } from "@effect-process/engine"
 *
 * Utf8.byteOffsetOf(new TextEncoder().encode("é!"), 1) // 2: "é" takes two bytes
 *
 * @since 0.2.0
 */
export const byteOffsetOf = (bytes: Uint8Array, units: number): number => {
  let i = 0
  let u = 0
  const n = bytes.length
  while (u < units && i < n) {
    const lead = bytes[i]!
    if (lead < 0x80) {
      i++
      u++
      continue
    }
    // The continuation bytes the lead calls for.
    const needed = Math.max(0, sequenceLength(lead) - 1)
    if (needed === 0) {
      // A byte that cannot start a sequence: one U+FFFD.
      i++
      u++
      continue
    }
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf
    let seen = 1
    while (seen <= needed && i + seen < n) {
      const byte = bytes[i + seen]!
      if (byte < (seen === 1 ? low : 0x80) || byte > (seen === 1 ? high : 0xbf)) break
      seen++
    }
    if (seen <= needed) {
      // Cut short (by a byte it does not accept, or by the end): one U+FFFD for what there is.
      i += seen
      u++
      continue
    }
    i += needed + 1
    u += needed === 3 ? 2 : 1
  }
  return i
}

/**
 * @example
 * import { Utf8 } from "@effect-process/engine"
 *
 * Utf8.concatBytes(new Uint8Array([1]), new Uint8Array([2])) // Uint8Array [1, 2]
 *
 * @since 0.2.0
 */
export const concatBytes = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

/**
 * Decodes a complete piece of output (nothing follows it) in one call.
 *
 * @example
 * import { Utf8 } from "@effect-process/engine"
 *
 * Utf8.decodeAll(new Uint8Array([0x68, 0x69, 0xff])) // "hi\uFFFD"
 *
 * @since 0.2.0
 */
export const decodeAll = (bytes: Uint8Array): string => sharedDecoder.decode(bytes)

// Non-streaming decodes keep no state between calls: one TextDecoder serves every pipe.
const sharedDecoder = new TextDecoder()

/**
 * A streaming UTF-8 decoder: `decode` each chunk in order, `end` once at the end of the output.
 *
 * @example
 * import { Utf8 } from "@effect-process/engine"
 *
 * const decoder = new Utf8.Utf8Decoder()
 * decoder.decode(new Uint8Array([0xc3])) // "": the character is not complete yet
 * decoder.decode(new Uint8Array([0xa9])) // "é"
 *
 * @since 0.2.0
 */
export class Utf8Decoder {
  /** Bytes of an incomplete last character, decoded with the next chunk. */
  pending: Uint8Array | undefined = undefined

  /** The text of `chunk` (after what was pending) up to its last complete character. */
  decode(chunk: Uint8Array): string {
    return sharedDecoder.decode(this.complete(chunk))
  }

  /**
   * The bytes of `chunk` (after what was pending) up to its last complete character, exactly the bytes `decode`
   * would decode; the rest is held back.
   */
  complete(chunk: Uint8Array): Uint8Array {
    let bytes = chunk
    if (this.pending !== undefined) {
      bytes = concatBytes(this.pending, chunk)
      this.pending = undefined
    }
    const hold = incompleteSuffixLength(bytes)
    if (hold === 0) return bytes
    this.pending = bytes.slice(bytes.length - hold)
    return bytes.subarray(0, bytes.length - hold)
  }

  /** The end of the output: an incomplete last character becomes U+FFFD. */
  end(): string {
    const pending = this.pending
    this.pending = undefined
    return pending === undefined ? "" : sharedDecoder.decode(pending)
  }

  /** Takes the pending bytes back (a byte reader takes over from a text reader). */
  takePending(): Uint8Array | undefined {
    const pending = this.pending
    this.pending = undefined
    return pending
  }
}
