// Generated from packages/core/src/TestSpawner.ts by scripts/effect4-sources.mjs: edit that file, not this one.
/**
 * A `ProcessSpawner` for unit tests: scripted processes, no operating system process at all. Code that launches
 * processes through `ManagedProcess` (or a `Supervisor`, a `ProcessManager`, a process `Layer`) runs unchanged;
 * the test decides what each "process" prints, how it exits and which signals it survives, and can inspect what
 * it was sent. Timers use the Effect `Clock`, so `TestClock` drives them.
 *
 * @example
 * import { Effect } from "effect"
 * import { it, expect } from "@effect/vitest"
 * import { ManagedProcess, TestSpawner } from "effect-process"
 *
 * it.effect("reads the version", () =>
 *   Effect.gen(function*() {
 *     const spawner = yield* TestSpawner.make(() => ({ stdout: ["v1.2.3\n"], exitCode: 0 }))
 *     const result = yield* ManagedProcess.run(["tool", "--version"]).pipe(Effect.provide(spawner.layer))
 *     expect(result.stdout).toBe("v1.2.3\n")
 *     expect(spawner.processes[0]?.request.command).toEqual(["tool", "--version"])
 *   }))
 *
 * @since 0.1.0
 */
import { decodeAll } from "@effect-process/engine/Utf8"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ProcessError } from "./ProcessError.js"
import * as ProcessSpawner from "./ProcessSpawner.js"

/**
 * What a scripted process does.
 *
 * @since 0.1.0
 * @category models
 */
export interface Script {
  /** Spawning fails with `SpawnFailed` and this errno (e.g. `"ENOENT"`, `"EAGAIN"`). */
  readonly failSpawn?: string | undefined
  /** Written to stdout / stderr right after the spawn, in order. */
  readonly stdout?: ReadonlyArray<string> | undefined
  readonly stderr?: ReadonlyArray<string> | undefined
  /** Exit on its own with this code: after its output, or after `exitAfter`. */
  readonly exitCode?: number | undefined
  /** When to exit on its own (by the Effect `Clock`). Default: at once, if `exitCode` is set. */
  readonly exitAfter?: Duration.Input | undefined
  /** Signals the process survives (like a trap). Default: none; SIGCONT and SIGWINCH are always survived. */
  readonly ignore?: ReadonlyArray<ProcessSpawner.Signal> | undefined
  /** Answers to what arrives on stdin, one call per write: returned strings are written to stdout. */
  readonly onStdin?: ((text: string) => ReadonlyArray<string>) | undefined
}

/**
 * A scripted process, as the test sees it.
 *
 * @since 0.1.0
 * @category models
 */
export interface TestProcess {
  readonly pid: number
  readonly request: ProcessSpawner.SpawnRequest
  /** Signals received, in order. */
  readonly signals: ReadonlyArray<ProcessSpawner.Signal>
  /** Everything written to stdin. */
  readonly stdin: string
  readonly stdinClosed: boolean
  readonly alive: boolean
  /** Makes the process print (e.g. a line that arrives late). */
  readonly writeStdout: (text: string) => void
  readonly writeStderr: (text: string) => void
  /** Makes the process exit (ends its output first). */
  readonly exit: (status: ProcessSpawner.ExitStatus) => void
}

/**
 * A scripted spawner: its `layer` provides `ProcessSpawner`; `processes` lists every process launched so far.
 *
 * @since 0.1.0
 * @category models
 */
export interface TestSpawner {
  readonly layer: Layer.Layer<ProcessSpawner.ProcessSpawner>
  readonly processes: ReadonlyArray<TestProcess>
}

const encoder = new TextEncoder()
const SURVIVED: ReadonlyArray<ProcessSpawner.Signal> = ["SIGCONT", "SIGWINCH"]

