/** The baseline: `node:child_process` used the way its documentation shows, with a hand-written grace. */
import * as ChildProcess from "node:child_process"
import { once } from "node:events"
import * as Readline from "node:readline"
import type { Driver } from "../types.js"
import { pool } from "./shared.js"

type Child = ChildProcess.ChildProcess

const launch = (argv: ReadonlyArray<string>): Child => ChildProcess.spawn(argv[0]!, argv.slice(1))

/** All stdio closed and the process exited. */
const closed = (child: Child): Promise<void> =>
  new Promise((resolve, reject) => {
    child.once("error", reject)
    child.once("close", () => resolve())
  })

/** The process exited (its pipes may still be held by a grandchild). */
const exited = (child: Child): Promise<string> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(describe(child.exitCode, child.signalCode))
    : new Promise((resolve, reject) => {
      child.once("error", reject)
      child.once("exit", (code, signal) => resolve(describe(code, signal)))
    })

const describe = (code: number | null, signal: NodeJS.Signals | null): string =>
  signal !== null ? `killed by ${signal}` : `exited ${code}`

const TRUE = "/bin/true"

export const driver: Driver = {
  spawnSequential: async (count) => {
    const latencies: Array<number> = []
    for (let i = 0; i < count; i++) {
      const start = performance.now()
      await closed(ChildProcess.spawn(TRUE))
      latencies.push(performance.now() - start)
    }
    return latencies
  },
  spawnConcurrent: (count, concurrency) => pool(count, concurrency, () => closed(ChildProcess.spawn(TRUE))),
  throughput: async (argv) => {
    const child = launch(argv)
    let bytes = 0
    child.stdout!.on("data", (chunk: Buffer) => {
      bytes += chunk.length
    })
    await closed(child)
    return bytes
  },
  readyLine: async (argv) => {
    const start = performance.now()
    const child = launch(argv)
    child.stdout!.setEncoding("utf8")
    const elapsed = await new Promise<number>((resolve, reject) => {
      let carry = ""
      const onData = (chunk: string) => {
        const text = carry + chunk
        if (text.includes("\nREADY\n")) {
          child.stdout!.off("data", onData)
          resolve(performance.now() - start)
        } else {
          carry = text.slice(-6)
        }
      }
      child.stdout!.on("data", onData)
      child.once("error", reject)
      child.once("exit", () => reject(new Error("exited before READY")))
    })
    child.kill()
    await exited(child)
    return elapsed
  },
  startTermIgnoring: async (argv, count, graceMs) => {
    const children = Array.from({ length: count }, () => launch(argv))
    return {
      pids: children.map((child) => child.pid!),
      stop: () =>
        Promise.all(children.map((child) => {
          child.kill("SIGTERM")
          const timer = setTimeout(() => child.kill("SIGKILL"), graceMs)
          return exited(child).finally(() => clearTimeout(timer))
        }))
    }
  },
  startOne: async (argv) => {
    const child = launch(argv)
    return {
      pids: [child.pid!],
      stop: () => {
        child.kill()
        return exited(child)
      }
    }
  },
  lines: async (argv) => {
    const child = launch(argv)
    // 'line' events: the readline docs call them faster than `for await` over the interface.
    const lines = Readline.createInterface({ input: child.stdout! })
    let count = 0
    lines.on("line", () => {
      count++
    })
    await Promise.all([once(lines, "close"), closed(child)])
    return count
  },
  readyViaLines: async (argv) => {
    const start = performance.now()
    const child = launch(argv)
    const lines = Readline.createInterface({ input: child.stdout! })
    const elapsed = await new Promise<number>((resolve, reject) => {
      lines.on("line", (line) => {
        if (line === "READY") {
          resolve(performance.now() - start)
          lines.close()
        }
      })
      child.once("error", reject)
      child.once("exit", () => reject(new Error("exited before READY")))
    })
    child.kill()
    await exited(child)
    return elapsed
  },
  collect: async (argv) => {
    const child = launch(argv)
    let out = ""
    child.stdout!.setEncoding("utf8")
    child.stdout!.on("data", (chunk: string) => {
      out += chunk
    })
    await closed(child)
    return out.length
  },
  startUnread: async (argv) => {
    const child = launch(argv)
    return { pid: child.pid!, done: exited(child) }
  },
  startStderrFlood: async (argv) => {
    const child = launch(argv)
    child.stderr!.on("data", () => {})
    return { pid: child.pid!, done: exited(child) }
  },
  startIdle: async (argv, count) => {
    const children = Array.from({ length: count }, () => launch(argv))
    return {
      pids: children.map((child) => child.pid!),
      stop: () =>
        Promise.all(children.map((child) => {
          child.kill()
          return exited(child)
        }))
    }
  }
}
