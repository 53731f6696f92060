import * as Effect from "effect/Effect"

/**
 * Length of the longest prefix of `bytes` that does not end inside a UTF-8 multi-byte sequence.
 *
 * @internal
 */
export const completeUtf8Length = (bytes: Uint8Array): number => {
  const n = bytes.length
  for (let i = n - 1, back = 1; i >= 0 && back <= 4; i--, back++) {
    const byte = bytes[i]!
    if ((byte & 0xc0) === 0x80) continue // a continuation byte: keep looking for the lead byte
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1
    return back >= needed ? n : i
  }
  return n
}

const encoder = new TextEncoder()

/**
 * Decodes `carry` + `chunk` up to the last complete UTF-8 character. Returns the text and the bytes of an
 * incomplete last character, to put in front of the next chunk.
 *
 * @internal
 */
export const decodeComplete = (
  decoder: TextDecoder,
  carry: Uint8Array | undefined,
  chunk: Uint8Array
): readonly [string, Uint8Array | undefined] => {
  const bytes = carry === undefined ? chunk : concatBytes(carry, chunk)
  const complete = completeUtf8Length(bytes)
  return complete === bytes.length
    ? [decoder.decode(bytes), undefined]
    : [decoder.decode(bytes.subarray(0, complete)), bytes.slice(complete)]
}

const COALESCE_LIMIT = 4 * 1024 * 1024

/** @internal */
export const concatBytes = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

/**
 * The last `limit` bytes written to a pipe, kept for error messages whatever was read.
 *
 * @internal
 */
export class Tail {
  private chunks: Array<Uint8Array> = []
  private size = 0
  constructor(private readonly limit: number) {}
  push(chunk: Uint8Array): void {
    if (this.limit === 0) return
    this.chunks.push(chunk)
    this.size += chunk.length
    while (this.chunks.length > 1 && this.size - this.chunks[0]!.length >= this.limit) {
      this.size -= this.chunks.shift()!.length
    }
  }
  text(): string {
    if (this.size === 0) return ""
    let bytes = this.chunks.length === 1 ? this.chunks[0]! : this.chunks.reduce(concatBytes)
    if (bytes.length > this.limit) {
      let start = bytes.length - this.limit
      while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++ // do not start inside a character
      bytes = bytes.subarray(start)
    }
    return new TextDecoder().decode(bytes)
  }
}

/**
 * One captured pipe of a child: always drained (the platform calls `push` for every chunk), kept for one reader at a
 * time in order, with bounded memory.
 *
 * - While nobody reads, at most `limit` unread bytes are kept; older bytes are dropped (and counted), so a child is
 *   never blocked by output nobody wants.
 * - While a reader holds the pipe and falls more than `limit` bytes behind, the pipe is paused until it catches up
 *   to half of that: a reader sees everything, in order.
 * - Bytes are decoded to text lazily and only at complete UTF-8 sequences, so a character split across chunks
 *   stays whole; text decoded but not consumed stays for the next reader (a timed-out read loses nothing).
 *
 * @internal
 */
export class OutputChannel {
  private chunks: Array<Uint8Array> = []
  private bytes = 0
  /** Bytes dropped because nobody read them and the buffer was full. */
  dropped = 0
  ended = false
  /** Bumped on every change a reader may wait for: data, end of output, exit of the process. */
  private version = 0
  private waiter: (() => void) | undefined = undefined
  private paused = false
  /** The operation holding the pipe, if any. */
  reader: string | undefined = undefined
  private text = ""
  private textPos = 0
  private searchFrom = 0
  private carry: Uint8Array | undefined = undefined
  private decoderInstance: TextDecoder | undefined = undefined
  readonly tail: Tail
  /** An extra listener of every chunk (the stderr relay). */
  tap: ((chunk: Uint8Array) => void) | undefined = undefined

  constructor(
    readonly limit: number,
    tailLimit: number,
    private readonly maxLineLength: number,
    private readonly control: { readonly pause: () => void; readonly resume: () => void }
  ) {
    this.tail = new Tail(tailLimit)
  }

