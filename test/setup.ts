import '../relay/polyfill.mjs'
import { WebSocket } from 'ws'

// Node 20 has no global WebSocket (Node 22 does); libp2p's WebSockets transport dials with it.
globalThis.WebSocket ??= WebSocket as unknown as typeof globalThis.WebSocket
