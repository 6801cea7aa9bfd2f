/**
 * The gas limit to sign for a call whose simulation against the head used `simulated` gas. Native
 * contracts cost fixed gas, so the simulation is exact; the 20 % margin covers state changes between
 * now and the block (e.g. a first-time balance slot).
 */
export function gasLimitFor(simulated: bigint): bigint {
  return (simulated * 12n) / 10n
}
