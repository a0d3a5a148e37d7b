// Makes the add-on release the package's version: its lock from the packed tarball, addon/config.yaml's
// version, and CHANGELOG's "Unreleased" notes under that version. Run by `npm version` (the tag is then
// consistent) and again by the release workflow with the very tarball it published.
// Usage: node --import tsx scripts/release-addon.ts [--tarball alarm-mail-bridge-1.2.3.tgz]
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';
import { packBridge, readTarball, type Tarball, writeAddonLock } from './addon-lock.js';
import { readProjectHome, root } from './project-home.js';

/** "## Unreleased" becomes "## <version>"; a release without notes still gets its heading. */
export function releaseChangelog(text: string, version: string): string {
  if (new RegExp(`^## ${version.replace(/\./g, '\\.')}$`, 'm').test(text)) return text;
  if (/^## Unreleased$/m.test(text)) return text.replace(/^## Unreleased$/m, `## ${version}`);
  return text.replace(/^(# .*\n)\n?/, `$1\n## ${version}\n\n- Maintenance release.\n\n`);
}

export async function releaseAddon(tarball: Tarball): Promise<void> {
  const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  const home = readProjectHome();
  if (tarball.name !== home.package || tarball.version !== version) {
    throw new Error(
      `${tarball.path} is ${tarball.name}@${tarball.version}, package.json and project-home.yaml say ${home.package}@${version}`,
    );
  }
  await writeAddonLock({ tarball, out: join(root, 'addon'), mode: 'registry' });
  const config = parseDocument(await readFile(join(root, 'addon', 'config.yaml'), 'utf8'));
  config.set('version', version);
  await writeFile(join(root, 'addon', 'config.yaml'), config.toString({ lineWidth: 0 }));
  const changelog = join(root, 'addon', 'CHANGELOG.md');
  await writeFile(changelog, releaseChangelog(await readFile(changelog, 'utf8'), version));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { tarball: { type: 'string' } } });
  const work = await mkdtemp(join(tmpdir(), 'amb-release-'));
  try {
    const tarball = values.tarball ? await readTarball(resolve(values.tarball)) : await packBridge(work);
    await releaseAddon(tarball);
    console.info(`add-on ${tarball.version}: addon/package-lock.json pins ${tarball.name} ${tarball.integrity}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
