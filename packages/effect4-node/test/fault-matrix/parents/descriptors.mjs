// Used by the parent programs that test behaviour at the descriptor limit.
import * as fs from "node:fs"

/**
 * Opens /dev/null until EMFILE, then closes `free` of them again: exactly `free` descriptors are left, whatever Node
 * itself holds open. Returns the descriptors still held, for `release`.
 */
export const useUpDescriptors = (free) => {
  const filler = []
  for (;;) {
    try {
      filler.push(fs.openSync("/dev/null", "r"))
    } catch (error) {
      if (error.code !== "EMFILE") throw error
      break
    }
  }
  for (const fd of filler.splice(0, free)) fs.closeSync(fd)
  return filler
}

/** Gives back what `useUpDescriptors` held. */
export const release = (filler) => {
  for (const fd of filler) fs.closeSync(fd)
}
