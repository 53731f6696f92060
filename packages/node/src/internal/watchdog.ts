/**
 * The watchdog process of the parent-death reaper.
 *
 *   parent                          watchdog (`/bin/sh`, its own session, stdout/stderr ignored)
 *   ------                          --------
 *   started                         reads its stdin line by line, keeps a set of process group ids
 *   group launched   ── "+pgid" ─▶  adds it
 *   group released   ── "-pgid" ─▶  removes it
 *   stopped          ── "exit" ─▶   exits, touching nothing
 *   parent dies or exits (SIGKILL, process.exit, a crash, a normal end)
 *                    ── EOF ───▶    TERM (+ CONT) to every group left, waits up to the grace for them to be gone
 *                                   (zombies do not count), SIGKILL to what is left, exits
 *
 * Death is detected by the stdin pipe: the kernel closes the parent's end when the parent dies, however it dies,
 * and nobody else holds it (Node opens it close-on-exec, so children do not inherit it). The watchdog is a shell
 * (about 1 MB, a few milliseconds to start) rather than a second Node process, and its script is inline, so it
 * runs the same from `src`, from `dist` and from a bundle. It is started detached (its own session and process
 * group), so a signal to the parent's process group (Ctrl-C in a terminal, `kill -- -pgid`, a CI runner killing
 * the job's group) does not take it down with the parent; it ignores SIGINT, SIGHUP and SIGQUIT for the same reason.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ChildProcess from "node:child_process"

/** @internal */
export const DEFAULT_GRACE: Duration.DurationInput = "7 seconds"

const TICK_MILLIS = 50

/**
 * The watchdog. `$1` is the grace in ticks of 50 ms. The liveness check reads `/proc/<pid>/stat` (state and process
 * group, parsed after the last ")" of the command name) and does not count zombies: an orphaned group's zombies
 * wait for PID 1, which may reap slowly or never. Without `/proc` it falls back to `kill -0`, which counts them.
 *
 * @internal
 */
export const WATCHDOG_SCRIPT = `trap '' INT HUP QUIT PIPE
ticks=$1
groups=" "
while IFS= read -r line; do
  case $line in
    +*) groups="$groups\${line#+} " ;;
    -*) g=\${line#-}
      case $groups in *" $g "*) groups="\${groups%% "$g" *} \${groups#* "$g" }" ;; esac ;;
    exit) exit 0 ;;
  esac
done
[ "$groups" = " " ] && exit 0
for g in $groups; do kill -s TERM -- "-$g" 2>/dev/null; kill -s CONT -- "-$g" 2>/dev/null; done
alive() {
  found=" "
  if [ -r /proc/self/stat ]; then
    for f in /proc/[0-9]*/stat; do
      IFS= read -r s 2>/dev/null <"$f" || continue
      set -- \${s##*") "}
      case $1 in Z|X) continue ;; esac
      case $groups in *" $3 "*) case $found in *" $3 "*) ;; *) found="$found$3 " ;; esac ;; esac
    done
  else
    for g in $groups; do kill -s 0 -- "-$g" 2>/dev/null && found="$found$g "; done
  fi
  groups=$found
}
i=0
while [ "$i" -lt "$ticks" ]; do
  alive
  [ "$groups" = " " ] && exit 0
  sleep 0.05
  i=$((i + 1))
done
for g in $groups; do kill -s KILL -- "-$g" 2>/dev/null; done
exit 0
`

/**
 * The name the watchdog shows in `ps` (its `$0`).
 *
 * @internal
 */
export const WATCHDOG_NAME = "effect-process-watchdog"

const SCRIPT_VARIABLE = "EFFECT_PROCESS_WATCHDOG_SCRIPT"

/** @internal */
export interface Watchdog {
  readonly pid: number
  readonly send: (line: string) => void
  readonly stop: Effect.Effect<void>
}

/** @internal */
export const startWatchdog = (shell: string, grace: Duration.Duration): Effect.Effect<Watchdog, Error> =>
  Effect.try({
    try: () => {
      const ticks = Math.max(1, Math.ceil(Duration.toMillis(grace) / TICK_MILLIS))
      // The script travels in the environment so that `ps` shows a short command line.
      const child = ChildProcess.spawn(shell, ["-c", `eval "$${SCRIPT_VARIABLE}"`, WATCHDOG_NAME, String(ticks)], {
        env: { ...process.env, [SCRIPT_VARIABLE]: WATCHDOG_SCRIPT },
        stdio: ["pipe", "ignore", "ignore"],
        detached: true,
        windowsHide: true
      })
      let failure: Error | undefined
      child.on("error", (error) => {
        failure ??= error
      })
      if (child.pid === undefined || child.stdin === null) {
        throw new Error(`could not start the watchdog: ${failure?.message ?? `cannot run ${shell}`}`)
      }
      const stdin = child.stdin
      let broken = false
      stdin.on("error", () => {
        // The watchdog is gone (killed by someone): launches go on without it.
        broken = true
      })
      // Neither the watchdog nor its pipe keeps the parent's event loop alive.
      child.unref()
      ;(stdin as unknown as { unref?: () => void }).unref?.()
      const pid = child.pid
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve()
        else child.once("exit", () => resolve())
      })
      return {
        pid,
        send: (line) => {
          if (!broken && !stdin.destroyed && !stdin.writableEnded) stdin.write(line)
        },
        stop: Effect.promise(() => {
          if (!broken && !stdin.destroyed && !stdin.writableEnded) stdin.end("exit\n")
          return exited
        }).pipe(
          Effect.timeoutOption("1 second"),
          Effect.tap((done) =>
            Effect.sync(() => {
              if (done._tag === "None") {
                try {
                  process.kill(pid, "SIGKILL")
                } catch {
                  // gone meanwhile
                }
              }
              stdin.destroy()
            })
          ),
          Effect.asVoid
        )
      }
    },
    catch: (error) => error instanceof Error ? error : new Error(String(error))
  })

/**
 * The process-wide watchdog behind `NodeProcess.layer`: started at the first launch (so a program that launches
 * nothing pays nothing), shared by every layer and runtime of this Node process, and never stopped explicitly. When
 * the process ends, its pipe closes: after a normal end every group has been released and the watchdog just exits;
 * after an abrupt one it terminates what is left. If it cannot be started, launches go on without it.
 *
 * @internal
 */
export const sharedHooks = (() => {
  let watchdog: Watchdog | undefined
  let failed = false
  const send = (line: string) => {
    if (watchdog === undefined && !failed) {
      const started = Effect.runSyncExit(startWatchdog("/bin/sh", Duration.decode(DEFAULT_GRACE)))
      if (started._tag === "Success") watchdog = started.value
      else failed = true
    }
    watchdog?.send(line)
  }
  return {
    onLaunch: (pgid: number) => send(`+${pgid}\n`),
    onRelease: (pgid: number) => send(`-${pgid}\n`),
    /** The pid of the shared watchdog, once started. */
    watchdogPid: () => watchdog?.pid
  }
})()
