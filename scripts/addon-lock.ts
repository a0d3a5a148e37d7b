// The add-on's locked install: addon/package.json and addon/package-lock.json pin the bridge and every
// production dependency by version and integrity hash, taken from the packed tarball itself, so the image
// installs exactly what was released (`npm ci --omit=dev`) and nothing a squatter publishes under the name.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { registryTarballUrl, root } from './project-home.js';

const run = promisify(execFile);

/** The add-on's own (private) package: it only exists to carry the lock. */
export const addonPackageName = 'alarm-mail-bridge-addon';

export interface Tarball {
  path: string;
  name: string;
  version: string;
  /** sha512 Subresource Integrity of the file, as npm writes it into a lockfile. */
  integrity: string;
}

/** `npm pack` of the working tree (which builds dist/ through `prepare`) into a folder. */
export async function packBridge(destination: string): Promise<Tarball> {
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', destination], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  return readTarball(join(destination, stdout.trim().split('\n').at(-1) ?? ''));
}

export async function readTarball(path: string): Promise<Tarball> {
  const { stdout } = await run('tar', ['-xzOf', path, 'package/package.json']);
  const { name, version } = JSON.parse(stdout) as { name: string; version: string };
  const integrity = `sha512-${createHash('sha512')
    .update(await readFile(path))
    .digest('base64')}`;
  return { path, name, version, integrity };
}

export interface LockOptions {
  tarball: Tarball;
  /** The folder that gets package.json and package-lock.json (addon/, or a local add-on's copy). */
  out: string;
  /**
   * registry: the bridge as the npm registry serves it once published (the add-on store's install);
   * local: the tarball itself in out/packages/, and every other package in out/packages/npm-cache, so the
   * image builds without the npm registry.
   */
  mode: 'registry' | 'local';
}

interface Lockfile {
  name: string;
  version?: string;
  packages: Record<
    string,
    { name?: string; version?: string; resolved?: string; integrity?: string; dependencies?: Record<string, string> }
  >;
}

export async function writeAddonLock({ tarball, out, mode }: LockOptions): Promise<void> {
  const spec = mode === 'registry' ? tarball.version : `file:packages/${basename(tarball.path)}`;
  const manifest = {
    name: addonPackageName,
    version: tarball.version,
    private: true,
    description: 'The locked install of the Alarm Mail Bridge add-on image (written by scripts/addon-lock.ts)',
    dependencies: { [tarball.name]: spec },
  };

  // npm resolves the tree from the tarball's own dependency ranges; the bridge's entry is then pointed at
  // where the image finds it. Registry URLs are kept whatever the user's omit-lockfile-registry-resolved says.
  const work = await mkdtemp(join(tmpdir(), 'amb-addon-lock-'));
  try {
    await writeFile(join(work, 'package.json'), JSON.stringify({ ...manifest, dependencies: { [tarball.name]: `file:${tarball.path}` } }));
    await run(
      'npm',
      [
        'install',
        '--package-lock-only',
        '--omit=dev',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--no-omit-lockfile-registry-resolved',
      ],
      { cwd: work },
    );
    const lock = JSON.parse(await readFile(join(work, 'package-lock.json'), 'utf8')) as Lockfile;
    lock.name = addonPackageName;
    lock.version = tarball.version;
    const rootEntry = lock.packages[''];
    const bridge = lock.packages[`node_modules/${tarball.name}`];
    if (!rootEntry || !bridge) throw new Error(`npm wrote no entry for ${tarball.name}`);
    Object.assign(rootEntry, { name: addonPackageName, version: tarball.version, dependencies: { [tarball.name]: spec } });
    bridge.resolved = mode === 'registry' ? registryTarballUrl(tarball.name, tarball.version) : spec;
    bridge.integrity = tarball.integrity;
    const unpinned = Object.entries(lock.packages).filter(([key, entry]) => key !== '' && !entry.integrity);
    if (unpinned.length > 0) throw new Error(`no integrity for ${unpinned.map(([key]) => key).join(', ')}`);

    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await writeFile(join(out, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
    if (mode === 'local') {
      await mkdir(join(out, 'packages'), { recursive: true });
      await copyFile(tarball.path, join(out, 'packages', basename(tarball.path)));
      // Installing once fills the cache with every locked tarball; the image's `npm ci --prefer-offline` reads it.
      await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--cache', join(out, 'packages', 'npm-cache')], {
        cwd: out,
      });
      await rm(join(out, 'node_modules'), { recursive: true, force: true });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
