// What a release relies on, checked in every clone: the files agree with project-home.yaml, the add-on lock pins
// this package.json's version and dependencies by hash, the workflows pass GitHub's schema
// (@action-validator/cli), the Dockerfile passes dockerfile-utils, the shell scripts pass shellcheck.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { validate } from 'dockerfile-utils';
import { parse } from 'yaml';
import { addonPackageName } from '../../scripts/addon-lock.js';
import { isPlaceholder, packageFields, projectHomeChanges, readProjectHome, registryTarballUrl, root } from '../../scripts/project-home.js';
import { releaseChangelog } from '../../scripts/release-addon.js';

const run = promisify(execFile);
// shellcheck is a system package, not an npm one: skipped where it is missing, but not in CI (CI set), where
// .ci/run installs it and its absence must fail.
const skipShellcheck = spawnSync('shellcheck', ['--version']).error !== undefined && !process.env.CI;
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const manifest = JSON.parse(read('package.json')) as {
  name: string;
  version: string;
  license: string;
  dependencies: Record<string, string>;
  engines: { node: string };
  files: string[];
};

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
}

describe('the project home', () => {
  it('is written into package.json, repository.yaml, addon/config.yaml, addon/DOCS.md and the Dockerfile (npm run home)', () => {
    const home = readProjectHome();
    assert.deepEqual(
      projectHomeChanges(home).map(({ file }) => file),
      [],
    );
    const fields = packageFields(home);
    for (const key of ['name', 'homepage', 'repository', 'bugs'] as const)
      assert.deepEqual((manifest as unknown as Record<string, unknown>)[key], fields[key], key);
    assert.equal(manifest.license, 'MIT');
    assert.equal((parse(read('addon/config.yaml')) as { url: string }).url, home.repository);
    assert.match(read('addon/Dockerfile'), new RegExp(`io\\.hass\\.url="${home.repository}"`));
    if (isPlaceholder(home)) {
      assert.ok(!read('addon/DOCS.md').includes('OWNER'), 'DOCS.md names no repository that does not exist yet');
      assert.match(read('addon/DOCS.md'), /no add-on repository to add: install it as a\nlocal add-on/);
    } else {
      assert.ok(read('addon/DOCS.md').includes(`\`${home.repository}\``), 'DOCS.md names the repository to add');
    }
  });
});

describe('the add-on repository in DOCS.md', () => {
  it('is named once the home is filled in, in place of the local-only note', () => {
    const home = { ...readProjectHome(), repository: 'https://github.com/someone/alarm-mail-bridge' };
    const docs = projectHomeChanges(home).find(({ file }) => file === 'addon/DOCS.md')?.expected ?? '';
    assert.ok(docs.includes('add\n`https://github.com/someone/alarm-mail-bridge`, then install'), docs.slice(0, 800));
    assert.ok(!docs.includes('No release of Alarm Mail Bridge is published yet'));
  });
});

