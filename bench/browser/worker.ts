import { findBench } from '../pure'
import { errorText, type RunReply, type RunRequest } from './protocol'

/** The bench worker: runs the one bench the page asks for, replies once. */

// Typed as the worker scope; this folder compiles with the DOM lib (tsconfig.node.json).
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<RunRequest>) => void) | null
  postMessage(message: RunReply): void
}

// Set synchronously: a message that arrives before the handler exists is lost.
scope.onmessage = (event) => {
  const { name, options } = event.data
  const bench = findBench(name)
  if (bench === undefined) {
    scope.postMessage({ ok: false, error: `no bench named ${name}` })
    return
  }
  bench.run(options).then(
    (result) => scope.postMessage({ ok: true, result }),
    (err: unknown) => scope.postMessage({ ok: false, error: errorText(err) }),
  )
}
