/**
 * How a node runs (shared/DESIGN.md §4): `light` (headers only; state and inclusion read through
 * proofs from full peers), `upgrading` (light, while a state snapshot downloads and blocks execute
 * in the background; `percent` 0–100), `full` (every block downloaded and executed).
 */
export type NodeMode =
  | { readonly kind: 'light' }
  | { readonly kind: 'upgrading'; readonly percent: number }
  | { readonly kind: 'full' }

/** What the user asks for (`?mode=` or the per-profile setting): the node starts in this mode. */
export type ModePreference = 'light' | 'full'

/** Parses a preference (URL parameter or stored setting); undefined for anything else. */
export function parseModePreference(value: unknown): ModePreference | undefined {
  return value === 'light' || value === 'full' ? value : undefined
}

/** "light", "upgrading 42 %", "full": the node panel's label. */
export function describeMode(mode: NodeMode): string {
  return mode.kind === 'upgrading' ? `upgrading ${Math.floor(mode.percent)} %` : mode.kind
}
