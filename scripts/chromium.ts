// Finds the Chromium the e2e suite and the benchmarks drive. Order: $CHROMIUM_PATH, Debian's
// /usr/bin/chromium, then Playwright's own download if one is installed (`npx playwright install`).
import { existsSync } from 'node:fs'
import { chromium } from '@playwright/test'

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium'
  try {
    const bundled = chromium.executablePath()
    return existsSync(bundled) ? bundled : undefined
  } catch {
    return undefined
  }
}
