import { defineConfig } from '@playwright/test'
import { CHROMIUM_ARGS, findChromium } from './scripts/chromium'

const executablePath = findChromium()

/** Port of the app + relay the suite starts; the relay's WebSocket listens on the next one. */
const PORT = Number(process.env.E2E_PORT ?? 4310)

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
  webServer: {
    command: `node --import ./relay/polyfill.mjs --import tsx relay/main.ts --port ${PORT} --ws-port ${PORT + 1}`,
    url: `http://127.0.0.1:${PORT}/api/relay`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
  },
})
