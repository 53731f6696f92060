// The process entity the cluster tests run: a small Node program per instance that announces itself, prints a
// heartbeat line now and then, and exits on SIGTERM (noting it in $EFFECT_PROCESS_BYE_DIR/bye when set). Its environment names the instance, so the tests can count
// the processes of each instance by reading /proc on the machine, without asking the library.
import { ProcessEntity } from "@effect-process/cluster"
import { Readiness } from "@effect-process/core"

const program = `
const id = process.env.INSTANCE_ID
console.log("ready " + id + " pid " + process.pid)
let beats = 0
setInterval(() => console.log("beat " + (++beats)), 200)
process.on("SIGTERM", () => {
  // A graceful stop leaves a trace the tests read: which instance, which process.
  if (process.env.EFFECT_PROCESS_BYE_DIR) {
    require("node:fs").appendFileSync(process.env.EFFECT_PROCESS_BYE_DIR + "/bye", id + " " + process.pid + "\\n")
  }
  console.log("bye " + id)
  process.exit(0)
})
process.on("SIGHUP", () => console.log("hup " + id))
`

// An instance whose id starts with "deaf" ignores SIGTERM: "deaf-" ones have a 16 s grace (a stop takes that long),
// "deafk-" ones 4 s.
const deaf = `
const id = process.env.INSTANCE_ID
process.on("SIGTERM", () => console.log("ignoring SIGTERM"))
console.log("ready " + id + " pid " + process.pid)
setInterval(() => {}, 1000)
`

export const Worker = ProcessEntity.make("Worker", (entityId) => ({
  command: [process.execPath, "-e", entityId.startsWith("deaf") ? deaf : program],
  options: {
    env: { INSTANCE_ID: entityId },
    restart: "always",
    readiness: Readiness.output([`ready ${entityId}`]),
    terminate: {
      timeout: entityId.startsWith("deaf-") ? "16 seconds" : entityId.startsWith("deafk-") ? "4 seconds" : "3 seconds"
    }
  }
}))
