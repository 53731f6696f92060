/**
 * One captured pipe of a child: the buffer between the platform, which pushes every chunk as it arrives, and the
 * readers, which take output in order.
 *
 * - Always drained: while nobody reads, at most `limit` unread bytes are kept and older output is dropped (and
 *   counted), so a child is never blocked by output nobody wants.
 * - While a reader holds the pipe and falls more than `limit` bytes behind, the pipe is paused until it catches up
 *   to half of that: a reader sees everything, in order.
 * - Bytes are decoded lazily (many pipes are never read as text) with the one UTF-8 decoder of `utf8.ts`; text a
 *   reader decoded but did not consume stays in front of the unread bytes for the next reader, as text or, for a
 *   byte reader, as bytes again.
 * - Any number of parties may wait for a change at once (readers of this pipe, a reader of both pipes, the
 *   release): each waiter is woken by the next change, none can take another's wake-up.
 *
 * The take operations are synchronous and consume exactly what they return; the Effects that wait and hold the
 * pipe are in `reading.ts`.
 */
import * as Effect from "effect/Effect"
import { concatBytes, decodeAll, Utf8Decoder } from "./utf8.js"

const encoder = new TextEncoder()

/**
 * The last `limit` bytes written to a pipe, kept for error messages whatever was read.
 *
 * @internal
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
 * @internal
 */
export const LINE_TOO_LONG: unique symbol = Symbol.for("@effect-process/core/LineTooLong")

/**
 * Backpressure on the platform's side of a pipe (the process, for its two pipes: no closures per channel).
 *
 * @internal
 */
export interface PipeControl {
  readonly pausePipe: (name: "stdout" | "stderr") => void
  readonly resumePipe: (name: "stdout" | "stderr") => void
}

