/**
 * A child process as a scoped resource: launching is the acquire, graceful termination of the whole process group
 * is the release. Every failure is a typed error, all output is a `Stream`, and output is always drained so the
 * child never blocks on a full pipe.
 *
 * The lifecycle (options, launch, ready, use, terminate, end of the pipes, run) is mapped stage by stage in
 * `internal/managedProcess.ts`, each stage in a module of its own. This module is longer than 400 lines because it
 * is the documented surface of the central concept (the handle's interface, the options and every operation, each
 * with its example); it holds no implementation.
 *
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as LogLevel from "effect/LogLevel"
import type { Pipeable } from "effect/Pipeable"
import type * as ChildProcess from "effect/process/ChildProcess"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import * as internal from "./internal/managedProcess.js"
import type * as OutputPattern from "./OutputPattern.js"
import type { ProcessError, StateError, TimeoutError } from "./ProcessError.js"
import type { ExitStatus, ProcessSpawner, Signal, StdioMode } from "./ProcessSpawner.js"
import type * as Readiness from "./Readiness.js"

/**
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: unique symbol = internal.TypeId as TypeId

/**
 * What to launch: a non-empty argv array (program first; no shell is involved), or an `effect/process`
 * `ChildProcess` command (its cwd, env, extendEnv, stdin/stdout/stderr modes and `shell` are honoured, a redacted
 * argument is passed as its value; a piped command is launched by `make` and `run` as a pipeline).
 *
 * @since 0.1.0
 * @category models
 */
export type CommandInput = ReadonlyArray<string> | ChildProcess.Command

/**
 * How to stop the process: send `signal` to its process group, wait up to `timeout` (the grace) for the group to
 * be gone, then SIGKILL the group and wait up to `killTimeout`.
 *
 * @since 0.1.0
 * @category models
 */
