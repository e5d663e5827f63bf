import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Generous bounds, not speed checks: on a busy 2-core machine a PGlite start or a population write
    // can take many times as long as on a quiet one, and no test asserts how long anything takes.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // PGlite instances are heavy (WASM); two workers match this 2-core machine.
    maxWorkers: 2,
  },
});
