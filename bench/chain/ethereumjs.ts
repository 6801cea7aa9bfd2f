import { type Block, createBlock } from '@ethereumjs/block'
import { Common, Hardfork, Mainnet } from '@ethereumjs/common'
import { createFeeMarket1559Tx, createTxFromRLP, type TypedTransaction } from '@ethereumjs/tx'
import { createAccount, Address as EjsAddress } from '@ethereumjs/util'
import { createVM, runBlock, runTx, type VM } from '@ethereumjs/vm'
import artifact from '@openzeppelin/contracts/build/contracts/ERC20PresetFixedSupply.json'
import { type Address, encodeAbiParameters, type Hex, hexToBytes } from 'viem'
import type { Bench, BenchResult } from '../types'
import { type BenchKey, benchKeys } from './keys'
import { BENCH_FEES, recipientOf, transferData, type WorkloadShape, workloadShape } from './workload'

/**
 * The EVM baseline: the same ERC20 transfer workload on @ethereumjs/vm running OpenZeppelin's
 * ERC20PresetFixedSupply bytecode (Cancun rules, EIP-1559 transactions, in-memory Merkle-Patricia
 * state). Prep (funding, deployment, token distribution, signing) is untimed.
 *
 * Timed per block, as a node importing it would: decode each raw transaction (`createTxFromRLP`),
 * build the block, `runBlock` with `generate: true` — sender recovery, EVM execution, state root and
 * receipts trie. Header and transactions-trie validation are skipped (`skipHeaderValidation`,
 * `skipBlockValidation`), which favours the baseline.
 */

const ETHER = 10n ** 18n
const GWEI = 10n ** 9n
/** OpenZeppelin's transfer costs ≈ 51k gas to a new holder, ≈ 34k between existing ones. */
const EVM_TRANSFER_GAS = 80_000n
const COINBASE = new EjsAddress(hexToBytes('0x00000000000000000000000000000000000b3c4e'))

export interface EthereumjsFigures {
  readonly txPerSec: number
  readonly ms: number
  readonly txCount: number
  readonly gasPerTx: bigint
}

function makeBlock(common: Common, number: bigint, transactions: TypedTransaction[]): Block {
  return createBlock(
    {
      header: {
        number,
        timestamp: 1_764_028_800n + number * 2n,
        // Header validation is skipped; a generous limit keeps per-block gas accounting out of the way.
        gasLimit: 100_000_000n,
        baseFeePerGas: GWEI,
        coinbase: COINBASE,
        parentBeaconBlockRoot: new Uint8Array(32),
        excessBlobGas: 0n,
        blobGasUsed: 0n,
      },
      transactions,
      withdrawals: [],
    },
    { common },
  )
}

async function run(vm: VM, block: Block): Promise<bigint> {
  const result = await runBlock(vm, {
    block,
    generate: true,
    skipBlockValidation: true,
    skipHeaderValidation: true,
  })
  const failed = result.receipts.findIndex((r) => !('status' in r) || r.status !== 1)
  if (failed >= 0) throw new Error(`ethereumjs: transaction ${failed} of block ${block.header.number} failed`)
  return result.gasUsed
}

function signed(
  common: Common,
  key: BenchKey,
  nonce: bigint,
  to: Address | undefined,
  data: Hex,
  gas: bigint,
): TypedTransaction {
  return createFeeMarket1559Tx(
    {
      chainId: common.chainId(),
      nonce,
      ...(to === undefined ? {} : { to }),
      data,
      gasLimit: gas,
      value: 0n,
      ...BENCH_FEES,
    },
    { common },
  ).sign(key.privateKey)
}

/**
 * Measures the transfer workload of `shape` on ethereumjs: `shape.blocks` timed blocks after one
 * untimed warm-up block of the same shape.
 */
