import * as path from "node:path"
import { defineProject } from "vitest/config"

export default defineProject({
  resolve: {
    alias: [
      { find: /^@effect-process\/engine\/(.*)$/, replacement: path.join(__dirname, "../engine/src/$1.ts") },
      { find: /^@effect-process\/core$/, replacement: path.join(__dirname, "../core/src/index.ts") },
      { find: /^@effect-process\/core\/(.*)\.js$/, replacement: path.join(__dirname, "../core/src/$1.ts") },
      { find: /^@effect-process\/core\/(.*)$/, replacement: path.join(__dirname, "../core/src/$1.ts") },
      { find: /^@effect-process\/node$/, replacement: path.join(__dirname, "src/index.ts") }
    ]
  },
  test: {
    name: "node",
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
