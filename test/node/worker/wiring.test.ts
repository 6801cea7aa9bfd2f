import { describe, expect, test } from 'vitest'
import { DEVNET_ACCOUNTS, testGenesis } from '../../../src/node/chain/genesis'
import { rateLimitWait } from '../../../src/node/light/light-client'
import type { ModePin } from '../../../src/node/light/mode'
import type { NetworkApi, NetworkSink } from '../../../src/node/network/bridge'
import { NetError, requestFailed } from '../../../src/node/network/errors'
import { memoryHub } from '../../../src/node/network/memory'
import { connect } from '../../../src/node/rpc/connect'
import { serve } from '../../../src/node/rpc/serve'
import { StorageError } from '../../../src/node/storage/errors'
import { SyncError } from '../../../src/node/sync/errors'
import { createNode } from '../../../src/node/worker/node'
import { prewire, refusingSink, startWiring } from '../../../src/node/worker/wiring'

const GENESIS = testGenesis()
const CHAIN = GENESIS.params.chainId

/** `network` with every call recorded as `[method, first argument]`, in the order made. */
function recorded(network: NetworkApi) {
  const calls: [string, unknown][] = []
  const api: NetworkApi = {
    subscribe(topic) {
      calls.push(['subscribe', topic])
      return network.subscribe(topic)
    },
    unsubscribe(topic) {
      calls.push(['unsubscribe', topic])
      return network.unsubscribe(topic)
    },
    publish(topic, data) {
      calls.push(['publish', topic])
      return network.publish(topic, data)
    },
    handle(protocol) {
      calls.push(['handle', protocol])
      return network.handle(protocol)
    },
    request(peerId, protocol, data, timeoutMs) {
      calls.push(['request', protocol])
      return network.request(peerId, protocol, data, timeoutMs)
    },
    snapshot() {
      calls.push(['snapshot', undefined])
      return network.snapshot()
    },
    disconnect(peerId, reason, banMs) {
      calls.push(['disconnect', peerId])
      return network.disconnect(peerId, reason, banMs)
    },
  }
  return { api, calls }
}

const sorted = (xs: readonly unknown[]) => [...xs].map(String).sort()

