/**
 * The parent-death reaper: no orphans even when the parent dies without running its finalizers (SIGKILL, the OOM
 * killer, `process.exit`, a crash of the runtime).
 *
 * When a program ends normally, by a defect, or by SIGINT/SIGTERM under `NodeRuntime.runMain`, the scopes close and
 * every process group is terminated by its release. When the parent dies without closing its scopes, nothing in
 * the parent can act: the children, each in its own session, would run on. The reaper is a small watchdog process
 * (a `/bin/sh`) that is told about every process group launched and released, and notices the parent's death when
 * its stdin pipe reaches end-of-file. It then sends SIGTERM to every group left and to every process that carries
 * its token in the environment variable `EFFECT_PROCESS_REAPER` (every child and its descendants inherit it, which
 * finds a child forked in the instant before the parent died and descendants that left their group), waits up to
 * the grace for them to be gone, sends SIGKILL to what is left, and exits.
 *
 * It is on by default: `NodeProcess.layer` reports to one process-wide watchdog, started at the first launch (a
 * program that launches nothing pays nothing), shared by every layer of the Node process, exiting with it; its
 * cost is one `sh` process per Node process and a line written to a pipe per launch and per release. Promising
 * that no child outlives its parent is the point of this library, and the abrupt deaths it covers (SIGKILL, the
 * OOM killer) are the ones a program cannot plan for. Opt out with `NodeProcess.layerWithoutReaper`.
 *
 * This module gives a watchdog of its own to a scope, configured: another grace than the default 7 seconds, and
 * `PR_SET_PDEATHSIG` for the direct child. `NodeProcess.layerWithReaper(options)` is the same as a layer.
 *
 * The watchdog runs in its own session, so a signal to the parent's whole process group (Ctrl-C in a terminal,
 * `kill -9 -- -pgid`) does not take it down with the parent.
 *
 * Limits: a descendant that left the process group and cleared its environment is not reached; a process group id
 * that is released and reused by an unrelated group in the instant before the watchdog is told could be signalled;
 * the token is looked for in `/proc` (Linux); Linux and other POSIX systems only (Windows has no process groups of
 * this kind; use job objects there).
 *
 * @since 0.1.0
 */
import type { ProcessSpawner } from "effect-process"
import type * as Cause from "effect/Cause"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as internal from "./internal/reaper.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * After the parent died: how long the process groups get between SIGTERM and SIGKILL. Default 7 seconds, the
   * default grace of the release. The watchdog exits as soon as every group is gone.
   */
  readonly grace?: Duration.Input | undefined
  /**
   * A second layer of protection for the direct child, on Linux where util-linux's `setpriv` is installed: the
   * command runs as `setpriv --pdeathsig SIGTERM -- <command>`, so the kernel sends SIGTERM to the child the moment
   * the parent dies, even if the watchdog was killed too. It reaches the direct child only, not its process group,
   * and costs one more `exec` per launch. Programs that cannot be found are spawned as is, so that they still fail
   * with `SpawnFailed`. Default `false`.
   */
  readonly pdeathsig?: boolean | undefined
  /** The shell that runs the watchdog. Default `/bin/sh`. */
  readonly shell?: string | undefined
}

/**
 * A started reaper: the spawner that reports to it, and its watchdog's pid (`undefined` if the watchdog could not
 * be started; a warning is logged and processes are launched without it).
 *
 * @since 0.1.0
 * @category models
 */
export interface Reaper {
  readonly watchdogPid: number | undefined
  readonly spawner: ProcessSpawner.ProcessSpawner["Service"]
}

/**
 * Starts a watchdog for the current scope and returns a spawner that reports every process group to it. Closing
 * the scope stops the watchdog (it leaves running processes alone). A grace that is not a non-negative duration
 * fails with Effect's `IllegalArgumentError`. A watchdog that cannot be started is logged as a warning, and
 * the spawner then works without it.
 *
 * @example
 * import { Effect } from "effect"
 * import { ManagedProcess, ProcessSpawner } from "effect-process"
 * import { NodeReaper } from "@effect-process/platform-node"
 *
 * const program = Effect.gen(function*() {
 *   const reaper = yield* NodeReaper.make({ grace: "2 seconds" })
 *   yield* ManagedProcess.make(["sleep", "10"]).pipe(
 *     Effect.provideService(ProcessSpawner.ProcessSpawner, reaper.spawner)
 *   )
 * }).pipe(Effect.scoped)
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options?: Options) => Effect.Effect<Reaper, Cause.IllegalArgumentError, Scope.Scope> = internal.make
