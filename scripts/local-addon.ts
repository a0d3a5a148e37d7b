// A local add-on from the working tree: addon/ with the packed bridge and an npm cache of every locked package,
// ready to copy to Home Assistant's /addons folder; its image builds without the npm registry.
// Usage: node --import tsx scripts/local-addon.ts [folder]   (default: build/alarm_mail_bridge)
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packBridge, writeAddonLock } from './addon-lock.js';
import { root } from './project-home.js';

export async function buildLocalAddon(out: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'amb-local-addon-'));
  try {
    await rm(out, { recursive: true, force: true });
    await cp(join(root, 'addon'), out, { recursive: true });
    await writeAddonLock({ tarball: await packBridge(work), out, mode: 'local' });
    // The cache's logs are of no use in the image.
    await rm(join(out, 'packages', 'npm-cache', '_logs'), { recursive: true, force: true });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? join(root, 'build', 'alarm_mail_bridge'));
  await buildLocalAddon(out);
  console.info(`local add-on in ${out}: copy this folder into Home Assistant's /addons`);
}
