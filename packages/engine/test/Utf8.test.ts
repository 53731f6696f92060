import * as FC from "fast-check"
import { describe, expect, it } from "vitest"
import { byteOffsetOf, incompleteSuffixLength, Utf8Decoder } from "../src/Utf8.js"

/** Decodes `chunks` with the library's decoder. */
const decodeChunks = (chunks: ReadonlyArray<Uint8Array>): string => {
  const decoder = new Utf8Decoder()
  return chunks.map((chunk) => decoder.decode(chunk)).join("") + decoder.end()
}

/** Cuts `bytes` at the given offsets. */
const split = (bytes: Uint8Array, cuts: ReadonlyArray<number>): Array<Uint8Array> => {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Array<Uint8Array> = []
  let start = 0
  for (const point of points) {
    out.push(bytes.subarray(start, point))
    start = point
  }
  out.push(bytes.subarray(start))
  return out
}

describe("Utf8Decoder", () => {
  it("holds back only a sequence that can still become a character", () => {
    const smile = new TextEncoder().encode("😀")
    for (let n = 1; n < 4; n++) expect(incompleteSuffixLength(smile.subarray(0, n))).toBe(n)
    expect(incompleteSuffixLength(smile)).toBe(0)
    expect(incompleteSuffixLength(new TextEncoder().encode("abc"))).toBe(0)
    expect(incompleteSuffixLength(Uint8Array.of(0xff))).toBe(0)
    expect(incompleteSuffixLength(Uint8Array.of(0xc0))).toBe(0) // C0 and C1 only make overlong forms
    expect(incompleteSuffixLength(Uint8Array.of(0xe0, 0x80))).toBe(0) // E0 needs A0..BF next
    expect(incompleteSuffixLength(Uint8Array.of(0xed, 0xa0))).toBe(0) // a surrogate
    expect(incompleteSuffixLength(Uint8Array.of(0xf4, 0x90))).toBe(0) // beyond U+10FFFF
    expect(incompleteSuffixLength(Uint8Array.of(0xf5))).toBe(0)
    expect(incompleteSuffixLength(Uint8Array.of(0x80, 0x80, 0x80))).toBe(0) // no lead byte
  })

  it("a lone invalid byte is decoded at once, before the output ends", () => {
    const decoder = new Utf8Decoder()
    expect(decoder.decode(Uint8Array.of(0x61, 0xff))).toBe("a\uFFFD")
    expect(decoder.pending).toBeUndefined()
  })

  it("decodes any bytes, cut anywhere, exactly as TextDecoder decodes them whole", () => {
    FC.assert(
      FC.property(
        FC.uint8Array({ maxLength: 64 }),
        FC.array(FC.nat(), { maxLength: 8 }),
        (bytes, cuts) => decodeChunks(split(bytes, cuts)) === new TextDecoder().decode(bytes)
      ),
      { numRuns: 5000 }
    )
  })

  it("decodes valid text, cut anywhere, back to the same text", () => {
    FC.assert(
      FC.property(
        FC.string({ unit: "grapheme", maxLength: 32 }),
        FC.array(FC.nat(), { maxLength: 8 }),
        (text, cuts) => decodeChunks(split(new TextEncoder().encode(text), cuts)) === text
      ),
      { numRuns: 2000 }
    )
  })

  it("a decoder fed chunk by chunk emits every character as soon as its last byte arrived", () => {
    FC.assert(
      FC.property(FC.uint8Array({ maxLength: 32 }), (bytes) => {
        const decoder = new Utf8Decoder()
        let out = ""
        for (let i = 0; i < bytes.length; i++) {
          out += decoder.decode(bytes.subarray(i, i + 1))
          // What is held back is never more than an incomplete valid sequence.
          const pending = decoder.pending
          if (pending !== undefined && incompleteSuffixLength(pending) !== pending.length) return false
        }
        return out + decoder.end() === new TextDecoder().decode(bytes)
      }),
      { numRuns: 3000 }
    )
  })

  it("finds the bytes behind any prefix of the text, at every code point boundary, for any bytes", () => {
    FC.assert(
      FC.property(FC.uint8Array({ maxLength: 48 }), (bytes) => {
        const text = new TextDecoder().decode(bytes)
        for (let units = 0; units <= text.length; units++) {
          const code = text.charCodeAt(units - 1)
          if (units > 0 && code >= 0xd800 && code <= 0xdbff) continue // inside a surrogate pair
          const offset = byteOffsetOf(bytes, units)
          // The prefix decodes to exactly the text's prefix, and the rest to exactly the rest.
          if (new TextDecoder().decode(bytes.subarray(0, offset)) !== text.slice(0, units)) return false
          if (new TextDecoder().decode(bytes.subarray(offset)) !== text.slice(units)) return false
        }
        return true
      }),
      { numRuns: 3000 }
    )
  })
})
