// Loaded into the bridge by bench/soak.ts (`--import`), never by users: on SIGUSR2 it writes one line to stderr
// with the process's memory before and after a full GC (the bench also passes --expose-gc), so the soak can tell
// memory that is held from garbage not yet collected.
process.on('SIGUSR2', () => {
  const before = process.memoryUsage();
  globalThis.gc?.();
  const after = process.memoryUsage();
  process.stderr.write(
    `soak-probe ${JSON.stringify({ rss: before.rss, heapUsed: before.heapUsed, heapUsedAfterGc: after.heapUsed, rssAfterGc: after.rss })}\n`,
  );
});
