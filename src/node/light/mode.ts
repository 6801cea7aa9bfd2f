/**
 * The node's mode as the node panel shows it (issue 7): `light` (headers and proofs only), `upgrading n %`
 * (downloading a state snapshot and executing the blocks after it, in the background), or `full`
 * (every block executed here).
 *
 * Defined here by the snapshot work while the light client's own module is being written; both use
 * exactly this shape.
 */
export type NodeMode =
  /**
   * Reads proven from peers. `catchingUp`: an automatic node that holds the chain's state at a block of
   * its own (past the genesis) and is executing the blocks it missed up to the verified head (after an
   * upgrade that stopped part-way, or a reload behind its peers); unset, it holds headers only.
   */
  | { readonly kind: 'light'; readonly catchingUp?: true }
  | { readonly kind: 'upgrading'; readonly percent: number }
  | { readonly kind: 'full' }

/**
 * What the user pinned (persisted per profile; the `?mode=` page parameter overrides it): `auto` starts
 * light and upgrades to full in the background, `light` never upgrades (e.g. on a phone), `full` executes
 * every block.
 */
export type ModePin = 'auto' | 'light' | 'full'

/** The pin named by a `?mode=` value, or undefined for anything else. */
export function parseModePin(value: string | null | undefined): ModePin | undefined {
  return value === 'auto' || value === 'light' || value === 'full' ? value : undefined
}

/** `light`, `light, catching up`, `upgrading 42 %` or `full`. */
export function describeMode(mode: NodeMode): string {
  if (mode.kind === 'upgrading') return `upgrading ${Math.floor(mode.percent)} %`
  return mode.kind === 'light' && mode.catchingUp === true ? 'light, catching up' : mode.kind
}
