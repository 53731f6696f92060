/**
 * One captured pipe of a child: the buffer between the platform, which pushes every chunk as it arrives, and the
 * readers, which take output in order.
 *
 * - Always drained: while nobody reads, at most `limit` unread bytes are kept and older output is dropped (and
 *   counted), so a child is never blocked by output nobody wants.
 * - While a reader holds the pipe and falls more than `limit` bytes behind, the pipe is paused until it catches up
 *   to half of that: a reader sees everything, in order.
 * - Bytes are decoded lazily (many pipes are never read as text) with the one UTF-8 decoder of `utf8.ts`, into
 *   segments that keep the exact bytes of their text: text a reader decoded but did not consume stays for the next
 *   reader, as text or, for a byte reader, as the very bytes that arrived (invalid UTF-8 included).
 * - Text readers read in a transaction: `begin`, then `commit` (what was taken is consumed) or `rewind` (it is all
 *   there again, in order): an exact reader that times out, fails or is interrupted loses nothing.
 * - Any number of parties may wait for a change at once (readers of this pipe, a reader of both pipes, the
 *   release): each waiter is woken by the next change, none can take another's wake-up.
 *
 * Positions in the text are absolute (they only grow), so that marks stay valid while consumed text is dropped.
 * The take operations are synchronous and consume exactly what they return; waiting is a callback in the set of
 * waiters (`addWaiter`), so that this module depends on no effect system: `@effect-process/core` turns it into an
 * Effect.
 *
 * Longer than the other modules (about 500 lines) on purpose: it is one class whose parts (the byte queue, the lazy
 * text view, the transactions, the waiters) share one state, and each is correct only with the others in view.
 */
import { byteOffsetOf, concatBytes, decodeAll, Utf8Decoder } from "./Utf8.js"

/**
 * The last `limit` bytes written to a pipe, kept for error messages whatever was read.
 *
 * @example
 * import { OutputChannel } from "@effect-process/engine"
 *
 * const tail = new OutputChannel.Tail(4)
 * tail.push(new TextEncoder().encode("hello"))
 * tail.text() // "ello"
 *
 * @since 0.2.0
 */
export class Tail {
  private chunks: Array<Uint8Array> | undefined = undefined
  private size = 0
  constructor(private readonly limit: number) {}

  push(chunk: Uint8Array): void {
    if (this.limit === 0) return
    const chunks = this.chunks ??= []
    chunks.push(chunk)
    this.size += chunk.length
    while (chunks.length > 1 && this.size - chunks[0]!.length >= this.limit) this.size -= chunks.shift()!.length
  }

  text(): string {
    const chunks = this.chunks
    if (chunks === undefined || this.size === 0) return ""
    let bytes = chunks.length === 1 ? chunks[0]! : chunks.reduce(concatBytes)
    if (bytes.length > this.limit) {
      let start = bytes.length - this.limit
      while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++ // do not start inside a character
      bytes = bytes.subarray(start)
    }
    return decodeAll(bytes)
  }
}

/**
 * What `takeLines` returns when the next line is longer than the channel's `maxLineLength`.
 *
 * @example
 * import { OutputChannel } from "@effect-process/engine"
 *
 * const isTooLong = (lines: Array<string> | typeof OutputChannel.LINE_TOO_LONG) => lines === OutputChannel.LINE_TOO_LONG
 *
 * @since 0.2.0
 */
export const LINE_TOO_LONG: unique symbol = Symbol.for("@effect-process/engine/LineTooLong")

/**
 * Backpressure on the platform's side of a pipe (the process, for its two pipes: no closures per channel).
 *
 * @example
 * import type { OutputChannel } from "@effect-process/engine"
 *
 * const control: OutputChannel.PipeControl = { pausePipe: () => {}, resumePipe: () => {} }
 *
 * @since 0.2.0
 */
export interface PipeControl {
  readonly pausePipe: (name: "stdout" | "stderr") => void
  readonly resumePipe: (name: "stdout" | "stderr") => void
}

/** Decoded text and the exact bytes it was decoded from; `start` is the absolute position of its first character. */
interface Segment {
  readonly bytes: Uint8Array
  readonly text: string
  readonly start: number
}

/**
 * @example
 * import { OutputChannel } from "@effect-process/engine"
 *
 * const channel = new OutputChannel.OutputChannel(1 << 20, 64, 1024, { pausePipe: () => {}, resumePipe: () => {} }, "stdout")
 * channel.push(new TextEncoder().encode("one\ntwo\n"))
 * channel.takeLines(1) // ["one"]: "two" stays for the next reader
 *
 * @since 0.2.0
 */
