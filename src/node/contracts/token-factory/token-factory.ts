import { type Address, encodeAbiParameters, type Hex } from 'viem'
import { bigintToBytes, fromHex, keccak, toHex } from '../../codec/bytes'
import { rlpEncode } from '../../codec/rlp'
import { addressTopic, addressWord, decodeArgs, selectorOf } from '../abi'
import { initToken, isToken } from '../erc20/erc20'
import { GAS } from '../gas'
import { type Method, require } from '../types'

/**
 * TokenFactory: `createToken(name, symbol, decimals, initialSupply)` deploys a native ERC20 owned
 * by the caller, who receives the initial supply.
 */

/** Longest accepted token name and symbol, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 64
export const MAX_SYMBOL_BYTES = 16

const encoder = new TextEncoder()

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
    const [name, symbol, decimals, initialSupply] = decodeArgs<[string, string, number, bigint]>(
      [{ type: 'string' }, { type: 'string' }, { type: 'uint8' }, { type: 'uint256' }],
      f.data,
    )
    // viem does not range-check uint8 words; Solidity's decoder reverts on them.
    require(decimals >= 0 && decimals <= 255, 'invalid uint8 argument')
    const nameBytes = encoder.encode(name).length
    const symbolBytes = encoder.encode(symbol).length
    require(nameBytes > 0 &&
      nameBytes <= MAX_NAME_BYTES, `TokenFactory: name must be 1-${MAX_NAME_BYTES} bytes`)
    require(symbolBytes > 0 &&
      symbolBytes <= MAX_SYMBOL_BYTES, `TokenFactory: symbol must be 1-${MAX_SYMBOL_BYTES} bytes`)
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