/** @internal */
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
  /** Decoded text not consumed yet, from `textPos`; it comes before every unread chunk. */
  private text = ""
  private textPos = 0
  /** Where the next search for a newline starts: the text before it has none. */
  private searchFrom = 0
  /** The rest of a line longer than `maxLineLength` is being discarded, up to its newline. */
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
    if (this.textPos < this.text.length) {
      this.dropped += this.text.length - this.textPos
      this.resetText()
    }
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

  /** Completes as soon as anything changed after `since` (at once if it already has). */
  awaitChange(since: number): Effect.Effect<void> {
    return awaitAnyChange([this], [since])
  }

  // --- holding ---

  acquire(operation: string): boolean {
    if (this.reader !== undefined) return false
    this.reader = operation
    return true
  }

  releaseReader(): void {
    this.reader = undefined
    if (this.paused) {
      this.paused = false
      this.control.resumePipe(this.name)
    }
    if (this.bytes > this.limit) this.dropOldest()
  }

  // --- the reader side: each take consumes exactly what it returns ---

  /** Whether there is nothing left to read and nothing more will come. */
  get exhausted(): boolean {
    return this.ended && this.chunks.length === 0 && this.textPos >= this.text.length &&
      this.decoder.pending === undefined
  }

  /** Whether any output is waiting to be taken. */
  get hasUnread(): boolean {
    return this.chunks.length > 0 || this.textPos < this.text.length
  }

  private consumed(bytes: number): void {
    this.bytes -= bytes
    if (this.paused && this.bytes <= this.limit / 2) {
      this.paused = false
      this.control.resumePipe(this.name)
    }
  }

  private resetText(): void {
    this.text = ""
    this.textPos = 0
    this.searchFrom = 0
  }

  /**
   * All unread output as bytes: text decoded earlier but not consumed comes first (encoded again), then the bytes of
   * an incomplete character, then every unread chunk. Empty when there is none.
   */
  takeBytes(): Array<Uint8Array> {
    const out: Array<Uint8Array> = []
    if (this.textPos < this.text.length) out.push(encoder.encode(this.text.slice(this.textPos)))
    this.resetText()
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
    let piece: string
    if (next === undefined) {
      if (!this.ended || this.decoder.pending === undefined) return false
      piece = this.decoder.end()
    } else {
      this.consumed(next.length)
      piece = this.decoder.decode(next)
    }
    if (this.skippingLine) {
      const newline = piece.indexOf("\n")
      if (newline < 0) return true
      this.skippingLine = false
      piece = piece.slice(newline + 1)
    }
    if (this.textPos > 0) {
      // Keep only what is unread: the text view never holds consumed output.
      this.text = this.text.slice(this.textPos)
      this.searchFrom = Math.max(0, this.searchFrom - this.textPos)
      this.textPos = 0
    }
    this.text = this.text.length === 0 ? piece : this.text + piece
    return true
  }

  private takeText(end: number): string {
    const out = this.text.slice(this.textPos, end)
    this.textPos = end
    this.searchFrom = end
    if (end >= this.text.length) this.resetText()
    return out
  }

  /**
   * Up to `max` complete lines, without their `\n` / `\r\n`; empty when no complete line is available yet. At the
   * end of the output a last line without `\n` is a line. When the next line is longer than `maxLineLength`, the
   * lines before it are returned first; then `LINE_TOO_LONG`, and that line is discarded up to its newline, so the
   * next take starts after it.
   */
  takeLines(max: number): Array<string> | typeof LINE_TOO_LONG {
    const out: Array<string> = []
    const maxLength = this.maxLineLength
    for (;;) {
      const text = this.text
      let pos = this.textPos
      while (out.length < max) {
        const newline = text.indexOf("\n", this.searchFrom > pos ? this.searchFrom : pos)
        if (newline < 0) break
        const end = newline > pos && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline
        if (end - pos > maxLength) break
        out.push(text.slice(pos, end))
        pos = newline + 1
      }
      this.textPos = pos
      this.searchFrom = pos
      if (pos >= text.length) this.resetText()
      if (out.length >= max) return out
      const rest = this.text.length - this.textPos
      // The rest holds no complete line within the limit. A trailing "\r" may still belong to a "\r\n".
      const newline = this.text.indexOf("\n", this.textPos)
      const partial = newline < 0 ? rest - (this.text.endsWith("\r") ? 1 : 0) : maxLength + 1
      if (partial > maxLength) {
        if (out.length > 0) return out
        this.skippingLine = newline < 0
        if (newline < 0) this.resetText()
        else this.takeText(newline + 1)
        return LINE_TOO_LONG
      }
      this.searchFrom = this.text.length
      if (!this.decodeNext()) {
        if (this.ended && this.chunks.length === 0 && this.textPos < this.text.length) {
          const last = this.takeText(this.text.length)
          out.push(last.endsWith("\r") ? last.slice(0, -1) : last)
        }
        return out
      }
    }
  }

  /** One character (a whole code point), or `undefined` when none is available yet. */
  takeChar(): string | undefined {
    while (this.textPos >= this.text.length) {
      if (!this.decodeNext()) return undefined
    }
    const code = this.text.codePointAt(this.textPos)!
    return this.takeText(this.textPos + (code > 0xffff ? 2 : 1))
  }

  /** All text available now (decoding every unread chunk); empty when there is none. */
  takeAllText(): string {
    if (this.textPos >= this.text.length && this.chunks.length === 1 && !this.skippingLine) {
      // The common case, one fresh chunk: decode it straight to the caller, without the text view.
      this.resetText()
      const chunk = this.chunks.shift()!
      this.consumed(chunk.length)
      return this.decoder.decode(chunk)
    }
    while (this.decodeNext()) {
      // decode everything available
    }
    return this.takeText(this.text.length)
  }

  /** Puts back text a reader took but did not consume; it is read first next time. */
  unread(text: string): void {
    if (text.length === 0) return
    this.text = text + this.text.slice(this.textPos)
    this.textPos = 0
    this.searchFrom = 0
  }
}

/**
 * Completes (with `value`) as soon as any of `channels` changed after its version in `versions` (at once if one
 * already has). One callback in each channel's set of waiters and no fiber: a reader of both pipes waits as
 * cheaply as a reader of one, and other waiters of the same pipes are woken too.
 *
 * @internal
 */
export const awaitAnyChange: {
  (channels: ReadonlyArray<OutputChannel>, versions: ReadonlyArray<number>): Effect.Effect<void>
  <A>(channels: ReadonlyArray<OutputChannel>, versions: ReadonlyArray<number>, value: A): Effect.Effect<A>
} = <A>(
  channels: ReadonlyArray<OutputChannel>,
  versions: ReadonlyArray<number>,
  value?: A
): Effect.Effect<A | undefined> =>
  Effect.async<A | undefined>((resume) => {
    const done = Effect.succeed(value)
    for (let i = 0; i < channels.length; i++) {
      if (channels[i]!.currentVersion !== versions[i]) return resume(done)
    }
    const wake = () => {
      for (const channel of channels) channel.removeWaiter(wake)
      resume(done)
    }
    for (const channel of channels) channel.addWaiter(wake)
    return Effect.sync(() => {
      for (const channel of channels) channel.removeWaiter(wake)
    })
  })
