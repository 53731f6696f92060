import * as path from "node:path"
import { defineProject } from "vitest/config"

// Vitest 5 under Node 22 (Effect 4's floor), run by scripts/effect4-test.mjs; named so that the Effect 3 line's
// vitest (3.x, vitest.workspace.ts) does not pick it up.
export default defineProject({
  resolve: {
    alias: [
      { find: /^@effect-process\/engine\/(.*)$/, replacement: path.join(__dirname, "../engine/src/$1.ts") },
      { find: /^effect-process$/, replacement: path.join(__dirname, "src/index.ts") },
      { find: /^effect-process\/(.*)$/, replacement: path.join(__dirname, "src/$1.ts") }
    ]
  },
  test: {
    name: "effect4-core",
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000
  }
})
