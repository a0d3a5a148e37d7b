// The project's home (project-home.yaml) and what follows from it in the other files: one source, so the person
// who creates the home fills it in once. `npm run home` writes the files; the tests check they agree.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, parseDocument } from 'yaml';

export const root = fileURLToPath(new URL('..', import.meta.url));
const path = (file: string) => `${root}${file}`;

export interface ProjectHome {
  /** https://github.com/<owner>/<name>, without .git or a trailing slash. */
  repository: string;
  /** The npm package name, possibly scoped. */
  package: string;
  /** The add-on image, without tag. */
  image: string;
}

export function readProjectHome(): ProjectHome {
  const home = parse(readFileSync(path('project-home.yaml'), 'utf8')) as Partial<ProjectHome>;
  const problems: string[] = [];
  if (!/^https:\/\/github\.com\/[\w.-]+\/[\w.-]+$/.test(home.repository ?? ''))
    problems.push(`repository: want https://github.com/<owner>/<name>, got ${home.repository}`);
  if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/.test(home.package ?? ''))
    problems.push(`package: not an npm package name: ${home.package}`);
  if (!/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)+$/.test(home.image ?? ''))
    problems.push(`image: want a lower-case image name without tag, got ${home.image}`);
  if (problems.length > 0) throw new Error(`project-home.yaml: ${problems.join('; ')}`);
  return home as ProjectHome;
}

/** The fields of package.json that name the project's home. */
export function packageFields(home: ProjectHome) {
  return {
    name: home.package,
    homepage: `${home.repository}#readme`,
    repository: { type: 'git', url: `git+${home.repository}.git` },
    bugs: { url: `${home.repository}/issues` },
  };
}

/** The URL a package's tarball has in the npm registry, as npm writes it into a lockfile. */
export function registryTarballUrl(name: string, version: string, registry = 'https://registry.npmjs.org/'): string {
  return `${registry}${name}/-/${name.replace(/^@[^/]+\//, '')}-${version}.tgz`;
}

/** Until the person who creates the home fills it in, the files name `OWNER`: there is no repository to add yet. */
export function isPlaceholder(home: ProjectHome): boolean {
  return /^https:\/\/github\.com\/OWNER\//.test(home.repository);
}

/** How DOCS.md tells users to add the add-on repository: only once there is one, so it says nothing that cannot work. */
function repositoryInstall(home: ProjectHome): string {
  if (isPlaceholder(home)) {
    return 'No release of Alarm Mail Bridge is published yet, so there is no add-on repository to add: install it as a\nlocal add-on (below).\n';
  }
  return `**From the repository** (the usual way): Settings → Add-ons → Add-on store → ⋮ → Repositories, add\n\`${home.repository}\`, then install **Alarm Mail Bridge** from the store. Home Assistant builds the image on your\nmachine: it installs exactly the package versions that \`package-lock.json\` in the add-on folder pins, checked by\ntheir sha512, and nothing else.\n`;
}

interface FileUpdate {
  file: string;
  update(text: string, home: ProjectHome): string;
}

function updateJson(text: string, change: (value: Record<string, unknown>) => void): string {
  const value = JSON.parse(text) as Record<string, unknown>;
  change(value);
  return `${JSON.stringify(value, null, 2)}\n`;
}

function updateYaml(text: string, change: (document: ReturnType<typeof parseDocument>) => void): string {
  const document = parseDocument(text);
  change(document);
  return document.toString({ lineWidth: 0 });
}

const updates: FileUpdate[] = [
  {
    file: 'package.json',
    update: (text, home) =>
      updateJson(text, (manifest) => {
        const fields = packageFields(home);
        // Keep the key order npm writes: name first, the home fields after the license.
        const ordered: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(manifest)) {
          if (key in fields && key !== 'name') continue;
          ordered[key] = key === 'name' ? fields.name : value;
          if (key === 'license') Object.assign(ordered, { homepage: fields.homepage, repository: fields.repository, bugs: fields.bugs });
        }
        for (const key of Object.keys(manifest)) delete manifest[key];
        Object.assign(manifest, ordered);
      }),
  },
  { file: 'repository.yaml', update: (text, home) => updateYaml(text, (document) => document.set('url', home.repository)) },
  { file: 'addon/config.yaml', update: (text, home) => updateYaml(text, (document) => document.set('url', home.repository)) },
  {
    file: 'addon/DOCS.md',
    update: (text, home) => text.replace(/(<!-- repository -->\n)[\s\S]*?(?=<!-- \/repository -->)/, `$1${repositoryInstall(home)}`),
  },
  {
    file: 'addon/Dockerfile',
    update: (text, home) => text.replace(/(io\.hass\.url=|org\.opencontainers\.image\.source=)"[^"]*"/g, `$1"${home.repository}"`),
  },
];

/** Each file whose content differs from what project-home.yaml says, with the content it should have. */
export function projectHomeChanges(home = readProjectHome()): { file: string; expected: string }[] {
  return updates.flatMap(({ file, update }) => {
    const text = readFileSync(path(file), 'utf8');
    const expected = update(text, home);
    return expected === text ? [] : [{ file, expected }];
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--print') {
    // For workflows: `node --import tsx scripts/project-home.ts --print >> "$GITHUB_OUTPUT"`.
    const home = readProjectHome();
    for (const [key, value] of Object.entries(home)) console.info(`${key}=${value}`);
  } else {
    const changes = projectHomeChanges();
    for (const { file, expected } of changes) writeFileSync(path(file), expected);
    console.info(
      changes.length === 0 ? 'every file agrees with project-home.yaml' : `updated ${changes.map(({ file }) => file).join(', ')}`,
    );
    console.info('after a change of package: npm run addon:lock (the add-on lock names the package)');
  }
}
