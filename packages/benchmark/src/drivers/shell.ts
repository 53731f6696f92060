/** The shell baselines: what the machine does without Node in the loop. */
import * as ChildProcess from "node:child_process"
import type { ShellBaseline } from "../types.js"

const timeSh = (script: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const start = performance.now()
    const child = ChildProcess.spawn("sh", ["-c", script], { stdio: "ignore" })
    child.once("error", reject)
    child.once("exit", (code) =>
      code === 0 ? resolve(performance.now() - start) : reject(new Error(`sh exited ${code}: ${script}`)))
  })

export const shell: ShellBaseline = {
  pipe: (bytes) => timeSh(`head -c ${bytes} /dev/zero | cat > /dev/null`),
  forkExec: (count) => timeSh(`i=0; while [ $i -lt ${count} ]; do /bin/true; i=$((i+1)); done`)
}