export class OutputChannel {
  private chunks: Array<Uint8Array> = []
  private bytes = 0
  /** Bytes dropped because nobody read them and the buffer was full. */
  dropped = 0
  ended = false
  /** Bumped on every change a reader may wait for: data, end of output, exit of the process, release. */
  private version = 0
  private waiters: Set<() => void> | undefined = undefined
  private paused = false
  /** The operation holding the pipe, if any. */
  reader: string | undefined = undefined

  // --- the text view: decoded output, from `base` on, that is not consumed yet ---
  private segments: Array<Segment> = []
  /** The concatenation of the segments' texts. */
  private text = ""
  /**
   * The segments before the view that the open transaction took: kept (apart from the view, which then holds only
   * unread text) so that a rewind can give them back. Keeping them in `text` instead made every take of a long read
   * copy all the text taken so far (a string sliced from a concatenation is flattened whole): quadratic, measured
   * at 0.8 s and 800 MB for a match after 3.7 MB of output.
   */
  private held: Array<Segment> = []
  /** The absolute position of `text[0]`. */
  private base = 0
  /** The absolute position of the next character to read. */
  private pos = 0
  /** The start of the open transaction: what was taken since can still be given back. */
  private mark: number | undefined = undefined
  /** From this absolute position on the text may hold a newline; before it, none (no rescans of a long line). */
  private searchFrom = 0
  /** The rest of a line longer than `maxLineLength` is being discarded as it arrives, up to its newline. */
  private skippingLine = false
  private readonly decoder = new Utf8Decoder()
  readonly tail: Tail
  /** An extra listener of every chunk (the stderr relay). */
  tap: ((chunk: Uint8Array) => void) | undefined = undefined

  constructor(
    readonly limit: number,
    tailLimit: number,
    readonly maxLineLength: number,
    private readonly control: PipeControl,
    private readonly name: "stdout" | "stderr"
  ) {
    this.tail = new Tail(tailLimit)
  }

  // --- the writer side (called by the platform's listeners) ---

  push(chunk: Uint8Array): void {
    this.tail.push(chunk)
    if (this.tap !== undefined) this.tap(chunk)
    this.chunks.push(chunk)
    this.bytes += chunk.length
    if (this.bytes > this.limit) {
      if (this.reader === undefined) this.dropOldest()
      else if (!this.paused) {
        this.paused = true
        this.control.pausePipe(this.name)
      }
    }
    this.notify()
  }

  end(): void {
    if (this.ended) return
    this.ended = true
    this.notify()
  }

  /** Wakes every waiter: something they may wait for changed. */
  notify(): void {
    this.version++
    const waiters = this.waiters
    if (waiters === undefined) return
    this.waiters = undefined
    for (const waiter of waiters) waiter()
  }

  private dropOldest(): void {
    // Text decoded earlier but not consumed is the oldest output: it goes first.
    if (this.pos < this.textEnd) this.dropped += this.textEnd - this.pos
    this.clearText()
    while (this.bytes > this.limit && this.chunks.length > 1) {
      const chunk = this.chunks.shift()!
      this.bytes -= chunk.length
      this.dropped += chunk.length
    }
    if (this.bytes > this.limit) {
      const only = this.chunks[0]!
      const cut = only.length - this.limit
      this.chunks[0] = only.subarray(cut)
      this.bytes -= cut
      this.dropped += cut
    }
    this.decoder.takePending()
    this.skippingLine = false
  }

  // --- waiting ---

  /** The current version: pass it to `awaitChange` to wait for anything newer. */
  get currentVersion(): number {
    return this.version
  }

  /** @internal */
  addWaiter(waiter: () => void): void {
    ;(this.waiters ??= new Set()).add(waiter)
  }

  /** @internal */
  removeWaiter(waiter: () => void): void {
    this.waiters?.delete(waiter)
  }

  // --- holding ---

  hold(operation: string): boolean {
    if (this.reader !== undefined) return false
    this.reader = operation
    return true
  }

  letGo(): void {
    this.reader = undefined
    if (this.paused) {
      this.paused = false
      this.control.resumePipe(this.name)
    }
    if (this.bytes > this.limit) this.dropOldest()
  }

  // --- transactions of text readers ---

  /** Starts a read that can be given back: everything taken from now on until `commit` or `rewind`. */
  begin(): void {
    this.mark = this.pos
  }

  /** What was taken since `begin` is consumed. */
  commit(): void {
    this.mark = undefined
    this.held = []
  }

  /** What was taken since `begin` is there again, in order, for the next reader. */
  rewind(): void {
    if (this.mark === undefined) return
    // What the transaction took is in the view or held (`compact` holds it while a transaction is open). A mark that
    // fell behind (more than `limit` taken and not committed) gives back what is left.
    this.restore(this.mark)
    this.pos = Math.max(this.mark, this.base)
    this.searchFrom = this.pos
    this.mark = undefined
    this.held = []
  }

