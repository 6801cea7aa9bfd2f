import { getTypesForEIP712Domain, type TypedDataDomain } from 'viem'

/** EIP-2612's `Permit` struct, its fields in the standard's order. */
export const PERMIT_TYPE = [
  { name: 'owner', type: 'address' },
  { name: 'spender', type: 'address' },
  { name: 'value', type: 'uint256' },
  { name: 'nonce', type: 'uint256' },
  { name: 'deadline', type: 'uint256' },
] as const

/**
 * An EIP-2612 permit of the token `domain` names, as a dApp sends it to `eth_signTypedData_v4`: the
 * domain's type declared, `message` as given (numbers as decimal strings).
 */
export function permitTypedData<M extends Record<string, unknown>>(domain: TypedDataDomain, message: M) {
  return {
    domain,
    types: { EIP712Domain: getTypesForEIP712Domain({ domain }), Permit: PERMIT_TYPE },
    primaryType: 'Permit' as const,
    message,
  }
}
