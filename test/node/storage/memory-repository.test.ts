import { keccak256, stringToHex } from 'viem'
import { expect, test } from 'vitest'
import { StorageError } from '../../../src/node/storage/errors'
import { createMemoryBackend, openMemoryRepository } from '../../../src/node/storage/memory-repository'
import { runStorageCompliance } from './compliance'

runStorageCompliance('memory twin', () => {
  const backend = createMemoryBackend()
  return { open: (options) => openMemoryRepository({ backend, ...options }) }
})

test('the memory twin holds one chain: another chain id or genesis is refused with both named', async () => {
  const backend = createMemoryBackend()
  const chain = { chainId: 31337, genesisHash: keccak256(stringToHex('genesis')) }
  const other = { chainId: 31338, genesisHash: keccak256(stringToHex('other genesis')) }
  ;(await openMemoryRepository({ backend, chain })).close()
  for (const wrong of [other, { ...chain, genesisHash: other.genesisHash }]) {
    const err = await openMemoryRepository({ backend, chain: wrong }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(StorageError)
    expect((err as StorageError).type).toMatchObject({
      code: 'STORAGE_WRONG_CHAIN',
      expectedChainId: wrong.chainId,
      foundChainId: chain.chainId,
      expectedGenesis: wrong.genesisHash,
      foundGenesis: chain.genesisHash,
    })
  }
})
