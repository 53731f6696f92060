/**
 * The state of one launched process, shared by the handle, the spawner's listeners, the readers and the release:
 * a tagged `State` (`Running`, `Exited`, `Terminating`, `Released`), the output channels and the deadline of the
 * pipes after the exit (`waitDelay`), the stderr relay, the annotations of its logs, the context of its errors.
 */
import { OutputChannel, type PipeControl } from "@effect-process/engine/OutputChannel"
import { nextTurn } from "@effect-process/engine/Scheduling"
import type * as Clock from "effect/Clock"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as ManagedProcess from "../ManagedProcess.js"
import type { ProcessError, StateError } from "../ProcessError.js"
import type { ExitStatus, SpawnedProcess, SpawnListeners } from "../ProcessSpawner.js"
import type { Normalized } from "./command.js"
import * as compat from "./compat.js"
import * as errors from "./errors.js"
import * as metrics from "./metrics.js"
import { Once } from "./once.js"
import type { Readable } from "./reading.js"
import type { TerminateSettings } from "./settings.js"
import { StderrRelay } from "./stderrRelay.js"

/**
 * Where a process is in its life. `Exited`: the leader's exit was noticed (its group may live on). `Terminating`: a
 * stop is under way or done (`done` has its outcome), whether or not the exit was seen. `Released`: the scope closed;
 * nothing may be used any more.
 *
 * @internal
 */
export type State =
  | { readonly _tag: "Running" }
  | { readonly _tag: "Exited"; readonly exit: ExitStatus }
  | { readonly _tag: "Terminating"; readonly exit: ExitStatus | undefined; readonly done: Termination }
  | { readonly _tag: "Released"; readonly exit: ExitStatus | undefined; readonly done: Termination | undefined }

/**
 * The outcome of stopping a process, once it is known.
 *
 * @internal
 */
export type Termination = Once<Exit.Exit<ManagedProcess.TerminateOutcome>>

const RUNNING: State = { _tag: "Running" }

/**
 * A launched process: its state, its pipes, its stderr relay, its metrics. It is its own `SpawnListeners`, built
 * before the spawn (the spawner calls it for output and the exit) and given the spawned process by `attach` right
 * after; the handle, the readers and the release all work on it.
 *
 * @internal
 */
export class Process implements Readable, SpawnListeners, PipeControl {
  private spawnedProcess: SpawnedProcess | undefined = undefined
  state: State = RUNNING
  readonly exited = new Once<ExitStatus>()
  readonly stdout: OutputChannel | undefined
  readonly stderr: OutputChannel | undefined
  stdinClosed = false
  /** The stdin stream of the command failed (not a write: the stream itself): `run` fails with this. */
  inputFailure: ProcessError | undefined = undefined
  pipesOverdue = false
  /** The timer that marks the pipes overdue, while one runs. */
  private pipeTimer: ReturnType<typeof compat.forkOnClock> | undefined = undefined
  readonly relay: StderrRelay | undefined
  readonly metrics: metrics.ProgramMetrics

  constructor(
    readonly spec: Normalized,
    readonly settings: TerminateSettings,
    /** The launching fiber's clock: the pipe timer runs on it (a `TestClock` in tests). */
    private readonly clock: Clock.Clock,
    /** What the stderr relay logs through (the launching fiber), when it relays. */
    relayRuntime: compat.RelayContext | undefined
  ) {
    this.metrics = metrics.forProgram(spec.argv)
    this.stdout = spec.request.stdout === "pipe" ? this.channel("stdout") : undefined
    this.stderr = spec.request.stderr === "pipe" ? this.channel("stderr") : undefined
    if (this.stderr !== undefined && relayRuntime !== undefined && spec.relayStderr !== undefined) {
      const relay = new StderrRelay(spec.relayStderr, relayRuntime)
      this.relay = relay
      this.stderr.tap = (chunk) => relay.push(chunk)
    }
  }

  /** The spawn succeeded: from now on the process can be signalled, written to and read. */
  attach(spawned: SpawnedProcess): void {
    this.spawnedProcess = spawned
  }

  get spawned(): SpawnedProcess {
    // Only reachable before `attach` through a bug: the launch attaches before anything else uses the process.
    return this.spawnedProcess!
  }

  /** The exit status, once the leader's exit was noticed. */
  get exit(): ExitStatus | undefined {
    return this.state._tag === "Running" ? undefined : this.state.exit
  }

  /** The scope was closed: reads are refused, waiting readers end. */
  get released(): boolean {
    return this.state._tag === "Released"
  }

  /** The stop under way or done, if any. */
  get termination(): Termination | undefined {
    return this.state._tag === "Terminating" || this.state._tag === "Released" ? this.state.done : undefined
  }

