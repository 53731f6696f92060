import { describe, expect, it } from "@effect/vitest"
import { completeUtf8Length, OutputChannel } from "../src/internal/outputChannel.js"

const bytes = (text: string) => new TextEncoder().encode(text)

const channel = (limit = 1024, control = { pause: () => {}, resume: () => {} }) =>
  new OutputChannel(limit, 64, 1024, control)

describe("OutputChannel", () => {
  it("keeps a character split across chunks whole", () => {
    const encoded = bytes("é😀\n")
    for (let cut = 0; cut <= encoded.length; cut++) {
      const ch = channel()
      ch.push(encoded.subarray(0, cut))
      ch.push(encoded.subarray(cut))
      expect(ch.takeLine()).toBe("é😀")
    }
  })

  it("reads characters as whole code points", () => {
    const ch = channel()
    const encoded = bytes("a😀")
    ch.push(encoded.subarray(0, 3))
    expect(ch.takeChar()).toBe("a")
    expect(ch.takeChar()).toBeUndefined()
    ch.push(encoded.subarray(3))
    expect(ch.takeChar()).toBe("😀")
  })

  it("finds the complete UTF-8 prefix", () => {
    expect(completeUtf8Length(bytes("abc"))).toBe(3)
    const smile = bytes("😀")
    for (let n = 1; n < 4; n++) expect(completeUtf8Length(smile.subarray(0, n))).toBe(0)
    expect(completeUtf8Length(smile)).toBe(4)
  })

  it("a last line without newline is a line only at the end of output", () => {
    const ch = channel()
    ch.push(bytes("one\r\ntwo"))
    expect(ch.takeLine()).toBe("one")
    expect(ch.takeLine()).toBeUndefined()
    ch.end()
    expect(ch.takeLine()).toBe("two")
    expect(ch.exhausted).toBe(true)
  })

  it("drops the oldest output when nobody reads, and keeps memory bounded", () => {
    const ch = channel(10)
    for (let i = 0; i < 100; i++) ch.push(bytes(`${i % 10}`.repeat(4)))
    // Whole chunks are dropped while more than `limit` bytes are kept.
    expect(ch.dropped).toBe(400 - 8)
    expect(ch.takeAllText()).toBe("88889999")
  })

  it("pauses the pipe while a reader lags and resumes when it catches up", () => {
    const events: Array<string> = []
    const ch = channel(8, { pause: () => events.push("pause"), resume: () => events.push("resume") })
    expect(ch.acquire("test")).toBe(true)
    ch.push(bytes("12345\n"))
    ch.push(bytes("67890\n"))
    expect(events).toEqual(["pause"])
    expect(ch.dropped).toBe(0)
    expect(ch.takeLine()).toBe("12345")
    expect(events).toEqual(["pause"])
    expect(ch.takeLine()).toBe("67890")
    expect(events).toEqual(["pause", "resume"])
  })

  it("cuts a line longer than the cap into pieces", () => {
    const ch = new OutputChannel(1 << 20, 64, 4, { pause: () => {}, resume: () => {} })
    ch.push(bytes("abcdefghij\n"))
    expect([ch.takeLine(), ch.takeLine(), ch.takeLine()]).toEqual(["abcd", "efgh", "ij"])
  })

  it("keeps a tail of the most recent output whatever was read", () => {
    const ch = channel()
    for (let i = 0; i < 100; i++) ch.push(bytes(`line ${i}\n`))
    ch.takeAllText()
    const tail = ch.tail.text()
    expect(tail.length).toBeLessThanOrEqual(64)
    expect(tail.endsWith("line 99\n")).toBe(true)
  })

  it("text put back is read first, and bytes after text come in order", () => {
    const ch = channel()
    ch.push(bytes("hello world"))
    const text = ch.takeAllText()
    ch.unread(text.slice(6))
    ch.push(bytes("!"))
    const all = ch.takeBytes().map((chunk) => new TextDecoder().decode(chunk)).join("")
    expect(all).toBe("world!")
  })
})