describe('the add-on lock', () => {
  const addonManifest = JSON.parse(read('addon/package.json')) as {
    name: string;
    version: string;
    private: boolean;
    dependencies: Record<string, string>;
  };
  const lock = JSON.parse(read('addon/package-lock.json')) as {
    name: string;
    lockfileVersion: number;
    packages: Record<string, LockEntry>;
  };

  it("pins package.json's name and version, from the registry, by sha512 (npm run addon:lock)", () => {
    assert.equal(addonManifest.name, addonPackageName);
    assert.equal(addonManifest.private, true);
    assert.deepEqual(addonManifest.dependencies, { [manifest.name]: manifest.version }, 'an exact version, no range');
    assert.deepEqual(lock.packages['']?.dependencies, { [manifest.name]: manifest.version });
    const bridge = lock.packages[`node_modules/${manifest.name}`];
    assert.equal(bridge?.version, manifest.version);
    assert.equal(bridge?.resolved, registryTarballUrl(manifest.name, manifest.version));
    assert.equal((parse(read('addon/config.yaml')) as { version: string }).version, manifest.version);
  });

  it("was made from a tarball with package.json's dependencies, and pins every package", () => {
    assert.equal(lock.lockfileVersion, 3);
    assert.deepEqual(lock.packages[`node_modules/${manifest.name}`]?.dependencies, manifest.dependencies);
    const entries = Object.entries(lock.packages).filter(([key]) => key !== '');
    assert.ok(entries.length > Object.keys(manifest.dependencies).length);
    for (const [key, entry] of entries) {
      assert.match(entry.integrity ?? '', /^sha512-[A-Za-z0-9+/]{86}==$/, key);
      assert.match(entry.resolved ?? '', /^https:\/\/registry\.npmjs\.org\//, key);
    }
    for (const name of Object.keys(manifest.dependencies)) assert.ok(lock.packages[`node_modules/${name}`], name);
  });

  it('the Dockerfile installs the lock with npm ci, production dependencies only', () => {
    const dockerfile = read('addon/Dockerfile');
    assert.match(dockerfile, /^COPY package\.json package-lock\.json \.\/$/m);
    assert.match(dockerfile, /^RUN npm ci --omit=dev /m);
    assert.ok(!/npm install/.test(dockerfile), 'never a resolving install');
  });
});

describe('release notes', () => {
  it('turn "Unreleased" into the version, once', () => {
    const text = '# Changelog\n\n## Unreleased\n\n- New.\n\n## 0.1.0\n\n- Old.\n';
    const released = releaseChangelog(text, '0.2.0');
    assert.equal(released, '# Changelog\n\n## 0.2.0\n\n- New.\n\n## 0.1.0\n\n- Old.\n');
    assert.equal(releaseChangelog(released, '0.2.0'), released);
    assert.match(
      releaseChangelog('# Changelog\n\n## 0.1.0\n', '0.1.1'),
      /^# Changelog\n\n## 0\.1\.1\n\n- Maintenance release\.\n\n## 0\.1\.0\n$/,
    );
  });
});

describe('lint', () => {
  it("the workflows pass GitHub Actions' schema", async () => {
    const workflows = readdirSync(join(root, '.github', 'workflows')).filter((file) => /\.ya?ml$/.test(file));
    assert.deepEqual(workflows.sort(), ['ci.yml', 'release.yml']);
    for (const file of workflows) {
      const result = await run(join(root, 'node_modules', '.bin', 'action-validator'), [join(root, '.github', 'workflows', file)]).catch(
        (error: { stdout: string; stderr: string }) => error,
      );
      assert.ok(!('code' in result), `${file}: ${result.stdout}${result.stderr}`);
    }
  });

  it('the validator catches a broken workflow', async () => {
    const broken = join(root, 'test', 'addon', 'fixtures', 'broken-workflow.yml');
    await assert.rejects(run(join(root, 'node_modules', '.bin', 'action-validator'), [broken]), /Additional property 'run-on'/);
  });

  it('the Dockerfile passes dockerfile-utils, which does catch mistakes', () => {
    const problems = validate(read('addon/Dockerfile'));
    assert.deepEqual(
      problems.map(({ message, range }) => `${range.start.line + 1}: ${message}`),
      [],
    );
    assert.ok(validate('FROM alpine\nHEALTHCHECK --interval=5 CMD true\nEXPOSE 99999\n').length > 0);
  });

  it("run.sh, .ci/run and the workflows' shell steps pass shellcheck", {
    skip: skipShellcheck && 'shellcheck not installed: apt-get install -y shellcheck',
  }, async () => {
    await run('shellcheck', [join(root, 'addon', 'run.sh'), join(root, '.ci', 'run')]);
    for (const file of ['ci.yml', 'release.yml']) {
      const workflow = parse(read(`.github/workflows/${file}`)) as { jobs: Record<string, { steps: { name?: string; run?: string }[] }> };
      for (const [job, { steps }] of Object.entries(workflow.jobs)) {
        for (const step of steps.filter(({ run: script }) => script)) {
          // GitHub's expressions are replaced before bash sees the script; a plain word stands in for them.
          const script = `#!/usr/bin/env bash\n${step.run?.replace(/\$\{\{[^}]*\}\}/g, 'x') ?? ''}`;
          const result = spawnSync('shellcheck', ['-'], { input: script, encoding: 'utf8' });
          assert.equal(result.status, 0, `${file} ${job} "${step.name}": ${result.stdout}${result.error ?? ''}`);
        }
      }
    }
  });
});

describe('Node versions', () => {
  it('engines names the lowest Node that .ci/run tests; @types/node is of that major', () => {
    const ci = read('.ci/run');
    const lowest = /^lowest_node=(\d+)\.(\d+)\.\d+$/m.exec(ci);
    assert.ok(lowest, '.ci/run names lowest_node');
    assert.equal(manifest.engines.node, `>=${lowest[1]}.${lowest[2]}`);
    const devDependencies = (JSON.parse(read('package.json')) as { devDependencies: Record<string, string> }).devDependencies;
    assert.match(devDependencies['@types/node'] ?? '', new RegExp(`^\\^${lowest[1]}\\.`));
    assert.match(ci, /^addon_node=24\./m, 'the Node of Alpine 3.23, the add-on base');
  });
});
