import { StorageError } from './errors'
import { META_CHAIN } from './rows'
import type { ChainIdentity } from './types'

function isChainIdentity(value: unknown): value is ChainIdentity {
  return (
    typeof value === 'object' &&
    value !== null &&
    'chainId' in value &&
    typeof value.chainId === 'number' &&
    'genesisHash' in value &&
    typeof value.genesisHash === 'string'
  )
}

/**
 * The sanity check on open: a fresh database records `chain`; one that recorded another chain (a
 * profile reused after a genesis change, say) throws `STORAGE_WRONG_CHAIN` before anything is read.
 */
export async function checkChain(
  chain: ChainIdentity,
  getMeta: (key: string) => Promise<unknown>,
  putMeta: (key: string, value: ChainIdentity) => Promise<void>,
): Promise<void> {
  const stored = await getMeta(META_CHAIN)
  if (stored === undefined) {
    await putMeta(META_CHAIN, {
      chainId: chain.chainId,
      genesisHash: chain.genesisHash.toLowerCase() as ChainIdentity['genesisHash'],
    })
    return
  }
  if (!isChainIdentity(stored))
    throw new StorageError({ code: 'STORAGE_CORRUPT', reason: 'malformed chain record' })
  if (
    stored.chainId !== chain.chainId ||
    stored.genesisHash.toLowerCase() !== chain.genesisHash.toLowerCase()
  ) {
    throw new StorageError({
      code: 'STORAGE_WRONG_CHAIN',
      expectedChainId: chain.chainId,
      foundChainId: stored.chainId,
      expectedGenesis: chain.genesisHash,
      foundGenesis: stored.genesisHash,
    })
  }
}
