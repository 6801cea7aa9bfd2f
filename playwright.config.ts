import { defineConfig } from '@playwright/test'
import { CHROMIUM_ARGS, findChromium } from './scripts/chromium'

const executablePath = findChromium()

/** Port of the app + relay the suite starts; the relay's WebSocket listens on the next one. */
const PORT = Number(process.env.E2E_PORT ?? 4310)
/** A second server on the next two ports runs a fast test chain (e2e/fixtures/fast-genesis.json). */
const FAST_PORT = PORT + 2
const relay = (port: number, extra = '') =>
  `node --import ./relay/polyfill.mjs --import tsx relay/main.ts --port ${port} --ws-port ${port + 1}${extra}`

export default defineConfig({
  testDir: 'e2e',
  // Playwright empties its output folder on start: keep it apart from the unit tests' report.
  outputDir: 'test-results/playwright',
  // WebRTC between several browser contexts is CPU-bound on a 2-core machine: one file at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    launchOptions: { ...(executablePath === undefined ? {} : { executablePath }), args: CHROMIUM_ARGS },
    trace: 'off',
  },
  webServer: [
    {
      command: relay(PORT),
      url: `http://127.0.0.1:${PORT}/api/relay`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
    },
    {
      command: relay(FAST_PORT, ' --genesis e2e/fixtures/fast-genesis.json'),
      url: `http://127.0.0.1:${FAST_PORT}/api/relay`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
    },
  ],
})
