// libp2p 3 calls Promise.withResolvers, which Node 20 lacks (Node 22 has it). Loaded with --import
// before anything else so the relay and Node-side tests run on Node 20.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve
    let reject
    const promise = new this((res, rej) => {
      resolve = res
      reject = rej
    })
    return { promise, resolve, reject }
  }
}
