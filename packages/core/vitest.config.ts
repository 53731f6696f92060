import * as path from "node:path"
import { defineProject } from "vitest/config"

export default defineProject({
  resolve: {
    alias: [
      { find: /^@effect-process\/engine\/(.*)$/, replacement: path.join(__dirname, "../engine/src/$1.ts") },
      { find: /^@effect-process\/core$/, replacement: path.join(__dirname, "src/index.ts") },
      { find: /^@effect-process\/core\/(.*)\.js$/, replacement: path.join(__dirname, "src/$1.ts") },
      { find: /^@effect-process\/core\/(.*)$/, replacement: path.join(__dirname, "src/$1.ts") }
    ]
  },
  test: {
    name: "core",
    include: ["test/**/*.test.ts"]
  }
})
