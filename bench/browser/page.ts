import { findBench } from '../pure'
import type { BenchOptions } from '../types'
import { type BenchPageApi, errorText, type RunReply, type RunRequest } from './protocol'

/** The bench page: runs worker benches in a fresh dedicated module Worker each, page benches here. */

function inWorker(request: RunRequest): Promise<RunReply> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: request.name })
    const done = (reply: RunReply): void => {
      worker.terminate()
      resolve(reply)
    }
    worker.onmessage = (event: MessageEvent<RunReply>) => done(event.data)
    worker.onerror = (event) => done({ ok: false, error: `worker error: ${event.message}` })
    worker.postMessage(request)
  })
}

async function onPage(name: string, options: BenchOptions): Promise<RunReply> {
  const bench = findBench(name)
  if (bench === undefined) return { ok: false, error: `no bench named ${name}` }
  try {
    return { ok: true, result: await bench.run(options) }
  } catch (err) {
    return { ok: false, error: errorText(err) }
  }
}

const api: BenchPageApi = {
  run: (name, options) =>
    findBench(name)?.where === 'page' ? onPage(name, options) : inWorker({ name, options }),
}

;(globalThis as unknown as { tabchainBench: BenchPageApi }).tabchainBench = api
document.title = 'tabchain bench: ready'
