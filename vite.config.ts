import react from '@vitejs/plugin-react'
import { defineConfig, type Plugin } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'

/** Dark theme colours, shared by the manifest, the <meta name="theme-color"> and src/ui/styles.css. */
const THEME_COLOR = '#0e1120'
const BACKGROUND_COLOR = '#0e1120'

/**
 * The Content-Security-Policy in index.html forbids inline scripts and styles, which the dev server
 * needs (React Refresh's inline preamble, HMR's injected <style> tags). The built app runs under the
 * policy; only `vite` (serve) drops it.
 */
function devWithoutCsp(): Plugin {
  return {
    name: 'tabchain:dev-without-csp',
    apply: 'serve',
    transformIndexHtml: {
      order: 'pre',
      handler: (html) => html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>\s*/, ''),
    },
  }
}

/** The file of `@libp2p/webrtc` (6.0.33) that `webrtcInitChannelFix` mends, and its two mends. */
const WEBRTC_INITIATOR = '/@libp2p/webrtc/dist/src/private-to-private/initiate-connection.js'
const WEBRTC_INITIATOR_MENDS: readonly (readonly [string, string])[] = [
  ["if (channel.readyState !== 'open') {", "if (channel.readyState === 'connecting') {"],
  [
    "log.trace('waiting for init channel to close');\n        await pEvent(channel, 'close', {",
    "log.trace('waiting for init channel to close');\n        if (channel.readyState !== 'closed') await pEvent(channel, 'close', {",
  ],
]

/**
 * Mends a race in `@libp2p/webrtc`'s dialer that stalls a direct dial until its timeout after the
 * WebRTC connection is up. The dialer opens an `init` data channel, and once the connection is
 * `connected` waits for that channel to be `open` if it is not, then closes it and waits for `close`.
 * The answering side closes the `init` channel as soon as it arrives (`muxer.js`, `onDataChannel`), so
 * when the answerer's close lands before the dialer looks, the channel is already `closed`: the dialer
 * waits for an `open` event that never comes. With js-libp2p's browser-to-browser example alone
 * (bench/floor), a quarter to a half of the joins stalled so on this machine; in the stalled dials whose
 * data channels were logged, the init channel closed before `connected` or within a millisecond of it.
 * Mended here: wait for `open` only while the channel is connecting, and for `close` only if it is not
 * closed yet. The build fails if the code changes (a new version: check whether it still needs this).
 */
export function webrtcInitChannelFix(): Plugin {
  return {
    name: 'tabchain:webrtc-init-channel',
    transform(code, id) {
      if (!id.replaceAll('\\', '/').endsWith(WEBRTC_INITIATOR)) return null
      let mended = code
      for (const [from, to] of WEBRTC_INITIATOR_MENDS) {
        if (mended.split(from).length !== 2)
          this.error(
            `${WEBRTC_INITIATOR} changed: "${from.split('\n')[0]}" is not there once; check the mend`,
          )
        mended = mended.replace(from, to)
      }
      return { code: mended, map: null }
    },
  }
}

/**
 * `npm run dev`: the page asks its server where the relay is and which chain to run (`/api/relay`,
 * `/api/chain`), which only the relay answers. The dev server hands those to the relay `npm run relay`
 * runs on this machine, on its HTTP port (`TABCHAIN_PORT`, default 8080, as the relay reads it).
 */
const DEV_RELAY = `http://127.0.0.1:${process.env.TABCHAIN_PORT || 8080}`

export default defineConfig({
  server: { proxy: { '/api': DEV_RELAY } },
  plugins: [
    devWithoutCsp(),
    webrtcInitChannelFix(),
    react(),
    VitePWA({
      // The page asks the user before switching to a new version (src/pwa.ts → update prompt).
      registerType: 'prompt',
      // The icons are already matched by workbox.globPatterns; listing them twice duplicates entries.
      includeManifestIcons: false,
      strategies: 'generateSW',
      // src/pwa.ts registers through `virtual:pwa-register`; an injected inline script would break the CSP.
      injectRegister: false,
      manifest: {
        id: '/',
        name: 'Tabchain',
        short_name: 'Tabchain',
        description:
          'A blockchain whose nodes are browser tabs: this app runs a full node in your browser, ' +
          'peers with other tabs over WebRTC and keeps its chain on this device.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: THEME_COLOR,
        background_color: BACKGROUND_COLOR,
        icons: [
          { src: '/pwa-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/pwa-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/pwa-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // The whole app shell, including the node worker chunk, so an offline reload starts the node.
        globPatterns: ['**/*.{js,css,html,png,svg,ico}'],
        // libp2p makes the page chunk large; keep it precached rather than failing the build.
        maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
        navigateFallback: '/index.html',
        // Server endpoints (relay configuration) must reach the network, never the cached shell.
        navigateFallbackDenylist: [/^\/api\//],
        cleanupOutdatedCaches: true,
        // The first install takes over the open tab at once so it survives going offline without a
        // reload; later versions still wait for the user's "Reload" (no skipWaiting).
        clientsClaim: true,
      },
    }),
  ],
  worker: { format: 'es' },
  // The dev server pre-bundles dependencies apart from the plugins above: mend them there too.
  optimizeDeps: { rolldownOptions: { plugins: [webrtcInitChannelFix()] } },
  build: {
    target: 'es2022',
    // The page chunk carries libp2p (WebRTC, noise, yamux, gossipsub): about 1 MB minified by design.
    chunkSizeWarningLimit: 1600,
  },
})
