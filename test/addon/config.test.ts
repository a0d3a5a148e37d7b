// The add-on's files as Home Assistant's linter and Supervisor read them: the linter's JSON schema (vendored in
// ha-addon-linter/ with its licence), its rule that a key set to its default is an error, the Supervisor's option grammar,
// translations for every option, and a Dockerfile with a pinned base, a HEALTHCHECK and no retired build.yaml.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const linterSchemaUrl = new URL('ha-addon-linter/config.schema.json', import.meta.url);
const config = parse(read('addon/config.yaml')) as Record<string, unknown> & {
  options: Record<string, unknown>;
  schema: Record<string, unknown>;
};

/** supervisor/apps/options.py RE_SCHEMA_ELEMENT */
const schemaElement =
  /^(?:bool|email|url|port|device(?:\(subsystem=[a-z]+\))?|str(?:\(\d*,\d*\))?|password(?:\(\d*,\d*\))?|int(?:\(\d*,\d*\))?|float(?:\([\d.]*,[\d.]*\))?|match\(.*\)|list\(.+\))\??$/;

/** Every leaf of the schema as [dotted path, element]; `[]` marks the items of a list. */
function schemaLeaves(schema: unknown, path = ''): [string, string][] {
  if (typeof schema === 'string') return [[path, schema]];
  if (Array.isArray(schema)) return schemaLeaves(schema[0], `${path}[]`);
  return Object.entries(schema as Record<string, unknown>).flatMap(([key, value]) => schemaLeaves(value, path ? `${path}.${key}` : key));
}

describe('add-on config.yaml', () => {
  it('passes the add-on linter schema', () => {
    // The linter's patterns are Python's: `(?P<name>…)` is `(?<name>…)` in JavaScript.
    const pythonRegExp = Object.assign((pattern: string, flags: string) => new RegExp(pattern.replace(/\(\?P</g, '(?<'), flags), {
      code: 'new RegExp',
    });
    const ajv = new Ajv({ allErrors: true, strict: false, code: { regExp: pythonRegExp } });
    const validate = ajv.compile(JSON.parse(readFileSync(linterSchemaUrl, 'utf8')) as object);
    assert.ok(validate(config), JSON.stringify(validate.errors));
    const properties = (JSON.parse(readFileSync(linterSchemaUrl, 'utf8')) as { properties: Record<string, { default?: unknown }> })
      .properties;
    for (const [key, value] of Object.entries(config)) {
      const property = properties[key];
      assert.ok(
        !(property && 'default' in property && JSON.stringify(property.default) === JSON.stringify(value)),
        `'${key}' should be removed, it uses a default value`,
      );
    }
    for (const obsolete of ['watchdog', 'auto_uart', 'codenotary']) assert.ok(!(obsolete in config), obsolete);
  });

  it('carries the version of package.json, the slug and the supported architectures', () => {
    assert.equal(config.version, (JSON.parse(read('package.json')) as { version: string }).version);
    assert.equal(config.slug, 'alarm_mail_bridge');
    assert.deepEqual(config.arch, ['aarch64', 'amd64']);
    assert.deepEqual(config.services, ['mqtt:need']);
    assert.equal(config.init, false, 'the s6-overlay base image needs init: false');
  });

  it('writes every option in the Supervisor grammar, secrets as password, nested at most two levels', () => {
    const leaves = schemaLeaves(config.schema);
    for (const [path, element] of leaves) {
      assert.match(element, schemaElement, path);
      assert.ok(path.replace(/\[\]/g, '').split('.').length <= 2, `${path} is nested too deep`);
      if (/password|token/.test(path)) assert.match(element, /^password/, path);
    }
    for (const [path, element] of leaves) {
      if (element.endsWith('?') || path.includes('[].')) continue;
      const value = path
        .replace(/\[\]$/, '')
        .split('.')
        .reduce<unknown>((object, key) => (object as Record<string, unknown> | undefined)?.[key], config.options);
      assert.notEqual(value, undefined, `${path} is mandatory and needs a default`);
    }
  });

  it('names and explains every option in English and German', () => {
    for (const language of ['en', 'de']) {
      const translations = parse(read(`addon/translations/${language}.yaml`)) as {
        configuration: Record<
          string,
          { name?: string; description?: string; fields?: Record<string, { name?: string; description?: string }> }
        >;
        network: Record<string, string>;
      };
      for (const [key, value] of Object.entries(config.schema)) {
        const entry = translations.configuration[key];
        assert.ok(entry?.name && entry.description, `${language}: ${key}`);
        if (value && typeof value === 'object' && !Array.isArray(value)) {
          for (const field of Object.keys(value))
            assert.ok(entry.fields?.[field]?.name && entry.fields[field]?.description, `${language}: ${key}.${field}`);
        }
      }
      assert.ok(translations.network['2525/tcp'], `${language}: port`);
    }
  });
});

describe('the options table in DOCS.md', () => {
  /** Options as users see them: `group.key` for a group's keys, the key alone for a list or a single value. */
  const optionNames = Object.entries(config.schema).flatMap(([key, value]) =>
    value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value).map((field) => `${key}.${field}`) : [key],
  );
  const docs = read('addon/DOCS.md');
  const table = docs.slice(docs.indexOf('## Options'), docs.indexOf('\n## ', docs.indexOf('## Options') + 1));
  /** The option names in the first column of each row. */
  const documented = table
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? ''));

  it('names every option of config.yaml and no option config.yaml lacks', () => {
    assert.deepEqual([...new Set(documented)].sort(), [...optionNames].sort());
  });
});

describe('add-on image files', () => {
  it('builds on a pinned Home Assistant base with Node from its packages and a HEALTHCHECK', () => {
    const dockerfile = read('addon/Dockerfile');
    assert.match(dockerfile, /^FROM ghcr\.io\/home-assistant\/base:\d+\.\d+$/m);
    assert.match(dockerfile, /apk add --no-cache nodejs npm/);
    assert.match(dockerfile, /--omit=dev/);
    assert.match(dockerfile, /^HEALTHCHECK /m);
    assert.match(dockerfile, /io\.hass\.type="app"/);
    assert.ok(!existsSync(new URL('../../addon/build.yaml', import.meta.url)), 'build.yaml is retired');
  });

  it('has the store files', () => {
    for (const file of ['addon/README.md', 'addon/DOCS.md', 'addon/CHANGELOG.md', 'addon/run.sh', 'repository.yaml'])
      assert.ok(read(file).length > 0, file);
    for (const [file, width, height] of [
      ['addon/icon.png', 128, 128],
      ['addon/logo.png', 250, 100],
    ] as const) {
      const png = readFileSync(new URL(`../../${file}`, import.meta.url));
      assert.equal(png.subarray(1, 4).toString(), 'PNG', file);
      assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [width, height], file);
    }
    assert.match(read('addon/CHANGELOG.md'), new RegExp(`## ${String(config.version).replace(/\./g, '\\.')}`));
  });
});
