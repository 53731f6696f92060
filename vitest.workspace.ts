export default ["packages/*/vitest.config.ts", "scratchpad/vitest.config.ts"]