  /** Made on the first text read: many processes are never read as text. */
  private decoder(): TextDecoder {
    return this.decoderInstance ??= new TextDecoder()
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
        this.control.pause()
      }
    }
    this.notify()
  }

  end(): void {
    this.ended = true
    this.notify()
  }

  notify(): void {
    this.version++
    const waiter = this.waiter
    if (waiter !== undefined) {
      this.waiter = undefined
      waiter()
    }
  }

  private dropOldest(): void {
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
    this.carry = undefined
  }

  // --- the reader side ---

  /** The current version: pass it to `awaitChange` to wait for anything newer. */
  get currentVersion(): number {
    return this.version
  }

  /** Completes as soon as anything changed after `since` (at once if it already has). */
  awaitChange(since: number): Effect.Effect<void> {
    return awaitAnyChange([this], [since])
  }

  /** @internal */
  setWaiter(waiter: () => void): void {
    this.waiter = waiter
  }

  /** @internal */
  clearWaiter(waiter: () => void): void {
    if (this.waiter === waiter) this.waiter = undefined
  }

  /** Whether there is nothing left to read and nothing more will come. */
  get exhausted(): boolean {
    return this.ended && this.bytes === 0 && this.textPos >= this.text.length && this.carry === undefined
  }

  acquire(operation: string): boolean {
    if (this.reader !== undefined) return false
    this.reader = operation
    return true
  }

  releaseReader(): void {
    this.reader = undefined
    if (this.paused) {
      this.paused = false
      this.control.resume()
    }
    if (this.bytes > this.limit) this.dropOldest()
  }

  private consumed(bytes: number): void {
    this.bytes -= bytes
    if (this.paused && this.bytes <= this.limit / 2) {
      this.paused = false
      this.control.resume()
    }
  }

  /**
   * Takes what a text read decoded but did not consume, as bytes again, then the bytes of an incomplete character:
   * both come before any unread chunk.
   */
  private takePendingBytes(): Array<Uint8Array> {
    const out: Array<Uint8Array> = []
    if (this.textPos < this.text.length) out.push(encoder.encode(this.text.slice(this.textPos)))
    this.text = ""
    this.textPos = 0
    this.searchFrom = 0
    if (this.carry !== undefined) out.push(this.carry)
    this.carry = undefined
    return out
  }

  /** All unread output as bytes (text decoded earlier but not consumed comes first, re-encoded). */
  takeBytes(): Array<Uint8Array> {
    const out = this.takePendingBytes()
    const chunks = this.chunks
    this.chunks = []
    this.consumed(this.bytes)
    for (const chunk of chunks) out.push(chunk)
    return out
  }

  /** The next unread piece of output as bytes, or `undefined` when there is none yet. */
  takeChunk(): Uint8Array | undefined {
    const pending = this.takePendingBytes()
    if (pending.length > 0) return pending.reduce(concatBytes)
    if (this.chunks.length <= 1) {
      const next = this.chunks.shift()
      if (next !== undefined) this.consumed(next.length)
      return next
    }
    // Several chunks wait: one element for all of them (up to 4 MiB), so a reader that fell behind catches up in
    // one step instead of one stream step per 64 KiB chunk.
    let size = 0
    let count = 0
    while (count < this.chunks.length && (count === 0 || size + this.chunks[count]!.length <= COALESCE_LIMIT)) {
      size += this.chunks[count]!.length
      count++
    }
    const taken = this.chunks.splice(0, count)
    this.consumed(size)
    if (taken.length === 1) return taken[0]
    const out = new Uint8Array(size)
    let offset = 0
    for (const chunk of taken) {
      out.set(chunk, offset)
      offset += chunk.length
    }
    return out
  }

  /** Decodes the next unread chunk into the text view. False when there is none. */
  private decodeNext(): boolean {
    const next = this.chunks.shift()
    if (next === undefined) {
      if (this.ended && this.carry !== undefined) {
        // The output ended inside a character: decode what there is (a replacement character).
        this.appendText(this.decoder().decode(this.carry))
        this.carry = undefined
        return true
      }
      return false
    }
    this.consumed(next.length)
    const [text, carry] = decodeComplete(this.decoder(), this.carry, next)
    this.carry = carry
    this.appendText(text)
    return true
  }

  private appendText(piece: string): void {
    if (this.textPos > 65536 && this.textPos > this.text.length / 2) {
      this.text = this.text.slice(this.textPos)
      this.searchFrom -= this.textPos
      this.textPos = 0
    }
    this.text += piece
  }

  private takeText(end: number): string {
    const out = this.text.slice(this.textPos, end)
    this.textPos = end
    this.searchFrom = end
    if (this.textPos >= this.text.length) {
      this.text = ""
      this.textPos = 0
      this.searchFrom = 0
    }
    return out
  }

  /**
   * The next line without its `\n` / `\r\n`, or `undefined` when no complete line is available yet. At the end of
   * the output a last line without `\n` is a line. A line longer than `maxLineLength` comes in pieces.
   */
  takeLine(): string | undefined {
    for (;;) {
      const newline = this.text.indexOf("\n", Math.max(this.searchFrom, this.textPos))
      if (newline >= 0 && newline - this.textPos <= this.maxLineLength) {
        const line = this.takeText(newline + 1)
        return line.endsWith("\r\n") ? line.slice(0, -2) : line.slice(0, -1)
      }
      if (this.text.length - this.textPos >= this.maxLineLength) return this.takeText(this.textPos + this.maxLineLength)
      this.searchFrom = this.text.length
      if (!this.decodeNext()) {
        if (this.ended && this.textPos < this.text.length && this.chunks.length === 0) {
          return this.takeText(this.text.length)
        }
        return undefined
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

  /** All text available now (decoding every unread chunk). */
  takeAllText(): string {
    if (this.textPos >= this.text.length && this.chunks.length === 1 && this.carry === undefined) {
      // The common case, one fresh chunk: decode it straight to the caller, without the text view.
      this.text = ""
      this.textPos = 0
      this.searchFrom = 0
      const chunk = this.chunks.shift()!
      this.consumed(chunk.length)
      const [text, carry] = decodeComplete(this.decoder(), undefined, chunk)
      this.carry = carry
      return text
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
 * Completes as soon as any of `channels` changed after its version in `versions` (at once if one already has). One
 * callback on each channel and no fiber: a reader of both pipes waits as cheaply as a reader of one.
 *
 * @internal
 */
export const awaitAnyChange = (
  channels: ReadonlyArray<OutputChannel>,
  versions: ReadonlyArray<number>
): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (channels.some((channel, i) => channel.currentVersion !== versions[i])) return resume(Effect.void)
    const wake = () => {
      for (const channel of channels) channel.clearWaiter(wake)
      resume(Effect.void)
    }
    for (const channel of channels) channel.setWaiter(wake)
    return Effect.sync(() => {
      for (const channel of channels) channel.clearWaiter(wake)
    })
  })
