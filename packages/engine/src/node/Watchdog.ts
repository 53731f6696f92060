/**
 * The watchdog process of the parent-death reaper.
 *
 *   parent                          watchdog (`/bin/sh`, its own session, stdout/stderr ignored)
 *   ------                          --------
 *   started                         reads its stdin line by line, keeps a set of process group ids
 *   group launched   ── "+pgid" ─▶  adds it        (written together, 100 ms after the first; a group launched
 *   group released   ── "-pgid" ─▶  removes it      and released within that time is never told)
 *   stopped          ── "exit" ─▶   exits, touching nothing
 *   parent dies or exits (SIGKILL, process.exit, a crash, a normal end)
 *                    ── EOF ───▶    TERM (+ CONT) to every group left and to every process that carries the
 *                                   parent's token in its environment; waits up to the grace for them to be gone
 *                                   (zombies do not count), looking for newly marked processes on every tick;
 *                                   SIGKILL to what is left; exits
 *
 * Death is detected by the stdin pipe: the kernel closes the parent's end when the parent dies, however it dies,
 * and nobody else holds it (Node opens it close-on-exec, so children do not inherit it). The watchdog is a shell
 * (about 1 MB, a few milliseconds to start) rather than a second Node process, and its script is inline, so it
 * runs the same from `src`, from `dist` and from a bundle. It is started detached (its own session and process
 * group), so a signal to the parent's process group (Ctrl-C in a terminal, `kill -- -pgid`, a CI runner killing
 * the job's group) does not take it down with the parent; it ignores SIGINT, SIGHUP and SIGQUIT for the same reason.
 *
 * The token: every child the parent launches gets it in the environment variable `EFFECT_PROCESS_REAPER` (appended
 * to an inherited value, so nested programs keep their ancestors' tokens), and every descendant inherits it. It
 * finds what group ids cannot: a child forked in the instant before the parent died, before the parent could report
 * its group (`spawn` had not returned yet), and descendants that left their group (`setsid`, daemons). It is looked
 * for in `/proc/<pid>/environ` with one `grep` per tick; where there is no `/proc` or no `grep`, only groups are
 * reaped.
 */
import * as ChildProcess from "node:child_process"
import * as Crypto from "node:crypto"

/**
 * The reaper's default grace: how long the watchdog waits for the groups it signalled to be gone before SIGKILL.
 *
 * @example
 * import { Watchdog } from "@effect-process/engine/node"
 *
 * const graceSeconds = Watchdog.DEFAULT_GRACE_MILLIS / 1000 // 7
 *
 * @since 0.2.0
 */
export const DEFAULT_GRACE_MILLIS = 7000

/** The watchdog's round: a scan of the groups and of the marked processes, then a sleep of this long. */
const TICK_MILLIS = 50

/**
 * The watchdog. `$1` is the grace in milliseconds, measured on the clock of `/proc/uptime` (centiseconds), so that
 * the scans of many processes (tens of milliseconds a round) do not stretch it; without `/proc/uptime` each round of
 * 50 ms counts as 50 ms. The liveness check reads `/proc/<pid>/stat` (state and process
 * group, parsed after the last ")" of the command name) and does not count zombies: an orphaned group's zombies
 * wait for PID 1, which may reap slowly or never. Without `/proc` it falls back to `kill -0`, which counts them.
 *
 * @example
 * import { Watchdog } from "@effect-process/engine/node"
 *
 * const lines = Watchdog.WATCHDOG_SCRIPT.split("\n").length
 *
 * @since 0.2.0
 */
export const WATCHDOG_SCRIPT = `trap '' INT HUP QUIT PIPE
grace=$1
token=$2
groups=" "
while IFS= read -r line; do
  case $line in
    +*) groups="$groups\${line#+} " ;;
    -*) g=\${line#-}
      case $groups in *" $g "*) groups="\${groups%% "$g" *} \${groups#* "$g" }" ;; esac ;;
    exit) exit 0 ;;
  esac
done
marked=" "
mark() {
  found=" "
  if [ -n "$token" ] && [ -r /proc/self/environ ] && command -v grep >/dev/null 2>&1; then
    for f in $(grep -l -F -a -e "$token" /proc/[0-9]*/environ 2>/dev/null); do
      p=\${f#/proc/}
      p=\${p%/environ}
      case $marked in *" $p "*) ;; *) kill -s TERM -- "$p" 2>/dev/null; kill -s CONT -- "$p" 2>/dev/null ;; esac
      found="$found$p "
    done
  fi
  marked=$found
}
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
cs=0
now() {
  if IFS=' ' read -r up _ 2>/dev/null </proc/uptime; then
    f=\${up#*.}
    f=\${f#0}
    cs=$((\${up%.*} * 100 + f))
  else
    cs=$((cs + 5))
  fi
}
for g in $groups; do kill -s TERM -- "-$g" 2>/dev/null; kill -s CONT -- "-$g" 2>/dev/null; done
now
deadline=$((cs + grace / 10))
quiet=0
while :; do
  alive
  mark
  if [ "$groups" = " " ] && [ "$marked" = " " ]; then
    quiet=$((quiet + 1))
    [ "$quiet" -ge 3 ] && exit 0
  else
    quiet=0
  fi
  now
  [ "$cs" -ge "$deadline" ] && break
  sleep 0.05
done
for g in $groups; do kill -s KILL -- "-$g" 2>/dev/null; done
for p in $marked; do kill -s KILL -- "$p" 2>/dev/null; done
exit 0
`

