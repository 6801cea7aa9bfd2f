import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    // Node 20 polyfills inside the test workers (libp2p 3 needs Promise.withResolvers, WebSocket).
    setupFiles: ['test/setup.ts'],
    // The JSON report feeds the plain "N passed, N failed" line of .ci/run.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/unit.json' },
  },
})
