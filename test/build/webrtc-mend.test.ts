import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { webrtcInitChannelFix } from '../../vite.config'

const FILE = join(
  createRequire(import.meta.url)
    .resolve('@libp2p/webrtc')
    .split('/dist/')[0] ?? '',
  'dist/src/private-to-private/initiate-connection.js',
)

/** Runs the plugin's transform as Vite would on `code` from `id`; a plugin error throws. */
function transform(code: string, id: string): string | null {
  const plugin = webrtcInitChannelFix()
  const hook = plugin.transform
  if (typeof hook !== 'function') throw new Error('no transform hook')
  const context = {
    error(message: string): never {
      throw new Error(message)
    },
  }
  const out = hook.call(context as never, code, id) as { code: string } | null
  return out === null ? null : out.code
}

describe('the @libp2p/webrtc init-channel mend (vite.config.ts)', () => {
  const original = readFileSync(FILE, 'utf8')

  test('mends the installed dialer: waits for open only while connecting, for close only if not closed', () => {
    const mended = transform(original, FILE)
    expect(mended).not.toBeNull()
    expect(mended).not.toContain("if (channel.readyState !== 'open') {")
    expect(mended).toContain("if (channel.readyState === 'connecting') {")
    expect(mended).toContain("if (channel.readyState !== 'closed') await pEvent(channel, 'close', {")
  })

  test('leaves every other module alone', () => {
    expect(transform(original, '/x/node_modules/@libp2p/webrtc/dist/src/muxer.js')).toBeNull()
  })

  test('a changed dialer fails the build instead of shipping unmended', () => {
    const changed = original.replace("if (channel.readyState !== 'open') {", 'if (true) {')
    expect(() => transform(changed, FILE)).toThrow(/changed/)
  })
})
