import { describe, expect, it } from "vitest"
import { LINE_TOO_LONG, OutputChannel } from "../src/OutputChannel.js"

const bytes = (text: string) => new TextEncoder().encode(text)

const channel = (limit = 1024, control = { pause: () => {}, resume: () => {} }, maxLineLength = 1024) =>
  new OutputChannel(limit, 64, maxLineLength, { pausePipe: control.pause, resumePipe: control.resume }, "stdout")

/** The next line, or `undefined` when no complete line is there. */
const takeLine = (ch: OutputChannel): string | undefined => {
  const lines = ch.takeLines(1)
  if (lines === LINE_TOO_LONG) throw new Error("line too long")
  return lines[0]
}

describe("OutputChannel", () => {
  it("keeps a character split across chunks whole", () => {
    const encoded = bytes("é😀\n")
    for (let cut = 0; cut <= encoded.length; cut++) {
      const ch = channel()
      ch.push(encoded.subarray(0, cut))
      ch.push(encoded.subarray(cut))
      expect(takeLine(ch)).toBe("é😀")
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

  it("a byte that can never start a character is U+FFFD at once, not at the end of the output", () => {
    const ch = channel()
    ch.push(Uint8Array.of(0x61, 0xff))
    expect(ch.takeAllText()).toBe("a\uFFFD")
    ch.push(Uint8Array.of(0xe0, 0x80)) // E0 must be followed by A0..BF: both bytes are invalid now
    expect(ch.takeAllText()).toBe("\uFFFD\uFFFD")
  })

  it("takes every complete line that has arrived in one call, and keeps the partial one", () => {
    const ch = channel()
    ch.push(bytes("a\nb\r\nc"))
    ch.push(bytes("d\ne"))
    expect(ch.takeLines(Infinity)).toEqual(["a", "b", "cd"])
    expect(ch.takeLines(Infinity)).toEqual([])
    ch.end()
    expect(ch.takeLines(Infinity)).toEqual(["e"])
    expect(ch.exhausted).toBe(true)
  })

  it("takes no more lines than asked: the rest stays for the next take", () => {
    const ch = channel()
    ch.push(bytes("1\n2\n3\n4\n"))
    expect(ch.takeLines(3)).toEqual(["1", "2", "3"])
    expect(new TextDecoder().decode(ch.takeBytes()[0])).toBe("4\n")
  })

  it("a last line without newline is a line only at the end of output", () => {
    const ch = channel()
    ch.push(bytes("one\r\ntwo"))
    expect(takeLine(ch)).toBe("one")
    expect(takeLine(ch)).toBeUndefined()
    ch.end()
    expect(takeLine(ch)).toBe("two")
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
    expect(ch.hold("test")).toBe(true)
    ch.push(bytes("12345\n"))
    ch.push(bytes("67890\n"))
    expect(events).toEqual(["pause"])
    expect(ch.dropped).toBe(0)
    expect(takeLine(ch)).toBe("12345")
    expect(events).toEqual(["pause"])
    expect(takeLine(ch)).toBe("67890")
    expect(events).toEqual(["pause", "resume"])
  })

  it("a line longer than the maximum is reported after the lines before it, and skipped up to its newline", () => {
    const ch = channel(1 << 20, undefined, 4)
    ch.push(bytes("ok\nabcdefghij"))
    expect(ch.takeLines(Infinity)).toEqual(["ok"])
    expect(ch.takeLines(Infinity)).toBe(LINE_TOO_LONG)
    ch.push(bytes("klmn\nnext\n"))
    expect(ch.takeLines(Infinity)).toEqual(["next"])
  })

  it("a complete line longer than the maximum is skipped at once; one of exactly the maximum is a line", () => {
    const ch = channel(1 << 20, undefined, 4)
    ch.push(bytes("abcd\r\nabcde\nxy\n"))
    expect(ch.takeLines(Infinity)).toEqual(["abcd"])
    expect(ch.takeLines(Infinity)).toBe(LINE_TOO_LONG)
    expect(ch.takeLines(Infinity)).toEqual(["xy"])
  })

  it("keeps a tail of the most recent output whatever was read", () => {
    const ch = channel()
    for (let i = 0; i < 100; i++) ch.push(bytes(`line ${i}\n`))
    ch.takeAllText()
    const tail = ch.tail.text()
    expect(tail.length).toBeLessThanOrEqual(64)
    expect(tail.endsWith("line 99\n")).toBe(true)
  })

  it("a rewound read gives everything back, in order; a committed one consumes exactly what it took", () => {
    const ch = channel()
    ch.push(bytes("one\r\ntwo\r\nthr"))
    ch.begin()
    expect(ch.takeLines(2)).toEqual(["one", "two"])
    expect(ch.takeChar()).toBe("t")
    ch.rewind()
    ch.begin()
    expect(ch.takeLines(1)).toEqual(["one"])
    ch.commit()
    // The "\r\n" of what was given back is intact: bytes after text are the bytes that arrived.
    expect(new TextDecoder().decode(ch.takeBytes()[0])).toBe("two\r\nthr")
  })

  // The text a long transaction took is held apart from the view (keeping it in the view's string made every take
  // copy everything taken so far: 0.8 s and 800 MB for a match after 3.7 MB). It must still all come back.
  it("a long read's take after take is given back whole by a rewind, and a setPosition into it is exact", () => {
    const ch = channel(1 << 20)
    const pieces = Array.from({ length: 200 }, (_, i) => `line ${i} ${"é".repeat(i % 7)}\n`)
    ch.begin()
    let taken = ""
    for (const piece of pieces) {
      ch.push(bytes(piece))
      taken += ch.takeAllText()
    }
    expect(taken).toBe(pieces.join(""))
    expect(ch.seenText(1 << 20)).toBe(pieces.join(""))
    expect(ch.seenText(10)).toBe(pieces.join("").slice(-10))
    ch.rewind()
    expect(ch.takeAllText()).toBe(pieces.join(""))
    // consume through piece 99, in a transaction, by moving back into what was taken
    const ch2 = channel(1 << 20)
    ch2.begin()
    for (const piece of pieces) {
      ch2.push(bytes(piece))
      ch2.takeAllText()
    }
    ch2.setPosition(pieces.slice(0, 100).join("").length)
    ch2.commit()
    expect(ch2.takeAllText()).toBe(pieces.slice(100).join(""))
    // bytes after that are the bytes that arrived
    const ch3 = channel(1 << 20)
    ch3.begin()
    for (const piece of pieces.slice(0, 50)) {
      ch3.push(bytes(piece))
      ch3.takeAllText()
    }
    ch3.rewind()
    expect(new TextDecoder().decode(Buffer.concat(ch3.takeBytes()))).toBe(pieces.slice(0, 50).join(""))
  })

  it("what a read took beyond the limit can no longer be given back; memory stays bounded", () => {
    const ch = channel(1000)
    ch.begin()
    for (let i = 0; i < 100; i++) {
      ch.push(bytes(`${String(i).padStart(9, "0")}\n`))
      ch.takeAllText()
    }
    ch.rewind()
    const back = ch.takeAllText()
    expect(back.length).toBeLessThanOrEqual(1100)
    expect(back.endsWith("000000099\n")).toBe(true)
  })

  it("bytes after a text read are the bytes that arrived, invalid UTF-8 included", () => {
    const ch = channel()
    const raw = Uint8Array.of(0x61, 0x0a, 0xff, 0x62, 0xc0, 0xaf, 0x0a, 0xe2, 0x82)
    ch.push(raw)
    ch.begin()
    expect(ch.takeLines(1)).toEqual(["a"])
    expect(ch.takeChar()).toBe("\uFFFD")
    ch.rewind()
    expect(ch.takeLines(1)).toEqual(["a"])
    const rest = ch.takeBytes()
    expect(Array.from(rest.flatMap((chunk) => Array.from(chunk)))).toEqual([0xff, 0x62, 0xc0, 0xaf, 0x0a, 0xe2, 0x82])
  })

  it("a too-long line is removed for good, also inside a read that is rewound: the next line read starts after it", () => {
    const ch = channel(1 << 20, undefined, 4)
    ch.push(bytes("a\nb\n" + "x".repeat(20) + "\nc\n"))
    ch.begin()
    expect(ch.takeLines(3)).toEqual(["a", "b"])
    expect(ch.takeLines(1)).toBe(LINE_TOO_LONG)
    ch.rewind()
    expect(ch.takeLines(Infinity)).toEqual(["a", "b", "c"])
  })

  it("every waiter is called by the next change, once: none can take another's wake-up", () => {
    const ch = channel()
    const calls: Array<number> = []
    const waiters = [1, 2, 3, 4].map((n) => () => calls.push(n))
    for (const waiter of waiters) ch.addWaiter(waiter)
    ch.removeWaiter(waiters[1]!)
    ch.push(bytes("x"))
    expect(calls.sort()).toEqual([1, 3, 4])
  })
})
