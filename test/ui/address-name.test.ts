import { describe, expect, test } from 'vitest'
import { HTLC_ADDRESS, TOKEN_FACTORY_ADDRESS, ZERO_ADDRESS } from '../../src/node/contracts/addresses'
import type { TokenInfo } from '../../src/node/worker/queries'
import { addressKind, addressName, tokenDirectory } from '../../src/ui/address-name'

const GOLD: TokenInfo = {
  address: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  name: 'Gold',
  symbol: 'GLD',
  decimals: 2,
  totalSupply: 100_000n,
  owner: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
}
const ACCOUNT = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

describe('naming an address in the explorer', () => {
  const tokens = tokenDirectory([GOLD])

  test('the native contracts read by name, whatever the case of their address', () => {
    expect(addressName(TOKEN_FACTORY_ADDRESS, tokens)).toBe('TokenFactory')
    expect(addressName(HTLC_ADDRESS, tokens, 'to')).toBe('HTLC (atomic swaps)')
    expect(addressName(HTLC_ADDRESS.toUpperCase().replace('0X', '0x') as `0x${string}`, new Map())).toBe(
      'HTLC (atomic swaps)',
    )
  })

  test('the zero address is "mint" as a source, "burn" as a destination, and says what it is on its own', () => {
    expect(addressName(ZERO_ADDRESS, tokens, 'from')).toBe('mint')
    expect(addressName(ZERO_ADDRESS, tokens, 'to')).toBe('burn')
    expect(addressName(ZERO_ADDRESS, tokens)).toBe('zero address')
  })

  test('a token the node knows reads as its name and symbol, found by its address in any case', () => {
    expect(addressName(GOLD.address, tokens)).toBe('Gold (GLD)')
    expect(addressName(GOLD.address.toLowerCase() as `0x${string}`, tokens, 'to')).toBe('Gold (GLD)')
    // Not known (a light node's list misses it, or it is not read yet): its hash is shown.
    expect(addressName(GOLD.address, new Map())).toBeNull()
  })

  test('an account has no name', () => {
    expect(addressName(ACCOUNT, tokens, 'from')).toBeNull()
    expect(addressKind(ACCOUNT, null)).toEqual({ kind: 'account' })
  })

  test('a token named with invisible or direction-changing characters is named escaped, as its own page shows it', () => {
    const spoof = tokenDirectory([{ ...GOLD, name: 'Spoof', symbol: 'X\u202E' }])
    expect(addressName(GOLD.address, spoof)).toBe('Spoof (X\\u{202E})')
  })

  test('a token named as a native contract or the zero address is shown by its hash, not by that name', () => {
    const fakes = tokenDirectory([{ ...GOLD, name: 'HTLC', symbol: 'atomic swaps' }])
    expect(addressName(GOLD.address, fakes, 'to')).toBeNull()
    for (const name of [
      'TokenFactory',
      ' tokenfactory ',
      'MINT',
      'burn',
      'Zero Address',
      'HTLC (atomic swaps)',
    ])
      expect(addressName(GOLD.address, tokenDirectory([{ ...GOLD, name }]))).toBeNull()
    // A name that only contains one of them is a name like any other.
    expect(addressName(GOLD.address, tokenDirectory([{ ...GOLD, name: 'Mint Julep' }]))).toBe(
      'Mint Julep (GLD)',
    )
  })

  test('what an address is: the native contracts and the zero address by their fixed addresses, a token by the one held there', () => {
    expect(addressKind(TOKEN_FACTORY_ADDRESS, null)).toMatchObject({ kind: 'native', name: 'TokenFactory' })
    // What the HTLC does, in the swap steps' words (collect, take back), naming the calls the Explorer lists.
    expect(addressKind(HTLC_ADDRESS, null)).toEqual({
      kind: 'native',
      name: 'HTLC (atomic swaps)',
      about:
        "the native contract that holds the coins and tokens locked in atomic swaps, until the other side collects them with the swap's secret (a redeem) or, once the lock has run out, the side that locked them takes them back (a refund).",
    })
    expect(addressKind(ZERO_ADDRESS, null)).toEqual({ kind: 'zero' })
    expect(addressKind(GOLD.address, GOLD)).toEqual({ kind: 'token', token: GOLD })
    // A token read for another address does not name this one.
    expect(addressKind(ACCOUNT, GOLD)).toEqual({ kind: 'account' })
  })
})
