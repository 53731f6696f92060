import { describe, expect, it } from "vitest"
import { escapeUnsafe, quoteTail, truncate } from "../src/Quote.js"

describe("Quote", () => {
  it("escapeUnsafe: every character that can break or disguise a line; JSON's own escapes untouched", () => {
    expect(escapeUnsafe("a\nb\r\u001b[31m\u007f\u0085\u202e\u2028")).toBe(
      "a\\u000ab\\u000d\\u001b[31m\\u007f\\u0085\\u202e\\u2028"
    )
    expect(escapeUnsafe(JSON.stringify("x\ny\u202e"))).toBe("\"x\\ny\\u202e\"")
    expect(quoteTail("ok\u202e", 20)).toBe("\"ok\\u202e\"")
  })

  it("truncate: at most maxLength characters, never half a surrogate pair", () => {
    expect(truncate("abc", 3)).toBe("abc")
    expect(truncate("abcdef", 4)).toBe("abc…")
    expect(truncate("ab😀def", 4)).toBe("ab…") // "😀" would be cut in two
    expect(truncate("abc😀ef", 4)).toBe("abc…")
  })
})
