// Makes sure a Chromium exists before the e2e suite: finds one, or, as root on Debian/Ubuntu,
// installs Debian's `chromium` package; otherwise says exactly what to install. Never downloads a
// browser build of its own.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { findChromium } from './chromium'

const found = findChromium()
if (found) {
  console.log(`chromium: ${found}`)
  process.exit(0)
}
if (process.env.CHROMIUM_PATH) {
  console.error(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist.`)
  process.exit(1)
}
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
if (isRoot && existsSync('/usr/bin/apt-get')) {
  console.log('chromium: not found; installing Debian\'s "chromium" package with apt-get…')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env })
  if (findChromium()) process.exit(0)
}
console.error(
  [
    'No Chromium found for the end-to-end tests. Install one of:',
    '  - Debian/Ubuntu:  sudo apt-get install -y chromium   (gives /usr/bin/chromium)',
    '  - Playwright:     npx playwright install chromium',
    '  - or point CHROMIUM_PATH at an existing Chromium/Chrome binary.',
  ].join('\n'),
)
process.exit(1)