  /** A stop begins: later callers get the same outcome. */
  beginTermination(): Termination {
    const done = new Once<Exit.Exit<ManagedProcess.TerminateOutcome>>()
    this.state = { _tag: "Terminating", exit: this.exit, done }
    return done
  }

  private channel(name: "stdout" | "stderr"): OutputChannel {
    return new OutputChannel(this.spec.bufferSize, this.spec.tailSize, this.spec.maxLineLength, this, name)
  }

  // The platform calls the listeners only after `spawn` succeeded, so `spawned` is set by then.
  pausePipe(name: "stdout" | "stderr"): void {
    this.spawned.pause(name)
  }

  resumePipe(name: "stdout" | "stderr"): void {
    this.spawned.resume(name)
  }

  // --- the listeners of the spawn (the process is its own `SpawnListeners`: no closures per launch) ---

  readonly onStdout = (chunk: Uint8Array): void => this.stdout?.push(chunk)
  readonly onStdoutEnd = (): void => {
    this.stdout?.end()
    this.pipeEnded()
  }
  readonly onStderr = (chunk: Uint8Array): void => this.stderr?.push(chunk)
  readonly onStderrEnd = (): void => {
    this.relay?.end()
    this.stderr?.end()
    this.pipeEnded()
  }
  readonly onExit = (status: ExitStatus): void => {
    const state = this.state
    this.state = state._tag === "Running" || state._tag === "Exited"
      ? { _tag: "Exited", exit: status }
      : { ...state, exit: status }
    this.exited.set(status)
    this.startPipeDeadline()
    // Readers waiting for output also watch for the exit.
    this.stdout?.notify()
    this.stderr?.notify()
  }

  private get pipesEnded(): boolean {
    return this.stdout?.ended !== false && this.stderr?.ended !== false
  }

  /**
   * From now on, the pipes get `waitDelay` to reach end-of-file; then they are overdue and every waiting reader is
   * woken to give up. Started when the leader's exit is noticed, or when the release has given up on the group. In
   * the common case the pipes have ended by then and no timer is started at all.
   */
  startPipeDeadline(): void {
    if (this.pipesOverdue || this.pipeTimer !== undefined || this.pipesEnded || this.deadlinePending) return
    // The ends usually arrive in the same turn of the event loop as the exit: look again in the next one before
    // starting a timer (a fiber of its own, with its clock).
    this.deadlinePending = true
    nextTurn(() => {
      this.deadlinePending = false
      this.startPipeTimer()
    })
  }

  private deadlinePending = false

  private startPipeTimer(): void {
    if (this.pipesOverdue || this.pipeTimer !== undefined || this.pipesEnded) return
    this.pipeTimer = compat.forkOnClock(
      Effect.sleep(this.spec.waitDelay).pipe(
        Effect.zipRight(Effect.sync(() => {
          this.pipeTimer = undefined
          this.pipesOverdue = true
          this.stdout?.notify()
          this.stderr?.notify()
        }))
      ),
      this.clock
    )
  }

  /**
   * The output is over, whatever the pipes still hold (the release closes them, or a pipeline cut them): both
   * channels end, so their readers see the end; the relay takes its last line; the pipes' timer stops.
   */
  endOutput(): void {
    this.stdout?.end()
    this.relay?.end()
    this.stderr?.end()
    this.pipeEnded()
  }

  /** A pipe ended (or the release closed them): once both have, stop the timer. */
  pipeEnded(): void {
    const timer = this.pipeTimer
    if (timer !== undefined && this.pipesEnded) {
      // Nothing left to wait for: the timer must not keep the program alive.
      this.pipeTimer = undefined
      compat.interruptUnsafe(timer)
    }
  }

  get command(): ReadonlyArray<string> {
    return this.spec.argv
  }

  get waitDelay(): Duration.Duration {
    return this.spec.waitDelay
  }

  get pid(): number {
    return this.spawned.pid
  }

  private cachedAnnotations: Record<string, unknown> | undefined = undefined

  /**
   * What every log about this process is annotated with: the program's name and the pid, short enough for every
   * line (the whole argv is logged once, at Debug, when the process is launched).
   */
  get annotations(): Record<string, unknown> {
    return this.cachedAnnotations ??= { program: this.metrics.program, pid: this.spawned.pid }
  }

  tails(): { stdoutTail: string | undefined; stderrTail: string | undefined } {
    return { stdoutTail: this.stdout?.tail.text(), stderrTail: this.stderr?.tail.text() }
  }

  stateError(reason: StateError["reason"], operation: string): StateError {
    return errors.stateError(this, reason, operation)
  }

  /** The release happened: refuse further use and wake every waiting reader, so that each one ends. */
  markReleased(): void {
    this.state = { _tag: "Released", exit: this.exit, done: this.termination }
    this.stdout?.notify()
    this.stderr?.notify()
  }
}
