import { describe, expect, test } from 'vitest'
import { NetError } from '../../../src/node/network/errors'
import { memoryHub } from '../../../src/node/network/memory'
import { NodeError } from '../../../src/node/rpc/errors'

/** The in-memory network twin fails a request the way the page's libp2p host does. */
describe('memory network twin', () => {
  test("a request the server fails reaches the asker as NET_REQUEST_FAILED with the server's reason", async () => {
    const hub = memoryHub()
    const a = hub.join('A')
    const b = hub.join('B')
    await b.api.handle('/p/1')
    await b.attach({
      gossip: async () => 'ignore',
      request: async () => {
        throw new NodeError({ code: 'NODE_BAD_REQUEST', protocol: '/p/1', reason: 'no body' }, 'bad request')
      },
      networkChanged: async () => {},
    })
    const failed = await a.api.request('B', '/p/1', new Uint8Array([1])).catch((e: unknown) => e)
    expect(failed).toBeInstanceOf(NetError)
    expect((failed as NetError).type).toEqual({
      code: 'NET_REQUEST_FAILED',
      peerId: 'B',
      protocol: '/p/1',
      reason: 'bad request',
    })
  })
})
