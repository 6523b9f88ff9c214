export const log = (...args: unknown[]) => console.log(`[bench ${((performance.now() / 1000) | 0).toString().padStart(4)}s]`, ...args);
