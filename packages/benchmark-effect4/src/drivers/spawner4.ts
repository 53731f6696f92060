/**
 * effect-process's drop-in for Effect 4's spawner: `NodeChildProcessSpawner.layer` of `@effect-process/platform-node`
 * (the process resource, with the parent-death reaper), driven by the same code as drivers/effect4.ts.
 */
import { NodeChildProcessSpawner } from "@effect-process/platform-node"
import { makeDriver } from "./childProcess.js"

export const driver = makeDriver(NodeChildProcessSpawner.layer)