/**
 * Makes a scripted spawner; `script` says what each launched process does (it gets the request, so one spawner can
 * play several programs).
 *
 * @example
 * import { Effect } from "effect"
 * import { TestSpawner } from "effect-process"
 *
 * const stubborn = TestSpawner.make(() => ({ stdout: ["ready\n"], ignore: ["SIGTERM"] }))
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  script: (request: ProcessSpawner.SpawnRequest) => Script
): Effect.Effect<TestSpawner> =>
  Effect.sync(() => {
    const processes: Array<TestProcess> = []
    let nextPid = 10_000
    const spawn = (
      request: ProcessSpawner.SpawnRequest,
      listeners: ProcessSpawner.SpawnListeners
    ): Effect.Effect<ProcessSpawner.SpawnedProcess, ProcessError> =>
      Effect.gen(function*() {
        const plan = script(request)
        if (plan.failSpawn !== undefined) {
          return yield* new ProcessError({
            reason: "SpawnFailed",
            command: request.command,
            errno: plan.failSpawn,
            detail: "scripted spawn failure"
          })
        }
        const state = {
          pid: nextPid++,
          request,
          signals: [] as Array<ProcessSpawner.Signal>,
          stdin: "",
          stdinClosed: false,
          alive: true,
          piped: true,
          writeStdout: (text: string) => {
            if (state.piped && request.stdout === "pipe") listeners.onStdout(encoder.encode(text))
          },
          writeStderr: (text: string) => {
            if (state.piped && request.stderr === "pipe") listeners.onStderr(encoder.encode(text))
          },
          exit: (status: ProcessSpawner.ExitStatus) => {
            if (!state.alive) return
            state.alive = false
            endPipes()
            listeners.onExit(status)
          }
        }
        const endPipes = () => {
          if (!state.piped) return
          state.piped = false
          if (request.stdout === "pipe") listeners.onStdoutEnd()
          if (request.stderr === "pipe") listeners.onStderrEnd()
        }
        processes.push(state)
        for (const text of plan.stdout ?? []) state.writeStdout(text)
        for (const text of plan.stderr ?? []) state.writeStderr(text)
        if (plan.exitCode !== undefined) {
          const status = { exitCode: plan.exitCode, signal: undefined }
          if (plan.exitAfter === undefined) state.exit(status)
          else yield* Effect.forkDetach(Effect.delay(Effect.sync(() => state.exit(status)), plan.exitAfter))
        }
        const spawned: ProcessSpawner.SpawnedProcess = {
          pid: state.pid,
          pause: () => {},
          resume: () => {},
          write: (chunk) =>
            Effect.suspend(() => {
              if (!state.alive || state.stdinClosed) {
                return Effect.fail({ code: "EPIPE", message: "the process has exited", cause: undefined })
              }
              const text = decodeAll(chunk)
              state.stdin += text
              for (const answer of plan.onStdin?.(text) ?? []) state.writeStdout(answer)
              return Effect.void
            }),
          closeStdin: Effect.sync(() => {
            state.stdinClosed = true
          }),
          signal: (signal) =>
            Effect.sync(() => {
              if (!state.alive) return false
              state.signals.push(signal)
              const survives = signal !== "SIGKILL" && (SURVIVED.includes(signal) || plan.ignore?.includes(signal))
              if (!survives) state.exit({ exitCode: undefined, signal })
              return true
            }),
          groupAlive: Effect.sync(() => state.alive),
          closePipes: Effect.sync(endPipes)
        }
        return spawned
      })
    return {
      layer: Layer.succeed(ProcessSpawner.ProcessSpawner, { spawn }),
      processes
    }
  })

/**
 * A layer with a scripted spawner, when the test does not need to inspect the processes.
 *
 * @example
 * import { Effect } from "effect"
 * import { ManagedProcess, TestSpawner } from "effect-process"
 *
 * const program = ManagedProcess.run(["git", "status"]).pipe(
 *   Effect.provide(TestSpawner.layer(() => ({ stdout: ["nothing to commit\n"], exitCode: 0 })))
 * )
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (script: (request: ProcessSpawner.SpawnRequest) => Script): Layer.Layer<
  ProcessSpawner.ProcessSpawner
> => Layer.unwrap(Effect.map(make(script), (spawner) => spawner.layer))