describe('a node start’s network wiring, asked ahead', () => {
  test.each<ModePin>(['auto', 'light', 'full'])(
    'startWiring is exactly what a node pinned %s subscribes to and handles as it starts',
    async (pin) => {
      const { api, calls } = recorded(memoryHub().join('A').api)
      const node = createNode({
        profileId: 'A',
        genesis: GENESIS,
        coinbase: DEVNET_ACCOUNTS[1] ?? '0x',
        mine: false,
        modePin: pin,
        network: api,
        emit: () => {},
        now: () => Date.now(),
        agent: 'test',
      })
      await node.start()
      node.stop()
      const wiring = startWiring(CHAIN, pin)
      expect(sorted(calls.filter(([m]) => m === 'subscribe').map(([, t]) => t))).toEqual(
        sorted(wiring.topics),
      )
      expect(sorted(calls.filter(([m]) => m === 'handle').map(([, p]) => p))).toEqual(
        sorted(wiring.protocols),
      )
    },
  )

  test('each topic and protocol is asked for at once; the first call for it takes that request, later ones ask again', async () => {
    const { api, calls } = recorded(memoryHub().join('A').api)
    const net = prewire(api, { topics: ['t1', 't2'], protocols: ['p1'] })
    expect(calls).toEqual([
      ['subscribe', 't1'],
      ['subscribe', 't2'],
      ['handle', 'p1'],
    ])
    await net.subscribe('t1')
    await net.handle('p1')
    expect(calls.length).toBe(3)
    await net.subscribe('t1')
    await net.subscribe('t3')
    await net.handle('p1')
    expect(calls.slice(3)).toEqual([
      ['subscribe', 't1'],
      ['subscribe', 't3'],
      ['handle', 'p1'],
    ])
  })

  test('an unsubscribe drops a subscription asked ahead: the next subscribe asks again', async () => {
    const { api, calls } = recorded(memoryHub().join('A').api)
    const net = prewire(api, { topics: ['t1'], protocols: [] })
    await net.unsubscribe('t1')
    await net.subscribe('t1')
    expect(calls).toEqual([
      ['subscribe', 't1'],
      ['unsubscribe', 't1'],
      ['subscribe', 't1'],
    ])
  })

  test('a request asked ahead that fails rejects the call that takes it, typed, and is not left unhandled', async () => {
    const refused = new NetError({ code: 'NET_NOT_STARTED' })
    const failing: NetworkApi = {
      ...memoryHub().join('A').api,
      handle: async () => {
        throw refused
      },
    }
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const net = prewire(failing, { topics: [], protocols: ['p1'] })
      await new Promise((r) => setTimeout(r, 10))
      await expect(net.handle('p1')).rejects.toBe(refused)
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  test('the other calls pass through unchanged', async () => {
    const hub = memoryHub()
    const b = hub.join('B')
    const { api, calls } = recorded(hub.join('A').api)
    const net = prewire(api, { topics: [], protocols: [] })
    expect((await net.snapshot()).peerId).toBe('A')
    expect(await net.publish('t', new Uint8Array([1]))).toEqual({ recipients: 0 })
    await b.api.handle('p')
    await b.attach({
      gossip: async () => 'ignore',
      request: async (_protocol, data) => new Uint8Array([data.byteLength, 7]),
      networkChanged: async () => {},
    })
    expect(await net.request('B', 'p', new Uint8Array(3), 1_000)).toEqual(new Uint8Array([3, 7]))
    await net.disconnect('B', 'test', 1_000)
    expect(calls.map(([m]) => m)).toEqual(['snapshot', 'publish', 'request', 'disconnect'])
  })

  test('a peer’s refusal of a request crosses the page’s port with its code and typed error, and is read as such', async () => {
    const channel = new MessageChannel()
    const refusal = new SyncError({ code: 'SYNC_RATE_LIMITED', peerId: 'L', retryInMs: 26 })
    const host: NetworkApi = {
      ...memoryHub().join('A').api,
      request: async (peerId, protocol) => {
        throw requestFailed(peerId, protocol, refusal)
      },
    }
    const served = serve<NetworkApi>(channel.port1, host, { methods: ['request'] })
    const page = connect<NetworkApi>(channel.port2)
    try {
      const net = prewire(page.api, { topics: [], protocols: [] })
      const failed = await net.request('F', 'p', new Uint8Array(1), 1_000).catch((e: unknown) => e)
      // The class does not cross: the worker branches on the code.
      expect(failed).not.toBeInstanceOf(NetError)
      expect(failed).toMatchObject({
        name: 'NetError',
        type: { code: 'NET_REQUEST_FAILED', remote: { code: 'SYNC_RATE_LIMITED', retryInMs: 26 } },
      })
      expect(rateLimitWait(failed)).toBe(26)
    } finally {
      page.close()
      served.close()
    }
  })

  test('a node that could not start still answers its wiring: gossip ignored, requests refused with why, over a real port', async () => {
    const channel = new MessageChannel()
    const why = new StorageError({ code: 'STORAGE_ABORTED', reason: 'the database would not open' })
    const served = serve<NetworkSink>(channel.port1, refusingSink(why))
    const page = connect<NetworkSink>(channel.port2)
    try {
      expect(await page.api.gossip('t', new Uint8Array([1]), 'P')).toBe('ignore')
      await expect(page.api.request('p', new Uint8Array([1]), 'P')).rejects.toMatchObject({
        type: { code: 'STORAGE_ABORTED' },
      })
      const snapshot = {
        peerId: 'A',
        relay: { state: 'connected', address: 'x' },
        peers: [],
        linking: [],
      } as const
      await expect(page.api.networkChanged(snapshot)).resolves.toBeUndefined()
    } finally {
      page.close()
      served.close()
    }
  })
})
