import { Link, useParams } from 'react-router'
import { type Address, getAddress, hexToBigInt, isAddress } from 'viem'
import type { LogRecord } from '../../node/storage/types'
import type { TokenInfo } from '../../node/worker/queries'
import { formatAmount } from '../../wallet/amount'
import { yourName } from '../address-name'
import {
  AddressLink,
  Fact,
  Loaded,
  Missing,
  TxLink,
  useNodeQuery,
  useTokenShown,
} from '../components/explorer'
import { GroupedAmount } from '../components/GroupedAmount'
import { Identicon } from '../components/Identicon'
import { shownToken } from '../format'
import { useAccount } from '../signer/account'
import { useApp } from '../store'
import { useWallet } from '../wallet-session'

const RECENT = 20

const topicAddress = (topic: string | undefined): Address => `0x${(topic ?? '').slice(26)}` as Address

/** A token (EIP-3091 route /token/:addr): metadata, supply, owner and its latest transfers. */
export function TokenScreen() {
  const { address = '' } = useParams()
  const valid = isAddress(address, { strict: false })
  const result = useNodeQuery(
    async (api) => {
      if (!valid) return null
      const token = await api.token(address as Address)
      return token === null
        ? null
        : { token: shownToken(token), transfers: await api.tokenTransfers(token.address, RECENT) }
    },
    [address],
  )
  if (!valid) return <Missing what={`“${address}” is not an address.`} />
  return (
    <Loaded result={result}>
      {(value) =>
        value === null ? (
          <Missing what={`No token lives at ${address} on this node’s chain (yet).`} />
        ) : (
          <TokenDetail token={value.token} transfers={value.transfers} />
        )
      }
    </Loaded>
  )
}

function TokenDetail({ token, transfers }: { readonly token: TokenInfo; readonly transfers: LogRecord[] }) {
  useTokenShown(token.address)
  const light = useApp((s) => s.modePin === 'light')
  const accounts = useWallet((s) => s.view.accounts)
  const acting = useAccount((s) => s.signer?.address ?? null)
  return (
    <TokenView
      token={token}
      transfers={transfers}
      light={light}
      yours={(address) => yourName(address, accounts, acting)}
    />
  )
}

/**
 * A token's facts and latest transfers (`light`: this tab runs as a light node, which says what the list
 * holds); the owner or a party that is one of this tab's own accounts reads as `yours` names it
 * (`yourName`: "Account 1 (you)").
 */
export function TokenView({
  token,
  transfers,
  light,
  yours,
}: {
  readonly token: TokenInfo
  readonly transfers: readonly LogRecord[]
  readonly light: boolean
  readonly yours: (address: Address) => string | null
}) {
  const amount = (v: bigint) => formatAmount(v, token.decimals, token.symbol)
  return (
    <div className="screen" data-testid="token-detail" data-token={token.address}>
      <p className="eyebrow">
        <Link to="/explorer">Explorer</Link>
      </p>
      <h1 className="my-address">
        <Identicon id={token.address} size={32} />
        <span>
          {token.name} ({token.symbol})
        </span>
      </h1>
      <dl className="facts">
        <Fact label="Contract">
          <span className="mono break">{getAddress(token.address)}</span>
        </Fact>
        <Fact label="Total supply">
          <span data-testid="token-supply">{amount(token.totalSupply)}</span>
        </Fact>
        <Fact label="Decimals">{token.decimals}</Fact>
        <Fact label="Owner (may mint)">
          <AddressLink address={token.owner} full yours={yours(token.owner)} />
        </Fact>
      </dl>
      <h2 className="section">Latest transfers</h2>
      {light ? (
        <p className="muted small" data-testid="token-transfers-light">
          This tab runs as a light node: these are the transfers in the blocks whose headers it holds.
        </p>
      ) : null}
      {transfers.length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        <table className="table" data-testid="token-transfers">
          <thead>
            <tr>
              <th>Transaction</th>
              <th>From</th>
              <th>To</th>
              <th>Amount</th>
              <th>Block</th>
            </tr>
          </thead>
          <tbody>
            {transfers.map((t) => (
              <tr key={`${t.blockHash}:${t.logIndex}`} data-testid="token-transfer">
                <td data-label="Transaction">
                  <TxLink hash={t.transactionHash} />
                </td>
                <td data-label="From">
                  <AddressLink
                    address={topicAddress(t.topics[1])}
                    side="from"
                    yours={yours(topicAddress(t.topics[1]))}
                  />
                </td>
                <td data-label="To">
                  <AddressLink
                    address={topicAddress(t.topics[2])}
                    side="to"
                    yours={yours(topicAddress(t.topics[2]))}
                  />
                </td>
                <td data-label="Amount">
                  <GroupedAmount text={amount(hexToBigInt(t.data))} />
                </td>
                <td data-label="Block">
                  <Link to={`/block/${t.blockNumber}`}>#{t.blockNumber.toLocaleString()}</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}
