import type { Address } from 'viem'

/** System address of the TokenFactory native contract. */
export const TOKEN_FACTORY_ADDRESS: Address = '0x0000000000000000000000000000000000001001'
/** System address of the HTLC native contract. */
export const HTLC_ADDRESS: Address = '0x0000000000000000000000000000000000001002'
/** The zero address (the native coin in HTLC locks; mint source and burn sink in logs). */
export const ZERO_ADDRESS: Address = '0x0000000000000000000000000000000000000000'
