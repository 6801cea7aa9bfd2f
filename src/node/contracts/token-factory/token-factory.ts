import { type Address, encodeAbiParameters, type Hex } from 'viem'
import { bigintToBytes, fromHex, keccak, toHex } from '../../codec/bytes'
import { rlpEncode } from '../../codec/rlp'
import { addressTopic, addressWord, decodeArgs, selectorOf } from '../abi'
import { initToken, isToken } from '../erc20/erc20'
import { GAS } from '../gas'
import { type Method, Revert, require } from '../types'

/**
 * TokenFactory: `createToken(name, symbol, decimals, initialSupply)` deploys a native ERC20 owned
 * by the caller, who receives the initial supply.
 */

/** Longest accepted token name and symbol, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 64
export const MAX_SYMBOL_BYTES = 16

const encoder = new TextEncoder()
// Fatal and keeping a leading U+FEFF, as the token metadata record decodes: a name is the bytes sent.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * A `string` argument received as its bytes (its ABI encoding is that of `bytes`): viem's string
 * decoder drops a leading byte order mark and replaces invalid UTF-8, so the token would carry, and be
 * bounded by, other text than was sent. Reverts unless it is 1-`max` bytes of valid UTF-8.
 */
function textArg(hex: Hex, field: string, max: number): string {
  const bytes = fromHex(hex)
  require(bytes.length > 0 && bytes.length <= max, `TokenFactory: ${field} must be 1-${max} bytes`)
  try {
    return decoder.decode(bytes)
  } catch {
    throw new Revert(`TokenFactory: ${field} is not valid UTF-8`)
  }
}

/** keccak256("TokenCreated(address,address,string,string,uint8)") */
export const TOKEN_CREATED_TOPIC: Hex = toHex(
  keccak(encoder.encode('TokenCreated(address,address,string,string,uint8)')),
)

/**
 * Address of the token created by `creator` in its transaction with nonce `nonce`: the address
 * Ethereum's CREATE would give, `keccak256(rlp([creator, nonce]))[12:]`. (creator, nonce) pairs
 * never repeat and a transaction makes at most one token, so addresses are unique; wallets can
 * predict the address before sending.
 */
export function tokenAddress(creator: Address, nonce: bigint): Address {
  return toHex(keccak(rlpEncode([fromHex(creator), bigintToBytes(nonce)])).subarray(12)) as Address
}

const CREATE_TOKEN_SELECTOR = Number.parseInt(
  toHex(keccak(encoder.encode('createToken(string,string,uint8,uint256)'))).slice(2, 10),
  16,
)

const createToken: Method = {
  gas: GAS.createToken,
  run: (f) => {
    const [nameHex, symbolHex, decimals, initialSupply] = decodeArgs<[Hex, Hex, number, bigint]>(
      [{ type: 'bytes' }, { type: 'bytes' }, { type: 'uint8' }, { type: 'uint256' }],
      f.data,
    )
    // viem does not range-check uint8 words; Solidity's decoder reverts on them.
    require(decimals >= 0 && decimals <= 255, 'invalid uint8 argument')
    const name = textArg(nameHex, 'name', MAX_NAME_BYTES)
    const symbol = textArg(symbolHex, 'symbol', MAX_SYMBOL_BYTES)
    const token = tokenAddress(f.from, f.txNonce)
    require(!isToken(f.state, token), 'TokenFactory: token address taken')
    initToken(f, token, { owner: f.from, decimals, name, symbol }, initialSupply)
    f.logs.push({
      address: f.to,
      topics: [TOKEN_CREATED_TOPIC, addressTopic(token), addressTopic(f.from)],
      data: encodeAbiParameters(
        [{ type: 'string' }, { type: 'string' }, { type: 'uint8' }],
        [name, symbol, decimals],
      ),
    })
    return addressWord(token)
  },
}

/** The TokenFactory method selected by `data`, or undefined. */
export function tokenFactoryMethod(data: Uint8Array): Method | undefined {
  // createToken(string,string,uint8,uint256)
  return selectorOf(data) === CREATE_TOKEN_SELECTOR ? createToken : undefined
}
