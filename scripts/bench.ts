// `npm run bench`: the benchmark suite (bench/README.md). Figures and ratios, never a pass/fail on goals;
// exits non-zero only when a bench crashed.
//
//   npm run bench                         everything: Chromium worker, Node column, app benches
//   npm run bench -- --only=state-scaling one or more benches (comma-separated names)
//   npm run bench -- --quick              tiny workloads, to check the harness itself
//   npm run bench -- --no-node --no-app   skip the Node column / the app benches
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, loadavg } from 'node:os'
import { dirname, resolve } from 'node:path'
import { runHarness } from '../bench/harness'
import { formatReport } from '../bench/report'

const OUT = resolve(import.meta.dirname, '..', 'test-results', 'bench.json')

function parseArgs(argv: readonly string[]) {
  const flags = new Set<string>()
  let only: string[] = []
  for (const arg of argv) {
    if (arg.startsWith('--only=')) only = arg.slice('--only='.length).split(',').filter(Boolean)
    else if (['--quick', '--no-node', '--no-browser', '--no-app'].includes(arg)) flags.add(arg)
    else
      throw new Error(`unknown argument ${arg} (known: --only=a,b --quick --no-node --no-browser --no-app)`)
  }
  return {
    only,
    quick: flags.has('--quick'),
    node: !flags.has('--no-node'),
    browser: !flags.has('--no-browser'),
    app: !flags.has('--no-app'),
  }
}

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`)
  }
  const startedAt = new Date().toISOString()
  const loadBefore = load()
  const t0 = performance.now()
  const run = await runHarness({ ...args, log })
  const seconds = (performance.now() - t0) / 1000
  const loadAfter = load()

  const cpu = cpus()
  console.log(
    `\nTabchain benchmarks — ${startedAt}${args.quick ? '  (QUICK: smoke-test workloads, figures meaningless)' : ''}`,
  )
  console.log(
    `Node ${process.version}, Chromium ${run.chromium ?? '—'}, ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}; ` +
      `load average ${loadBefore} before, ${loadAfter} after (above ${cpu.length} the machine is shared: ` +
      'absolute figures are noisy, ratios less so)',
  )
  console.log(formatReport(run.records))
  for (const s of run.skipped) console.log(`\nskipped: ${s}`)
  console.log(`\n${run.records.length} bench runs in ${seconds.toFixed(0)} s; results in ${OUT}`)

  await mkdir(dirname(OUT), { recursive: true })
  const json = JSON.stringify(
    {
      startedAt,
      quick: args.quick,
      node: process.version,
      chromium: run.chromium ?? null,
      cpus: cpu.length,
      loadBefore,
      loadAfter,
      records: run.records,
      skipped: run.skipped,
    },
    null,
    2,
  )
  await writeFile(OUT, `${json}\n`)
  if (run.records.some((r) => r.error !== undefined)) process.exitCode = 1
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
