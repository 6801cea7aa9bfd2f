/**
 * Starts ICU's locale data — collation, date and number formats — on the node worker's thread, as the
 * worker's first code. ICU keeps that data in caches of the whole renderer process, so the page's
 * first `toLocaleString` (the home screen's dates and numbers) and, when the worker gets there first,
 * its first `localeCompare` (libp2p's peer store sorts with it) find it ready instead of loading it on
 * the main thread while the tab connects. In a fresh page each such first call took 18–50 ms cold and
 * 0.1–6 ms after a worker had made the same calls; in a joining tab's CPU profile the home screen's
 * first date went from ~107 ms of main-thread time to ~3 ms. (The worker starts 0.5–1 s after it is
 * created, usually after libp2p's first sort: that one stays on the main thread.)
 */
'a'.localeCompare('b')
new Date(0).toLocaleString()
;(1234.5).toLocaleString()
