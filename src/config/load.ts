// Turns the sources of configuration (YAML file, environment) into one validated, frozen Config.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { deepFreeze } from '../core/freeze.js';
import { maskNumbersIn } from '../core/mask.js';
import { oneLine } from '../errors.js';
import { redactUrlsIn } from '../log.js';
import { type Config, configSchema } from './schema.js';
import { sectionModules } from './sections.js';

/** The configuration cannot be used; `problems` lists every one of them at once. */
export class ConfigInvalid extends Error {
  readonly problems: string[];
  constructor(source: string, problems: string[], options?: ErrorOptions) {
    super(`Invalid configuration in ${source}: ${problems.join('; ')}`, options);
    this.name = 'ConfigInvalid';
    this.problems = problems;
  }
}

/** Environment variables that override single keys, for secrets kept out of files; the outputs and features name theirs. */
export const environmentOverrides: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  sectionModules.flatMap((module) => Object.entries(module.environment ?? {}).map(([name, path]) => [name, [module.name, ...path]])),
);

export interface ConfigSources {
  /** Path of a YAML file; none means defaults only. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

export async function loadConfig({ file, env = process.env }: ConfigSources): Promise<Config> {
  const fromFile = file === undefined ? {} : await readYamlFile(file);
  const merged = applyEnvironment(fromFile, env);
  return validateConfig(merged, file ?? 'defaults');
}

export function validateConfig(input: unknown, source: string): Config {
  const result = configSchema.safeParse(input);
  if (!result.success) throw new ConfigInvalid(source, result.error.issues.map(describeIssue));
  return deepFreeze(result.data);
}

async function readYamlFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new ConfigInvalid(file, [reason], { cause: error });
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new ConfigInvalid(file, [describeYamlError(error, text)], { cause: error });
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigInvalid(file, ['expected a mapping of keys at the top level']);
  }
  return document as Record<string, unknown>;
}

/** Longest piece of the offending line quoted in the one-line error. */
const quotedLineLimit = 120;

/**
 * "not valid YAML at line 3, column 5 (BAD_INDENT): <reason>: "<the line>"": on one line, so the line's text is
 * quoted rather than underlined with a caret. This line goes to logs, so what may be secret on it is taken out first.
 */
function describeYamlError(error: unknown, text: string): string {
  if (!(error instanceof YAMLParseError) || !error.linePos) return `not valid YAML: ${oneLine(error)}`;
  const { line, col } = error.linePos[0];
  // The library appends " at line L, column C:" and a drawing of the spot to its message.
  const reason = oneLine(error.message.split(/ at line \d+, column \d+/)[0] ?? error.message);
  const shown = redactLine((text.split(/\r?\n/)[line - 1] ?? '').trimEnd());
  const quoted = shown.length > quotedLineLimit ? `${shown.slice(0, quotedLineLimit)}…` : shown;
  return `not valid YAML at line ${line}, column ${col} (${error.code}): ${reason}: ${JSON.stringify(quoted)}`;
}

/** A secret's key (`password`, `auth_token`, `product_token`, …) at the start of the line: its value is the rest of it. */
const secretLine = /^(\s*(?:-\s*)?["']?[\w.-]*(?:password|token|secret)[\w.-]*["']?\s*:\s*).+$/i;

/**
 * A secret's key and value inside a flow mapping, `{url: …, password: "pw", …}`: the value runs to its closing quote,
 * then to the next `,`, `}` or `]`. A broken line is not YAML any more, so it is read by pattern; an unclosed quote
 * takes the rest of the line.
 */
const secretPair = /((?:[\s{,[])["']?[\w.-]*(?:password|token|secret)[\w.-]*["']?\s*:\s*)(?:"(?:[^"\\]|\\.)*"?|'(?:[^']|'')*'?)?[^,}\]]*/gi;

/** The offending line as it may be quoted: URL passwords, secrets' values and phone numbers taken out. */
function redactLine(line: string): string {
  const withoutSecrets = secretLine.test(line)
    ? line.replace(secretLine, '$1[redacted]')
    : line.replace(secretPair, (_pair, key: string) => `${key}[redacted]`);
  return maskNumbersIn(redactUrlsIn(withoutSecrets));
}

function applyEnvironment(input: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  let result = input;
  for (const [name, path] of Object.entries(environmentOverrides)) {
    const value = env[name];
    if (value !== undefined && value !== '') result = withValue(result, path, value);
  }
  return result;
}

/** A copy of `object` with `value` at `path`, creating the sections on the way. */
function withValue(object: Record<string, unknown>, [key, ...rest]: readonly string[], value: string): Record<string, unknown> {
  if (key === undefined) return object;
  if (rest.length === 0) return { ...object, [key]: value };
  const inner = object[key];
  const section = inner && typeof inner === 'object' && !Array.isArray(inner) ? (inner as Record<string, unknown>) : {};
  return { ...object, [key]: withValue(section, rest, value) };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const prefix = issue.path.length > 0 ? `${path}.` : '';
    return `unknown key ${issue.keys.map((key) => `"${prefix}${key}"`).join(', ')}`;
  }
  return `${path}: ${issue.message}`;
}