  /** Puts the held segments that end after `position` back in front of the view. */
  private restore(position: number): void {
    if (position >= this.base || this.held.length === 0) return
    const back = this.held.filter((segment) => segment.start + segment.text.length > position)
    if (back.length === 0) return
    this.held = this.held.slice(0, this.held.length - back.length)
    this.segments = back.concat(this.segments)
    this.text = back.map((segment) => segment.text).join("") + this.text
    this.base = back[0]!.start
  }

  /** The text taken since `begin`, plus what is decoded but not taken yet: what a read has seen, for errors. */
  seenText(maxLength: number): string {
    const from = Math.max(this.mark ?? this.pos, this.held[0]?.start ?? this.base)
    let seen = this.text.slice(Math.max(0, from - this.base))
    for (let i = this.held.length - 1; i >= 0 && seen.length < maxLength; i--) {
      const segment = this.held[i]!
      seen = segment.text.slice(Math.max(0, from - segment.start)) + seen
    }
    return seen.length > maxLength ? seen.slice(-maxLength) : seen
  }

  /** The absolute position of the next character to read (to give `setPosition` later). */
  get position(): number {
    return this.pos
  }

  /** Moves the read position back to `position`, taken in the open transaction: what follows is unread again. */
  setPosition(position: number): void {
    this.restore(position)
    this.pos = Math.max(position, this.base)
    this.searchFrom = Math.min(this.searchFrom, this.pos)
  }

  // --- the reader side: each take consumes exactly what it returns ---

  private get textEnd(): number {
    return this.base + this.text.length
  }

  /** Whether there is nothing left to read and nothing more will come. */
  get exhausted(): boolean {
    return this.ended && this.chunks.length === 0 && this.pos >= this.textEnd && this.decoder.pending === undefined
  }

  private consumed(bytes: number): void {
    this.bytes -= bytes
    if (this.paused && this.bytes <= this.limit / 2) {
      this.paused = false
      this.control.resumePipe(this.name)
    }
  }

  private clearText(): void {
    this.base = this.pos = this.searchFrom = this.textEnd
    this.segments = []
    this.text = ""
    this.mark = undefined
    this.held = []
  }

  /**
   * Drops the segments before the read position from the view; while a transaction is open they are held, for a
   * rewind. Past `limit` characters of text taken but not committed, the oldest of it can no longer be given back
   * (as unread output past `limit` is dropped): memory stays bounded whatever a reader does.
   */
  private compact(): void {
    const mark = this.mark
    if (mark !== undefined && this.pos - mark > this.limit) this.mark = this.pos - this.limit
    if (this.held.length > 0) {
      const keep = this.mark ?? Infinity
      let drop = 0
      while (drop < this.held.length && this.held[drop]!.start + this.held[drop]!.text.length <= keep) drop++
      if (drop > 0) this.held = this.held.slice(drop)
    }
    let first = 0
    while (first < this.segments.length) {
      const segment = this.segments[first]!
      if (segment.start + segment.text.length > this.pos) break
      first++
    }
    if (first === 0) return
    if (this.mark !== undefined) {
      for (let i = 0; i < first; i++) {
        const segment = this.segments[i]!
        if (segment.start + segment.text.length > this.mark) this.held.push(segment)
      }
    }
    this.segments = this.segments.slice(first)
    const start = this.segments[0]?.start ?? this.textEnd
    this.text = this.text.slice(start - this.base)
    this.base = start
  }

  /**
   * All unread output as bytes, exactly as it arrived: the bytes of text decoded earlier but not consumed come
   * first, then those of an incomplete character, then every unread chunk. Empty when there is none.
   */
  takeBytes(): Array<Uint8Array> {
    const out: Array<Uint8Array> = []
    if (this.pos < this.textEnd) {
      for (const segment of this.segments) {
        const end = segment.start + segment.text.length
        if (end <= this.pos) continue
        out.push(
          segment.start >= this.pos ? segment.bytes : segment.bytes.subarray(
            byteOffsetOf(segment.bytes, this.pos - segment.start)
          )
        )
      }
    }
    this.clearText()
    this.skippingLine = false
    const pending = this.decoder.takePending()
    if (pending !== undefined) out.push(pending)
    if (this.chunks.length > 0) {
      const chunks = this.chunks
      this.chunks = []
      this.consumed(this.bytes)
      if (out.length === 0) return chunks
      for (const chunk of chunks) out.push(chunk)
    }
    return out
  }

