/**
 * @since 0.1.0
 */
export * as ProcessEntity from "./ProcessEntity.js"
