/**
 * The conformance suite against this library's drop-in, `NodeChildProcessSpawner.layer`: Effect 4's contract, the
 * same checks as platform-node's layer passes, plus the guarantees (bounded termination with SIGKILL by default,
 * the group after a leader's exit 0, drained output, the parent-death reaper). The parent-death check loads the
 * layer from the built package (dist/esm).
 */
import { fileURLToPath } from "node:url"
import * as NodeChildProcessSpawner from "../../src/NodeChildProcessSpawner.js"
import { conformance } from "./suite.js"

conformance(
  "effect-process NodeChildProcessSpawner.layer",
  NodeChildProcessSpawner.layer,
  {
    guarantees: true,
    additionalFds: false,
    addedEnv: ["EFFECT_PROCESS_REAPER"],
    parentModule: fileURLToPath(new URL("../../dist/esm/NodeChildProcessSpawner.js", import.meta.url))
  }
)
