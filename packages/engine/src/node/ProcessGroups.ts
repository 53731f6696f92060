/**
 * Process groups on POSIX systems: signalling one without throwing, and whether any member is alive (zombies not
 * counted on Linux, where `/proc` shows them).
 */
import * as Fs from "node:fs"

/**
 * Whether any member of process group `pgid` is alive. `kill(-pgid, 0)` answers "no" cheaply in the common case;
 * when it answers "yes", the group may hold only zombies (exited, waiting for a reaper that may be slow or absent
 * in a container), so on Linux the members are looked up in /proc and zombies are not counted.
 *
 * @example
 * import { ProcessGroups } from "@effect-process/engine/node"
 *
 * ProcessGroups.isGroupAlive(process.pid) // whether our own group has live members
 *
 * @since 0.2.0
 */
export const isGroupAlive = (pgid: number): boolean => {
  if (kill(-pgid, 0) === "ESRCH") return false
  if (process.platform !== "linux") return true
  let entries: Array<string>
  try {
    entries = Fs.readdirSync("/proc")
  } catch {
    return true
  }
  for (const entry of entries) {
    const first = entry.charCodeAt(0)
    if (first < 48 || first > 57) continue
    let stat: string
    try {
      stat = Fs.readFileSync(`/proc/${entry}/stat`, "latin1")
    } catch {
      continue // gone meanwhile
    }
    // pid (comm) state ppid pgrp ...; comm may contain spaces and parentheses, so parse after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ", 3)
    if (Number(fields[2]) === pgid && fields[0] !== "Z" && fields[0] !== "X") return true
  }
  return false
}

/**
 * `process.kill` that returns the errno code instead of throwing. "No such process" is the common answer here (every
 * release asks whether a group is gone), and the error Node throws for it captures a stack trace each time.
 *
 * @example
 * import { ProcessGroups } from "@effect-process/engine/node"
 *
 * ProcessGroups.kill(-12345, 0) // "ESRCH" when there is no such group, undefined when the signal was sent
 *
 * @since 0.2.0
 */
export const kill = (pid: number, signal: string | number): string | undefined => {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    process.kill(pid, signal)
    return undefined
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? "EUNKNOWN"
  } finally {
    Error.stackTraceLimit = limit
  }
}
