import { describe, expect, it } from "vitest"
import { countNewlines, RelayBuffer } from "../src/StderrRelay.js"

const bytes = (text: string) => new TextEncoder().encode(text)

/** A relay that logs into arrays, and can be told to throw. */
class Recording extends RelayBuffer {
  readonly lines: Array<string> = []
  readonly warnings: Array<string> = []
  throwing = false
  protected logBatch(deadline: number): boolean {
    if (this.throwing) throw new Error("logger down")
    for (let line = this.nextLine(deadline); line !== undefined; line = this.nextLine(deadline)) this.lines.push(line)
    const report = this.dropReport(false)
    if (report !== undefined) this.warnings.push(report)
    return true
  }
  /** The release's flush, synchronously (no turn of the event loop between batches). */
  flushNow(): void {
    const deadline = this.beginFlush()
    if (deadline === undefined) return
    for (let batch = this.flushBatch(deadline); batch !== undefined; batch = this.flushBatch(deadline)) {
      this.logBatch(batch)
    }
    const report = this.dropReport(true)
    if (report !== undefined) this.warnings.push(report)
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300))

describe("RelayBuffer", () => {
  it("relays whole lines, across chunks, once the pipe is quiet; the last line without a newline at the end", async () => {
    const relay = new Recording()
    relay.push(bytes("first li"))
    relay.push(bytes("ne\r\nsecond\nthi"))
    await settle()
    expect(relay.lines).toEqual(["first line", "second"])
    relay.end()
    relay.flushNow()
    expect(relay.lines).toEqual(["first line", "second", "thi"])
    expect(relay.idle).toBe(true)
  })

  it("drops what exceeds the backlog and says how many lines, at the flush", () => {
    const relay = new Recording()
    relay.push(bytes("x\n".repeat(1500)))
    relay.flushNow()
    expect(relay.lines.length).toBe(1000)
    expect(relay.warnings).toEqual([
      "500 stderr lines not relayed: the logger could not keep up (the stderr stream and tail still have every line)"
    ])
  })

  it("cuts a line longer than 64 Ki characters, and says so", () => {
    const relay = new Recording()
    relay.push(bytes("y".repeat(70 * 1024) + "\n"))
    relay.flushNow()
    expect(relay.lines.length).toBe(1)
    expect(relay.lines[0]!.endsWith("(cut: longer than 65536 characters)")).toBe(true)
  })

  it("a logger that throws switches the relay off; nothing is thrown out of the timer", async () => {
    const relay = new Recording()
    relay.throwing = true
    relay.push(bytes("a\n"))
    await settle()
    relay.throwing = false
    relay.push(bytes("b\n"))
    relay.flushNow()
    expect(relay.lines).toEqual([])
  })
})

describe("countNewlines", () => {
  it("counts like a byte-by-byte search, at any offset", () => {
    const text = bytes("a\nbb\n\nccc\ndddd\ne\n\n\nf")
    for (let start = 0; start < text.length; start++) {
      for (let end = start; end <= text.length; end++) {
        const expected = text.subarray(start, end).filter((byte) => byte === 10).length
        expect(countNewlines(text, start, end)).toBe(expected)
      }
    }
  })
})