export async function measureEthereumjs(shape: WorkloadShape): Promise<EthereumjsFigures> {
  const common = new Common({ chain: Mainnet, hardfork: Hardfork.Cancun })
  const vm = await createVM({ common })
  const [deployer] = benchKeys('evm-deployer', 1) as [BenchKey]
  const senders = benchKeys('sender', shape.senders)
  await vm.stateManager.putAccount(
    new EjsAddress(hexToBytes(deployer.address)),
    createAccount({ balance: 1000n * ETHER }),
  )
  for (const k of senders) {
    await vm.stateManager.putAccount(new EjsAddress(hexToBytes(k.address)), createAccount({ balance: ETHER }))
  }

  const perSender = BigInt(shape.blocks + 1) * 10n
  const ctorArgs = encodeAbiParameters(
    [{ type: 'string' }, { type: 'string' }, { type: 'uint256' }, { type: 'address' }],
    ['Bench', 'BNCH', perSender * BigInt(shape.senders), deployer.address],
  )
  const deploy = signed(
    common,
    deployer,
    0n,
    undefined,
    `${artifact.bytecode as Hex}${ctorArgs.slice(2)}`,
    3_000_000n,
  )
  const created = await runTx(vm, { tx: deploy, block: makeBlock(common, 1n, []) })
  if (created.createdAddress === undefined || created.execResult.exceptionError !== undefined) {
    throw new Error('ethereumjs: ERC20 deployment failed')
  }
  const token = created.createdAddress.toString() as Address
  await run(
    vm,
    makeBlock(
      common,
      2n,
      senders.map((k, i) =>
        signed(common, deployer, BigInt(i + 1), token, transferData(k.address, perSender), EVM_TRANSFER_GAS),
      ),
    ),
  )

  // Raw signed transfers, as they would arrive in blocks: block 0 warms up, the rest are timed.
  const raws: Uint8Array[][] = []
  for (let b = 0; b <= shape.blocks; b++) {
    raws.push(
      senders.map((k, i) =>
        signed(
          common,
          k,
          BigInt(b),
          token,
          transferData(recipientOf(senders, i), 1n),
          EVM_TRANSFER_GAS,
        ).serialize(),
      ),
    )
  }
  const importBlock = (b: number): Promise<bigint> =>
    run(
      vm,
      makeBlock(
        common,
        BigInt(3 + b),
        (raws[b] as Uint8Array[]).map((r) => createTxFromRLP(r, { common })),
      ),
    )
  await importBlock(0)
  let gas = 0n
  const t0 = performance.now()
  for (let b = 1; b <= shape.blocks; b++) gas += await importBlock(b)
  const ms = performance.now() - t0
  const txCount = shape.blocks * shape.senders
  return { txPerSec: (txCount * 1000) / ms, ms, txCount, gasPerTx: gas / BigInt(txCount) }
}

/** Label of the baseline figure (other benches' derived ratios refer to it). */
export const EVM_BASELINE = 'ethereumjs VM, OpenZeppelin ERC20'

/** The EVM baseline of issue 3's import benchmark, in its own worker. */
export const evmBaselineBench: Bench = {
  name: 'evm-erc20',
  title: 'Baseline: the same ERC20 transfer blocks on @ethereumjs/vm (OpenZeppelin bytecode)',
  where: 'worker',
  // Its Node figure (≈ 160–190 tx/s on an idle machine, measured when the project began) costs a minute and a
  // half of a loaded run for a column nobody acts on: Chromium only.
  nodeToo: false,
  async run(options): Promise<BenchResult> {
    const shape = workloadShape(options)
    const r = await measureEthereumjs(shape)
    return {
      figures: [
        { label: EVM_BASELINE, value: r.txPerSec, unit: 'tx/s', note: `${r.gasPerTx} gas/tx, one run` },
      ],
      ratios: [],
      notes: [
        `${r.txCount} transfers in ${shape.blocks} blocks of ${shape.senders}, after 1 untimed warm-up block; ` +
          'Cancun rules, EIP-1559 transactions, in-memory Merkle-Patricia state.',
        'Timed: createTxFromRLP + createBlock + runBlock(generate: true) per block (sender recovery, EVM, ' +
          'state root, receipts trie); header and transactions-trie validation skipped, which favours it.',
      ],
    }
  },
}