/**
 * The name the watchdog shows in `ps` (its `$0`).
 *
 * @example
 * import { Watchdog } from "@effect-process/engine/node"
 *
 * // how the watchdog shows in `ps`
 * const isWatchdog = (cmdline: string) => cmdline.includes(Watchdog.WATCHDOG_NAME)
 *
 * @since 0.2.0
 */
export const WATCHDOG_NAME = "effect-process-watchdog"

const SCRIPT_VARIABLE = "EFFECT_PROCESS_WATCHDOG_SCRIPT"

/**
 * The environment variable that carries the tokens of the reapers a process is known to (separated by ":").
 *
 * @example
 * import { Watchdog } from "@effect-process/engine/node"
 *
 * const inherited = process.env[Watchdog.TOKEN_VARIABLE]?.split(":") ?? []
 *
 * @since 0.2.0
 */
export const TOKEN_VARIABLE = "EFFECT_PROCESS_REAPER"

/**
 * A fresh token: unique enough that finding it in an environment means the process descends from this parent.
 *
 * @example
 * import { Watchdog } from "@effect-process/engine/node"
 *
 * const token = Watchdog.newToken() // "ep" and 24 hex digits
 *
 * @since 0.2.0
 */
export const newToken = (): string => `ep${Crypto.randomBytes(12).toString("hex")}`

/**
 * @example
 * import type { Watchdog } from "@effect-process/engine/node"
 *
 * const report = (watchdog: Watchdog.Watchdog, pgid: number) => watchdog.launched(pgid)
 *
 * @since 0.2.0
 */
export interface Watchdog {
  readonly pid: number
  /** What the children carry in `EFFECT_PROCESS_REAPER`. */
  readonly token: string
  /** A process group was started: the watchdog is told within `REPORT_DELAY_MILLIS`. */
  readonly launched: (pgid: number) => void
  /** A process group was released: likewise (a group launched and released within the delay is never told). */
  readonly released: (pgid: number) => void
  /**
   * Tells the watchdog to exit, touching nothing, and waits for its exit: at most 1 second, after which it is
   * SIGKILLed. Never rejects.
   */
  readonly stop: () => Promise<void>
}

/**
 * How long a process group may run before the watchdog is told of it (and of its release).
 *
 * @example
 * import { Watchdog } from "@effect-process/engine/node"
 *
 * const worstCaseMillis = Watchdog.REPORT_DELAY_MILLIS // a group is reported within this long
 *
 * @since 0.2.0
 */
export const REPORT_DELAY_MILLIS = 100

/**
 * The group ids to tell the watchdog, written together `REPORT_DELAY_MILLIS` after the first of them. A write wakes
 * the watchdog, and a woken shell that has slept for long tends to preempt the writer on its core until it has read
 * the line: measured here at about 230 us per write on a loaded machine, twice per launch. Batched, a burst of
 * launches costs one wake-up, and a process that starts and ends within the delay (most `run`s) costs none. A child
 * is not unprotected meanwhile: it carries the token, which the watchdog looks for when the parent dies.
 */
class PendingGroups {
  private readonly pending = new Map<number, "+" | "-">()
  private timer: ReturnType<typeof setTimeout> | undefined = undefined
  constructor(private readonly write: (text: string) => void) {}

  launched(pgid: number): void {
    // Released and reused before the watchdog was told: it still has the id, nothing to say.
    if (this.pending.get(pgid) === "-") this.pending.delete(pgid)
    else this.pending.set(pgid, "+")
    this.schedule()
  }

  released(pgid: number): void {
    // Launched and released before the watchdog was told: it never hears of it.
    if (this.pending.get(pgid) === "+") this.pending.delete(pgid)
    else this.pending.set(pgid, "-")
    this.schedule()
  }

  private schedule(): void {
    if (this.timer !== undefined || this.pending.size === 0) return
    this.timer = setTimeout(this.flush, REPORT_DELAY_MILLIS)
    // The watchdog does not keep the parent alive.
    this.timer.unref()
  }

  private readonly flush = (): void => {
    this.timer = undefined
    if (this.pending.size === 0) return
    let text = ""
    for (const [pgid, op] of this.pending) text += `${op}${pgid}\n`
    this.pending.clear()
    this.write(text)
  }
}

/** How long after a failed start of the shared watchdog the next launch tries again. */
const RETRY_START_MILLIS = 1000

/**
 * Starts a watchdog (`shell` runs the script) with a grace of `graceMillis`. Throws an `Error` if it cannot be
 * started (out of file descriptors or processes).
 *
 * @example
 * import { Watchdog } from "@effect-process/engine/node"
 *
 * const watchdog = Watchdog.startWatchdog("/bin/sh", 2000)
 * // spawn children with EFFECT_PROCESS_REAPER=watchdog.token, report their groups, then:
 * await watchdog.stop()
 *
 * @since 0.2.0
 */
