import { type Address, getAddress, isAddress } from 'viem'

/**
 * Reads a typed address. All-lower and all-upper case carry no checksum and are accepted; a mixed-case
 * address is an EIP-55 checksum and must match it (a typo is caught, not sent to).
 */
export function parseAddress(input: string): Address | 'not an address' | 'bad checksum' {
  const v = input.trim()
  if (!/^0x[0-9a-fA-F]{40}$/.test(v)) return 'not an address'
  const body = v.slice(2)
  if (body !== body.toLowerCase() && body !== body.toUpperCase() && !isAddress(v, { strict: true }))
    return 'bad checksum'
  return getAddress(v)
}
