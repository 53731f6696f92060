/**
 * Linux /proc helpers: which processes are alive (zombies do not count), whose descendants they are, and the
 * leftovers of a benchmark run, found by the tag every process of the run inherits in its environment.
 */
import * as Fs from "node:fs"

/** Every process started by the suite inherits this variable: `<suite id>/<run index>`. */
export const TAG_VARIABLE = "EFFECT_PROCESS_BENCH"

export interface ProcStat {
  readonly pid: number
  readonly comm: string
  readonly state: string
  readonly ppid: number
  readonly pgrp: number
}

export const readStat = (pid: number): ProcStat | undefined => {
  let stat: string
  try {
    stat = Fs.readFileSync(`/proc/${pid}/stat`, "latin1")
  } catch {
    return undefined
  }
  const open = stat.indexOf("(")
  const close = stat.lastIndexOf(")")
  const fields = stat.slice(close + 2).split(" ", 4)
  return {
    pid,
    comm: stat.slice(open + 1, close),
    state: fields[0]!,
    ppid: Number(fields[1]),
    pgrp: Number(fields[2])
  }
}

export const allPids = (): Array<number> => {
  const out: Array<number> = []
  for (const entry of Fs.readdirSync("/proc")) {
    const first = entry.charCodeAt(0)
    if (first >= 48 && first <= 57) out.push(Number(entry))
  }
  return out
}

/** Alive: exists and is not a zombie waiting for its reaper. */
export const isLive = (pid: number): boolean => {
  const stat = readStat(pid)
  return stat !== undefined && stat.state !== "Z" && stat.state !== "X"
}

export const liveChildrenOf = (ppid: number): Array<ProcStat> => {
  const out: Array<ProcStat> = []
  for (const pid of allPids()) {
    const stat = readStat(pid)
    if (stat !== undefined && stat.ppid === ppid && stat.state !== "Z" && stat.state !== "X") out.push(stat)
  }
  return out
}

const hasTag = (pid: number, needle: string): boolean => {
  try {
    return ("\0" + Fs.readFileSync(`/proc/${pid}/environ`, "latin1")).includes(needle)
  } catch {
    return false
  }
}

/** Live processes (other than this one) whose environment carries a tag starting with `prefix`. */
export const taggedPids = (prefix: string): Array<number> => {
  const needle = `\0${TAG_VARIABLE}=${prefix}`
  return allPids().filter((pid) => pid !== process.pid && hasTag(pid, needle) && isLive(pid))
}

export const commandLine = (pid: number): string => {
  try {
    return Fs.readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").join(" ").trim()
  } catch {
    return ""
  }
}

/**
 * effect-process's parent-death watchdog (`NodeProcess.layer` starts one `sh` per Node process): it lives as long as
 * its parent by design and exits when the parent's end of its pipe closes, so it is only a leftover if it outlives
 * the worker.
 */
export const isWatchdog = (pid: number): boolean => commandLine(pid).includes("effect-process-watchdog")

/** Bytes the process has written so far (`wchar` of /proc/<pid>/io), or undefined when it is gone. */
export const writtenBytes = (pid: number): number | undefined => {
  try {
    const match = /^wchar:\s*(\d+)/m.exec(Fs.readFileSync(`/proc/${pid}/io`, "latin1"))
    return match === null ? undefined : Number(match[1])
  } catch {
    return undefined
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `condition` every `interval` ms until it holds (true) or `timeout` ms passed (false). */
export const waitUntil = async (condition: () => boolean, timeout: number, interval = 5): Promise<boolean> => {
  const deadline = performance.now() + timeout
  for (;;) {
    if (condition()) return true
    if (performance.now() >= deadline) return false
    await sleep(interval)
  }
}

export const killQuietly = (pid: number, signal: NodeJS.Signals = "SIGKILL"): void => {
  try {
    process.kill(pid, signal)
  } catch {
    // gone already
  }
}

/**
 * SIGKILLs every live process tagged with `prefix` until none is left (or `timeout` ms passed). Returns the pids it
 * found alive at first and those still alive at the end (which should be none).
 */
export const killTagged = async (
  prefix: string,
  timeout = 3000
): Promise<{ readonly found: ReadonlyArray<number>; readonly remaining: ReadonlyArray<number> }> => {
  const found = taggedPids(prefix)
  let remaining = found
  const deadline = performance.now() + timeout
  while (remaining.length > 0 && performance.now() < deadline) {
    for (const pid of remaining) killQuietly(pid)
    await sleep(10)
    remaining = taggedPids(prefix)
  }
  return { found, remaining }
}