  /**
   * Decodes the next unread chunk into the text view. False when there is none. At the end of the output the bytes
   * of an incomplete last character are decoded too (as U+FFFD).
   */
  private decodeNext(): boolean {
    const next = this.chunks.shift()
    let bytes: Uint8Array
    if (next === undefined) {
      if (!this.ended || this.decoder.pending === undefined) return false
      bytes = this.decoder.takePending()!
    } else {
      this.consumed(next.length)
      bytes = this.decoder.complete(next)
    }
    let piece = decodeAll(bytes)
    if (this.skippingLine) {
      // The rest of a line that was too long: gone as it arrives, up to its newline.
      const newline = piece.indexOf("\n")
      if (newline < 0) return true
      this.skippingLine = false
      bytes = bytes.subarray(byteOffsetOf(bytes, newline + 1))
      piece = piece.slice(newline + 1)
    }
    this.compact()
    if (piece.length === 0) return true
    this.segments.push({ bytes, text: piece, start: this.textEnd })
    this.text = this.text.length === 0 ? piece : this.text + piece
    return true
  }

  /**
   * Removes the line that starts at `start` (absolute) and is longer than `maxLineLength`: through its newline if
   * it has arrived, otherwise what there is of it, and the rest as it arrives. It is gone for every reader, in or
   * out of a transaction: the next line read starts after it.
   */
  private skipLine(start: number): void {
    const from = start - this.base
    const newline = this.text.indexOf("\n", from)
    const end = newline < 0 ? this.text.length : newline + 1
    this.skippingLine = newline < 0
    const removed = end - from
    const kept: Array<Segment> = []
    let shift = 0
    for (const segment of this.segments) {
      const segmentStart = segment.start - this.base
      const segmentEnd = segmentStart + segment.text.length
      if (segmentEnd <= from || segmentStart >= end) {
        kept.push(shift === 0 ? segment : { ...segment, start: segment.start - shift })
        continue
      }
      // The segment overlaps [from, end): keep what is before and after it, with their exact bytes.
      if (segmentStart < from) {
        const units = from - segmentStart
        kept.push({
          bytes: segment.bytes.subarray(0, byteOffsetOf(segment.bytes, units)),
          text: segment.text.slice(0, units),
          start: segment.start
        })
      }
      if (segmentEnd > end) {
        const units = end - segmentStart
        kept.push({
          bytes: segment.bytes.subarray(byteOffsetOf(segment.bytes, units)),
          text: segment.text.slice(units),
          start
        })
      }
      shift = removed
    }
    this.segments = kept
    this.text = this.text.slice(0, from) + this.text.slice(end)
    this.searchFrom = Math.min(this.searchFrom, start)
  }

  private takeText(end: number): string {
    const out = this.text.slice(this.pos - this.base, end - this.base)
    this.pos = end
    if (this.searchFrom < end) this.searchFrom = end
    return out
  }

  /**
   * Up to `max` complete lines, without their `\n` / `\r\n`; empty when no complete line is available yet. At the
   * end of the output a last line without `\n` is a line. When the next line is longer than `maxLineLength`, the
   * lines before it are returned first; then `LINE_TOO_LONG`, and that line is removed (see `skipLine`).
   */
  takeLines(max: number): Array<string> | typeof LINE_TOO_LONG {
    const out: Array<string> = []
    const maxLength = this.maxLineLength
    for (;;) {
      const text = this.text
      const base = this.base
      let pos = this.pos
      while (out.length < max) {
        const newline = text.indexOf("\n", (this.searchFrom > pos ? this.searchFrom : pos) - base)
        if (newline < 0) break
        const lineStart = pos - base
        const end = newline > lineStart && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline
        if (end - lineStart > maxLength) break
        out.push(text.slice(lineStart, end))
        pos = base + newline + 1
      }
      this.pos = pos
      if (this.searchFrom < pos) this.searchFrom = pos
      if (out.length >= max) return out
      // The rest holds no complete line within the limit. A trailing "\r" may still belong to a "\r\n".
      const from = pos - base
      const newline = text.indexOf("\n", from)
      const partial = newline < 0 ? text.length - from - (text.endsWith("\r") ? 1 : 0) : maxLength + 1
      if (partial > maxLength) {
        if (out.length > 0) return out
        this.skipLine(pos)
        return LINE_TOO_LONG
      }
      this.searchFrom = this.textEnd
      if (!this.decodeNext()) {
        if (this.ended && this.chunks.length === 0 && this.pos < this.textEnd) {
          const last = this.takeText(this.textEnd)
          out.push(last.endsWith("\r") ? last.slice(0, -1) : last)
        }
        return out
      }
    }
  }

  /** One character (a whole code point), or `undefined` when none is available yet. */
  takeChar(): string | undefined {
    while (this.pos >= this.textEnd) {
      if (!this.decodeNext()) return undefined
    }
    const code = this.text.codePointAt(this.pos - this.base)!
    return this.takeText(this.pos + (code > 0xffff ? 2 : 1))
  }

  /** All text available now (decoding every unread chunk); empty when there is none. */
  takeAllText(): string {
    while (this.decodeNext()) {
      // decode everything available
    }
    return this.takeText(this.textEnd)
  }
}