export interface TerminateOptions {
  /** Default `"SIGTERM"`. */
  readonly signal?: Signal | undefined
  /**
   * The grace before SIGKILL. Default 7 seconds (the reference's default); finite, as the release waits at most
   * this long.
   */
  readonly timeout?: Duration.Input | undefined
  /** How long to wait after SIGKILL before giving up (release never hangs). Default 2 seconds; finite. */
  readonly killTimeout?: Duration.Input | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options<A = void, E = never, R = never> {
  /**
   * Make the acquire wait until the process is ready (see `Readiness`); its value is the handle's `ready`. On
   * failure the process is terminated before the error is returned.
   */
  readonly readiness?: Readiness.Readiness<A, E, R> | undefined
  /** How long readiness may take. Default 60 seconds. */
  readonly readinessTimeout?: Duration.Input | undefined
  /**
   * Retry the whole acquire (launch and readiness) per this schedule, for the failures `retryWhile` accepts. Each
   * failed attempt is cleaned up (its process terminated) before the next; the final error carries `attempts`.
   */
  readonly retry?: Schedule.Schedule<unknown, ProcessError | StateError | TimeoutError | NoInfer<E>, never> | undefined
  /**
   * Which failures `retry` retries. Default: transient spawn failures (`SpawnFailed` with EAGAIN, EMFILE, ENFILE,
   * ETXTBSY). Widen it to retry e.g. `ExitedBeforeReady`.
   */
  readonly retryWhile?: ((error: ProcessError | StateError | TimeoutError | NoInfer<E>) => boolean) | undefined
  /** The working directory. A missing directory fails the launch with `ProcessError` `SpawnFailed`. */
  readonly cwd?: string | undefined
  /** Variables merged over the parent's environment; `undefined` removes a variable. Values are never logged. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /** `false` starts from an empty environment (then only `env` is set). Default `true`. */
  readonly extendEnv?: boolean | undefined
  /** Inherited variables to drop, by name or by prefix with a trailing `*` (e.g. `["COVERAGE*", "COV_CORE*"]`). */
  readonly unsetEnv?: ReadonlyArray<string> | undefined
  /** Default `"pipe"` (write with `write`, end with `closeStdin`). */
  readonly stdin?: StdioMode | undefined
  /** Default `"pipe"`: captured, drained, readable through the handle. */
  readonly stdout?: StdioMode | undefined
  /** Default `"pipe"`: captured, drained, readable, and relayed line by line to the logger. */
  readonly stderr?: StdioMode | undefined
  /**
   * Relay stderr lines to the Effect logger, annotated with pid and command, at this level (`true` = `"Info"`).
   * Default `true`. Relaying does not consume: `stderr` still reads everything.
   */
  readonly relayStderr?: boolean | LogLevel.Severity | "None" | undefined
  /** How the release (and `terminate()` without options) stops the process. */
  readonly terminate?: TerminateOptions | undefined
  /** Unread bytes kept per pipe while nobody reads (older output is dropped). Default 8 MiB. */
  readonly bufferSize?: number | undefined
  /** Bytes of each pipe's most recent output kept for error messages. Default 8 KiB. */
  readonly tailSize?: number | undefined
  /**
   * The longest line, in UTF-16 code units (JavaScript string length), that the line readers (`lines`,
   * `stderrLines`, `readLine`, `takeLines`) return. A longer line fails the read with `ProcessError` `LineTooLong`
   * and is skipped: the next line read starts after it. Default 1 Mi. Output patterns test longer lines in
   * overlapping pieces instead.
   */
  readonly maxLineLength?: number | undefined
  /**
   * How long output may still take to arrive once the leader has exited (Go's `exec.Cmd.WaitDelay`): a descendant
   * that left the process group can hold the pipes open forever. It counts from the moment the exit is noticed (or,
   * when the exit is never seen, from when the release gives up on the group). When it is over, readers waiting
   * for output stop waiting (streams end, reads fail with `OutputEnded` or `ExitedBeforeMatch`), readiness fails
   * with `ExitedBeforeReady`, and the release closes the pipes. A read that found the output over waits as long for
   * the exit status, so that its error can say how the process ended. Default 250 milliseconds.
   */
  readonly waitDelay?: Duration.Input | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ReadOptions {
  /** How long to wait. `readLine` defaults to 2 seconds, `readChar` to 1 second, `waitForOutput` to 10 seconds. */
  readonly timeout?: Duration.Input | undefined
}

/**
 * The state of the process (its group leader).
 *
 * @since 0.1.0
 * @category models
 */
export type Status =
  | { readonly _tag: "Running" }
  | { readonly _tag: "Exited"; readonly exitCode: number | undefined; readonly signal: string | undefined }

/**
 * What `terminate` (and the release) had to do:
 * - `AlreadyExited`: nothing of the process group was alive any more;
 * - `Exited`: the group was gone within the grace after the signal;
 * - `Killed`: it took SIGKILL. `survivors` is true if something was still alive after `killTimeout` too.
 *
 * @since 0.1.0
 * @category models
 */
export type TerminateOutcome =
  | {
    readonly _tag: "AlreadyExited"
    readonly exit: ExitStatus
    readonly elapsed: Duration.Duration
  }
  | {
    readonly _tag: "Exited"
    readonly exit: ExitStatus
    readonly elapsed: Duration.Duration
  }
  | {
    readonly _tag: "Killed"
    readonly exit: ExitStatus | undefined
    readonly elapsed: Duration.Duration
    readonly survivors: boolean
  }

/**
 * A running (or finished) child process owned by a `Scope`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ManagedProcess<out Ready = void> extends Pipeable {
  readonly [TypeId]: TypeId
  /** The value readiness yielded (e.g. the port a server announced); `undefined` without readiness. */
  readonly ready: Ready
  /** The process id; also the id of its process group. */
  readonly pid: number
  /** The argv that was launched. */
  readonly command: ReadonlyArray<string>
  readonly status: Effect.Effect<Status>
  readonly isRunning: Effect.Effect<boolean>
  /** Waits for the process to exit. Does not wait for pipes a grandchild may still hold. */
  readonly awaitExit: Effect.Effect<ExitStatus>
  /** Sends a signal (default SIGTERM) to the whole process group. A process that is gone is not an error. */
  readonly kill: (signal?: Signal) => Effect.Effect<void, ProcessError | StateError>
  /**
   * Stops the process group: signal, grace, SIGKILL, bounded wait. Never fails, never hangs; runs once (later calls
   * and the release get the same outcome). Interrupting the caller does not interrupt the termination.
   */
  readonly terminate: (options?: TerminateOptions) => Effect.Effect<TerminateOutcome, ProcessError>
  /**
   * Unread stdout bytes, in order, until the pipe ends. One reader at a time. Each pull takes everything that has
   * arrived (a chunk of byte arrays): what the stream delivered is consumed, what it did not is kept for the next
   * reader.
   */
  readonly stdout: Stream.Stream<Uint8Array, StateError>
  /** Unread stderr bytes, like `stdout`. */
  readonly stderr: Stream.Stream<Uint8Array, StateError>
  /**
   * Unread stdout as lines (UTF-8, without `\n` / `\r\n`). Each pull takes every complete line that has arrived,
   * as one chunk: a downstream that stops in the middle of a chunk (`Stream.take`, `takeUntil`, `find`) drops the
   * rest of that chunk. To read some lines and leave the rest for the next reader, use `takeLines`, `readLine` or
   * `waitForOutput`, which consume exactly what they return. A line longer than `maxLineLength` fails the stream
   * with `ProcessError` `LineTooLong`.
   */
  readonly lines: Stream.Stream<string, StateError | ProcessError>
  /** Unread stderr as lines, like `lines`. */
  readonly stderrLines: Stream.Stream<string, StateError | ProcessError>
  /**
   * The next stdout line (without its line ending). Times out with `TimeoutError` (default 2 s) losing nothing;
   * fails with `ProcessError` `OutputEnded` when stdout ended.
   */
  readonly readLine: (options?: ReadOptions) => Effect.Effect<string, ProcessError | StateError | TimeoutError>
  /**
   * The next `count` stdout lines, exactly: what follows them stays unread. A timeout (default 2 s, for all of
   * them) or the end of the output before `count` lines puts back the lines already taken, losing nothing.
   */
  readonly takeLines: (
    count: number,
    options?: ReadOptions
  ) => Effect.Effect<ReadonlyArray<string>, ProcessError | StateError | TimeoutError>
  /** The next character (a whole code point) of stdout. Default timeout 1 s. */
  readonly readChar: (options?: ReadOptions) => Effect.Effect<string, ProcessError | StateError | TimeoutError>
  /**
   * Reads stdout (or the pipes the pattern names) until the pattern matches (an array means: every part appears, the
   * reference's semantics) and consumes the output through the line that completed the match, on that pipe only.
   * Any other outcome (timeout, failure, interruption) gives back everything it read. Fails with `ProcessError` `ExitedBeforeMatch` if the output ends first,
   * with `TimeoutError` (default 10 s) carrying what was seen.
   */
  readonly waitForOutput: {
    (parts: ReadonlyArray<string>, options?: ReadOptions): Effect.Effect<
      string,
      ProcessError | StateError | TimeoutError
    >
    <A>(pattern: OutputPattern.OutputPattern<A>, options?: ReadOptions): Effect.Effect<
      A,
      ProcessError | StateError | TimeoutError
    >
  }
  /** Writes to stdin (strings as UTF-8). Fails with `ProcessError` `WriteFailed` (EPIPE) if the child is gone. */
  readonly write: (input: string | Uint8Array) => Effect.Effect<void, ProcessError | StateError>
  /** Closes stdin: the child reads end-of-file. Idempotent. */
  readonly closeStdin: Effect.Effect<void, StateError>
  /** The most recent stdout output (up to `tailSize` bytes), read or not. */
  readonly stdoutTail: Effect.Effect<string>
  /** The most recent stderr output (up to `tailSize` bytes), read or not. */
  readonly stderrTail: Effect.Effect<string>
}

/**
 * Launches `command` and returns its handle; closing the scope terminates the whole process group (signal, grace,
 * SIGKILL) and never hangs. Succeeds once the operating system has started the process, or, with `readiness`, once
 * it is ready.
 *
 * @example
 * import { Effect } from "effect"
 * import { ManagedProcess } from "effect-process"
 * import { NodeProcess } from "@effect-process/platform-node"
 *
 * const program = Effect.gen(function*() {
 *   const proc = yield* ManagedProcess.make(["node", "server.js"], { terminate: { timeout: "5 seconds" } })
 *   return yield* proc.waitForOutput(["listening on"])
 * }).pipe(Effect.scoped, Effect.provide(NodeProcess.layer))
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <A = void, E = never, R = never>(
  command: CommandInput,
  options?: Options<A, E, R>
) => Effect.Effect<ManagedProcess<A>, ProcessError | StateError | TimeoutError | E, ProcessSpawner | Scope.Scope | R> =
  internal.make

/**
 * A layer whose service comes from a process: the process is launched (and awaited ready) when the layer is built
 * and terminated when it is released, so application layers depend on a process like on any other service.
 *
 * @example
 * import { Context, Effect } from "effect"
 * import { ManagedProcess, OutputPattern, Readiness } from "effect-process"
 *
 * class Database extends Context.Service<Database, { readonly url: string }>()("Database") {}
 *
 * const DatabaseLive = ManagedProcess.layer(Database, ["postgres", "-D", "data", "-p", "5433"], {
 *   readiness: Readiness.port(5433),
 *   service: (proc) => ({ url: `postgres://127.0.0.1:${proc.ready.port}/postgres` })
 * })
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: <I, S, A = void, E = never, R = never>(
  tag: Context.Key<I, S>,
  command: CommandInput,
  options: Options<A, E, R> & { readonly service: (proc: ManagedProcess<A>) => S }
) => Layer.Layer<I, ProcessError | StateError | TimeoutError | E, ProcessSpawner | R> = internal.layer

/**
 * @since 0.1.0
 * @category models
 */
export interface RunOptions
  extends Omit<Options, "stdin" | "relayStderr" | "readiness" | "readinessTimeout" | "retry" | "retryWhile">
{
  /** Bytes written to stdin, which is then closed. Without it stdin is empty (`cat` ends at once). */
  readonly input?: string | Uint8Array | undefined
  /** Relay stderr to the logger. Default `false` for `run` (the result carries it). */
  readonly relayStderr?: boolean | LogLevel.Severity | "None" | undefined
  /** Most bytes collected per stream; more fails with `MaxBufferExceeded` and stops the process. Default 128 MiB. */
  readonly maxBuffer?: number | undefined
  /** Stop the process and fail with `TimeoutError` `Run` after this long. Default: no limit. */
  readonly timeout?: Duration.Input | undefined
  /** Exit codes that count as success. Default `[0]`. */
  readonly successExitCodes?: ReadonlyArray<number> | undefined
}

/**
 * What `run` returns.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunResult {
  readonly command: ReadonlyArray<string>
  readonly pid: number
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
  readonly duration: Duration.Duration
}

/**
 * Runs `command` to completion and collects its output. A non-zero exit is a `ProcessError` (`NonZeroExit`, or
 * `KilledBySignal`) carrying the output tails.
 *
 * @example
 * import { Effect } from "effect"
 * import { ManagedProcess } from "effect-process"
 * import { NodeProcess } from "@effect-process/platform-node"
 *
 * const program = ManagedProcess.run(["git", "rev-parse", "HEAD"]).pipe(
 *   Effect.map((result) => result.stdout.trim()),
 *   Effect.provide(NodeProcess.layer)
 * )
 *
 * @since 0.1.0
 * @category constructors
 */
export const run: (
  command: CommandInput,
  options?: RunOptions
) => Effect.Effect<RunResult, ProcessError | TimeoutError, ProcessSpawner> = internal.run

/**
 * A command's stdout as a string: `run` and its `stdout`. Like `effect/process`'s `ChildProcessSpawner.string`, but an exit
 * that is not a success fails with `ProcessError` `NonZeroExit` or `KilledBySignal` (with the stderr tail), stdin
 * is empty unless `input` is given, the output is always drained, and the whole process group is terminated when
 * the effect is interrupted or times out (`timeout`).
 *
 * @example
 * import { Effect } from "effect"
 * import { ManagedProcess } from "effect-process"
 * import { NodeProcess } from "@effect-process/platform-node"
 *
 * const branch = ManagedProcess.string(["git", "branch", "--show-current"]).pipe(
 *   Effect.map((stdout) => stdout.trim()),
 *   Effect.provide(NodeProcess.layer)
 * )
 *
 * @since 0.1.0
 * @category constructors
 */
export const string: (
  command: CommandInput,
  options?: RunOptions
) => Effect.Effect<string, ProcessError | TimeoutError, ProcessSpawner> = internal.string

/**
 * A command's stdout as lines (without `\n` or `\r\n`; a final newline gives no empty last line), with the
 * guarantees of `string`. Like `effect/process`'s `ChildProcessSpawner.lines`.
 *
 * @example
 * import { Effect } from "effect"
 * import { ManagedProcess } from "effect-process"
 * import { NodeProcess } from "@effect-process/platform-node"
 *
 * const changed = ManagedProcess.lines(["git", "diff", "--name-only"]).pipe(Effect.provide(NodeProcess.layer))
 *
 * @since 0.1.0
 * @category constructors
 */
export const lines: (
  command: CommandInput,
  options?: RunOptions
) => Effect.Effect<ReadonlyArray<string>, ProcessError | TimeoutError, ProcessSpawner> = internal.lines

/**
 * @since 0.1.0
 * @category models
 */
export interface StreamLinesOptions
  extends Omit<Options, "stdin" | "relayStderr" | "readiness" | "readinessTimeout" | "retry" | "retryWhile">
{
  /** Bytes written to stdin, which is then closed. Without it stdin is empty. */
  readonly input?: string | Uint8Array | undefined
  /** Relay stderr to the logger. Default `false` (a failure carries the stderr tail). */
  readonly relayStderr?: boolean | LogLevel.Severity | "None" | undefined
  /** Exit codes that count as success. Default `[0]`. */
  readonly successExitCodes?: ReadonlyArray<number> | undefined
}

/**
 * The lines of a command's stdout as they arrive, as a `Stream`. Like `effect/process`'s `ChildProcessSpawner.streamLines`,
 * but the process is launched when the stream runs and terminated (its whole group, gracefully, within the grace)
 * when the stream ends early (`Stream.take`, an interruption, a failure downstream), and after the last line the
 * exit is checked: one that is not a success fails the stream with `ProcessError` `NonZeroExit` or
 * `KilledBySignal`. Output is drained whether or not the stream keeps up; bound the time with `Stream.timeout` or
 * `Stream.interruptAfter`.
 *
 * @example
 * import { Effect, Stream } from "effect"
 * import { ManagedProcess } from "effect-process"
 * import { NodeProcess } from "@effect-process/platform-node"
 *
 * // the first 10 lines with "error"; then the process is terminated
 * const firstErrors = ManagedProcess.streamLines(["journalctl", "-f"]).pipe(
 *   Stream.filter((line) => line.includes("error")),
 *   Stream.take(10),
 *   Stream.runCollect,
 *   Effect.provide(NodeProcess.layer)
 * )
 *
 * @since 0.1.0
 * @category constructors
 */
export const streamLines: (
  command: CommandInput,
  options?: StreamLinesOptions
) => Stream.Stream<string, ProcessError, ProcessSpawner> = internal.streamLines

/**
 * Whether `u` is a `ManagedProcess` handle.
 *
 * @example
 * import { ManagedProcess } from "effect-process"
 *
 * ManagedProcess.isManagedProcess({}) // false
 *
 * @since 0.1.0
 * @category guards
 */
export const isManagedProcess: (u: unknown) => u is ManagedProcess<unknown> = internal.isManagedProcess

/**
 * Data-first and data-last form of `proc.waitForOutput`.
 *
 * @example
 * import { Effect } from "effect"
 * import { ManagedProcess } from "effect-process"
 *
 * const ready = (proc: ManagedProcess.ManagedProcess) =>
 *   proc.pipe(ManagedProcess.waitForOutput(["ready"], { timeout: "5 seconds" }))
 *
 * @since 0.1.0
 * @category combinators
 */
export const waitForOutput: {
  (
    parts: ReadonlyArray<string>,
    options?: ReadOptions
  ): (self: ManagedProcess<any>) => Effect.Effect<string, ProcessError | StateError | TimeoutError>
  <A>(
    pattern: OutputPattern.OutputPattern<A>,
    options?: ReadOptions
  ): (self: ManagedProcess<any>) => Effect.Effect<A, ProcessError | StateError | TimeoutError>
  (
    self: ManagedProcess<any>,
    parts: ReadonlyArray<string>,
    options?: ReadOptions
  ): Effect.Effect<string, ProcessError | StateError | TimeoutError>
  <A>(
    self: ManagedProcess<any>,
    pattern: OutputPattern.OutputPattern<A>,
    options?: ReadOptions
  ): Effect.Effect<A, ProcessError | StateError | TimeoutError>
} = internal.waitForOutput

/**
 * The data-first and data-last forms of a read that takes only options (`readLine`, `readChar`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Read<A> {
  (options?: ReadOptions): (self: ManagedProcess<any>) => Effect.Effect<A, ProcessError | StateError | TimeoutError>
  (self: ManagedProcess<any>, options?: ReadOptions): Effect.Effect<A, ProcessError | StateError | TimeoutError>
}

/**
 * Data-first and data-last form of `proc.readLine`.
 *
 * @example
 * import { ManagedProcess } from "effect-process"
 *
 * const next = (proc: ManagedProcess.ManagedProcess) => ManagedProcess.readLine(proc, { timeout: "1 second" })
 *
 * @since 0.1.0
 * @category combinators
 */
export const readLine: Read<string> = internal.readLine

/**
 * Data-first and data-last form of `proc.takeLines`.
 *
 * @example
 * import { ManagedProcess } from "effect-process"
 *
 * const header = (proc: ManagedProcess.ManagedProcess) => proc.pipe(ManagedProcess.takeLines(3, { timeout: "1 second" }))
 *
 * @since 0.1.0
 * @category combinators
 */
export const takeLines: {
  (
    count: number,
    options?: ReadOptions
  ): (self: ManagedProcess<any>) => Effect.Effect<ReadonlyArray<string>, ProcessError | StateError | TimeoutError>
  (
    self: ManagedProcess<any>,
    count: number,
    options?: ReadOptions
  ): Effect.Effect<ReadonlyArray<string>, ProcessError | StateError | TimeoutError>
} = internal.takeLines

/**
 * Data-first and data-last form of `proc.readChar`.
 *
 * @example
 * import { ManagedProcess } from "effect-process"
 *
 * const next = (proc: ManagedProcess.ManagedProcess) => ManagedProcess.readChar(proc)
 *
 * @since 0.1.0
 * @category combinators
 */
export const readChar: Read<string> = internal.readChar

/**
 * Data-first and data-last form of `proc.write`.
 *
 * @example
 * import { ManagedProcess } from "effect-process"
 *
 * const send = (proc: ManagedProcess.ManagedProcess) => proc.pipe(ManagedProcess.write("hello\n"))
 *
 * @since 0.1.0
 * @category combinators
 */
export const write: {
  (input: string | Uint8Array): (self: ManagedProcess<any>) => Effect.Effect<void, ProcessError | StateError>
  (self: ManagedProcess<any>, input: string | Uint8Array): Effect.Effect<void, ProcessError | StateError>
} = internal.write

/**
 * Data-first and data-last form of `proc.terminate`.
 *
 * @example
 * import { ManagedProcess } from "effect-process"
 *
 * const stop = (proc: ManagedProcess.ManagedProcess) => ManagedProcess.terminate(proc, { timeout: "1 second" })
 *
 * @since 0.1.0
 * @category combinators
 */
export const terminate: {
  (options?: TerminateOptions): (self: ManagedProcess<any>) => Effect.Effect<TerminateOutcome, ProcessError>
  (self: ManagedProcess<any>, options?: TerminateOptions): Effect.Effect<TerminateOutcome, ProcessError>
} = internal.terminate

/**
 * The reference's default grace before SIGKILL: 7 seconds.
 *
 * @example
 * import { Duration } from "effect"
 * import { ManagedProcess } from "effect-process"
 *
 * Duration.toSeconds(Duration.fromInputUnsafe(ManagedProcess.DEFAULT_TERMINATE_TIMEOUT)) // 7
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_TERMINATE_TIMEOUT: Duration.Input = internal.DEFAULT_TERMINATE_TIMEOUT

/**
 * The default timeout of readLine: 2 seconds (the reference's).
 *
 * @example
 * import { ManagedProcess } from "effect-process"
 *
 * const timeout = ManagedProcess.DEFAULT_READLINE_TIMEOUT
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_READLINE_TIMEOUT: Duration.Input = internal.DEFAULT_READLINE_TIMEOUT

/**
 * The default timeout of readChar: 1 second (the reference's).
 *
 * @example
 * import { ManagedProcess } from "effect-process"
 *
 * const timeout = ManagedProcess.DEFAULT_READCHAR_TIMEOUT
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_READCHAR_TIMEOUT: Duration.Input = internal.DEFAULT_READCHAR_TIMEOUT

/**
 * The default timeout of waitForOutput: 10 seconds (the reference's).
 *
 * @example
 * import { ManagedProcess } from "effect-process"
 *
 * const timeout = ManagedProcess.DEFAULT_WAIT_TIMEOUT
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_WAIT_TIMEOUT: Duration.Input = internal.DEFAULT_WAIT_TIMEOUT