export const startWatchdog = (shell: string, grace: number): Watchdog => {
  const graceMillis = Math.max(TICK_MILLIS, Math.ceil(grace))
  const token = newToken()
  // The script travels in the environment so that `ps` shows a short command line.
  const child = ChildProcess.spawn(shell, [
    "-c",
    `eval "$${SCRIPT_VARIABLE}"`,
    WATCHDOG_NAME,
    String(graceMillis),
    token
  ], {
    env: { ...process.env, [SCRIPT_VARIABLE]: WATCHDOG_SCRIPT },
    stdio: ["pipe", "ignore", "ignore"],
    detached: true,
    windowsHide: true
  })
  // Spawn failures arrive as an "error" event after this returns; the start has been reported failed by then.
  child.on("error", () => {})
  if (child.pid === undefined) {
    throw new Error(`could not start the watchdog (${shell}): out of file descriptors or processes?`)
  }
  if (child.stdin == null) {
    // Started without its pipe (Node at EMFILE): of no use.
    child.kill("SIGKILL")
    throw new Error("could not start the watchdog: no pipe to it (out of file descriptors?)")
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
  const groups = new PendingGroups((text) => {
    if (!broken && !stdin.destroyed && !stdin.writableEnded) stdin.write(text)
  })
  return {
    pid,
    token,
    launched: (pgid) => groups.launched(pgid),
    released: (pgid) => groups.released(pgid),
    stop: () => {
      if (!broken && !stdin.destroyed && !stdin.writableEnded) stdin.end("exit\n")
      let timer: ReturnType<typeof setTimeout> | undefined
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), 1000)
      })
      return Promise.race([exited, timeout]).then((done) => {
        clearTimeout(timer)
        if (done === "timeout") {
          try {
            process.kill(pid, "SIGKILL")
          } catch {
            // gone meanwhile
          }
        }
        stdin.destroy()
      })
    }
  }
}

/** The process-wide reaper: the shared watchdog, started at the first launch. */
export interface ProcessWideReaper {
  /** The token for a child about to be launched (starting the watchdog if needed); none if it could not start. */
  readonly token: () => string | undefined
  /** The warning of the last failed start, once. */
  readonly takeWarning: () => string | undefined
  readonly onLaunch: (pgid: number) => void
  readonly onRelease: (pgid: number) => void
  /** The pid of the shared watchdog, once started. */
  readonly watchdogPid: () => number | undefined
}

/**
 * The process-wide watchdog behind `NodeProcess.layer`: started right before the first launch (so a program that
 * launches nothing pays nothing, and the first child already carries its token), shared by every layer and runtime
 * of this Node process, and never stopped explicitly. It is one per process on purpose (a watchdog per layer or per
 * runtime would cost a process each and protect nothing more); `NodeProcess.layerWithReaper` gives a layer one of
 * its own instead. When the process ends, its pipe closes: after a normal end every group has been released and
 * the watchdog just exits; after an abrupt one it terminates what is left. If it cannot be started (out of file descriptors, say), launches
 * go on without it, the launch that found out logs a warning, and a later launch tries again, at most once a second.
 *
 * It is kept on `globalThis` under a registered symbol, so that a program that loads this package twice (its ES
 * module and its CommonJS build, or two versions, or the packages of two Effect lines) still has one watchdog.
 *
 * @example
 * import { Watchdog } from "@effect-process/engine/node"
 *
 * const token = Watchdog.processWideReaper.token() // starts the shared watchdog at the first call
 *
 * @since 0.2.0
 */
export const processWideReaper: ProcessWideReaper = (() => {
  const key = Symbol.for("@effect-process/processWideReaper")
  const global = globalThis as { [key]?: ProcessWideReaper }
  return global[key] ??= makeProcessWideReaper()
})()

function makeProcessWideReaper(): ProcessWideReaper {
  let watchdog: Watchdog | undefined
  /** When the last start failed; no new attempt is made for `RETRY_START_MILLIS` after it. */
  let failedAt: number | undefined
  let warning: string | undefined
  const started = (): Watchdog | undefined => {
    if (watchdog === undefined && (failedAt === undefined || Date.now() - failedAt >= RETRY_START_MILLIS)) {
      try {
        watchdog = startWatchdog("/bin/sh", DEFAULT_GRACE_MILLIS)
        failedAt = undefined
      } catch (error) {
        failedAt = Date.now()
        warning = `parent-death reaper not running (${
          error instanceof Error ? error.message : String(error)
        }): children launched now are not stopped if this process is killed; retrying at a later launch`
      }
    }
    return watchdog
  }
  return {
    token: () => started()?.token,
    takeWarning: () => {
      const message = warning
      warning = undefined
      return message
    },
    onLaunch: (pgid: number) => watchdog?.launched(pgid),
    onRelease: (pgid: number) => watchdog?.released(pgid),
    /** The pid of the shared watchdog, once started. */
    watchdogPid: () => watchdog?.pid
  }
}
