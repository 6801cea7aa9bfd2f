/** ABI of the HTLC native contract (hash = sha256, timelock = block height). */
export const htlcAbi = [
  {
    type: 'function',
    name: 'lock',
    stateMutability: 'payable',
    inputs: [
      { name: 'token', type: 'address' },
      { name: 'amount', type: 'uint256' },
      { name: 'recipient', type: 'address' },
      { name: 'hashlock', type: 'bytes32' },
      { name: 'timelockHeight', type: 'uint256' },
    ],
    outputs: [{ name: 'id', type: 'bytes32' }],
  },
  {
    type: 'function',
    name: 'redeem',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'id', type: 'bytes32' },
      { name: 'preimage', type: 'bytes32' },
    ],
    outputs: [],
  },
  {
    type: 'function',
    name: 'refund',
    stateMutability: 'nonpayable',
    inputs: [{ name: 'id', type: 'bytes32' }],
    outputs: [],
  },
  {
    type: 'function',
    name: 'getLock',
    stateMutability: 'view',
    inputs: [{ name: 'id', type: 'bytes32' }],
    outputs: [
      { name: 'sender', type: 'address' },
      { name: 'recipient', type: 'address' },
      { name: 'token', type: 'address' },
      { name: 'amount', type: 'uint256' },
      { name: 'hashlock', type: 'bytes32' },
      { name: 'timelockHeight', type: 'uint256' },
      { name: 'state', type: 'uint8' },
    ],
  },
  {
    type: 'event',
    name: 'Locked',
    inputs: [
      { name: 'id', type: 'bytes32', indexed: true },
      { name: 'sender', type: 'address', indexed: true },
      { name: 'recipient', type: 'address', indexed: true },
      { name: 'token', type: 'address', indexed: false },
      { name: 'amount', type: 'uint256', indexed: false },
      { name: 'hashlock', type: 'bytes32', indexed: false },
      { name: 'timelockHeight', type: 'uint256', indexed: false },
    ],
  },
  {
    type: 'event',
    name: 'Redeemed',
    inputs: [
      { name: 'id', type: 'bytes32', indexed: true },
      { name: 'preimage', type: 'bytes32', indexed: false },
    ],
  },
  {
    type: 'event',
    name: 'Refunded',
    inputs: [{ name: 'id', type: 'bytes32', indexed: true }],
  },
] as const

/** `getLock(id).state` values. */
export const LockState = { None: 0, Locked: 1, Redeemed: 2, Refunded: 3 } as const
export type LockState = (typeof LockState)[keyof typeof LockState]
