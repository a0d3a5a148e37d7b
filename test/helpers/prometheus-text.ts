// A strict reader of Prometheus' text exposition format (0.0.4, as prometheus.io/docs/instrumenting/exposition_formats
// describes it), for tests that scrape `/metrics`: it throws on anything a Prometheus server would not take (a bad
// line or escape, a TYPE after its samples, a family split in two, a sample twice). Hand-written because no npm
// package fits: parse-prometheus-text-format 1.1.1, the only one in use, merges the buckets of every label set of a
// histogram into one and drops their `_sum` and `_count` (tried on prom-client's output of `delivery_seconds{output}`).

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name: `<family>_bucket`, `_sum`, `_count` for a histogram's. */
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

export interface MetricFamily {
  type: MetricType;
  help: string | undefined;
  samples: Sample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const types: readonly string[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];
const suffixes: Readonly<Record<MetricType, readonly string[]>> = {
  counter: [],
  gauge: [],
  untyped: [],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};

/** Families by name, in the order they came. */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const seen = new Set<string>();
  let current: string | undefined;
  const familyOf = (name: string): string => {
    for (const [family, { type }] of families) if (name === family || suffixes[type].some((s) => name === family + s)) return family;
    return name;
  };
  const enter = (name: string): MetricFamily => {
    const family = families.get(name);
    if (family && current !== name && family.samples.length > 0) throw new Error(`${name}: its lines are not together`);
    current = name;
    if (family) return family;
    const created: MetricFamily = { type: 'untyped', help: undefined, samples: [] };
    families.set(name, created);
    return created;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const meta = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
    if (meta) {
      const [, keyword, name = '', rest = ''] = meta;
      if (!metricName.test(name)) throw new Error(`bad metric name: ${line}`);
      const family = enter(name);
      if (keyword === 'HELP') {
        if (family.help !== undefined) throw new Error(`${name}: HELP twice`);
        family.help = unescapeText(rest, false);
      } else {
        if (!types.includes(rest) || family.samples.length > 0 || family.type !== 'untyped') throw new Error(`bad TYPE: ${line}`);
        family.type = rest as MetricType;
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = parseSample(line);
    const family = enter(familyOf(sample.name));
    const key = JSON.stringify([sample.name, Object.entries(sample.labels).sort()]);
    if (seen.has(key)) throw new Error(`sample twice: ${line}`);
    seen.add(key);
    family.samples.push(sample);
  }
  return families;
}

/** The value of the sample with exactly these labels, or undefined when there is none. */
export function sampleValue(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  for (const family of families.values())
    for (const sample of family.samples)
      if (sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === wanted) return sample.value;
  return undefined;
}

function parseSample(line: string): Sample {
  const name = /^[^\s{]+/.exec(line)?.[0] ?? '';
  if (!metricName.test(name)) throw new Error(`bad sample: ${line}`);
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    while (!rest.startsWith('}')) {
      const pair = /^([^=\s]+)="((?:[^"\\]|\\.)*)"(,?)/.exec(rest);
      if (!pair || !labelName.test(pair[1] ?? '') || (pair[3] === '' && !rest.slice(pair[0].length).startsWith('}')))
        throw new Error(`bad labels: ${line}`);
      const [whole, label = '', value = ''] = pair;
      if (label in labels) throw new Error(`label twice: ${line}`);
      labels[label] = unescapeText(value, true);
      rest = rest.slice(whole.length);
    }
    rest = rest.slice(1);
  }
  const fields = /^\s+(\S+)(?:\s+(-?\d+))?\s*$/.exec(rest);
  const value = parseValue(fields?.[1]);
  if (value === undefined) throw new Error(`bad value: ${line}`);
  return { name, labels, value };
}

/** A value as Go's strconv.ParseFloat reads it, which Prometheus uses: NaN and Inf in any case (prom-client writes `Nan`). */
function parseValue(text: string | undefined): number | undefined {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text ?? '');
  if (special) {
    if (special[2]?.toLowerCase() === 'nan') return special[1] === '' ? Number.NaN : undefined;
    return special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  return text !== undefined && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : undefined;
}

/** Undoes the escapes the format allows: `\\` and `\n`, and `\"` in a label value; any other is an error. */
function unescapeText(text: string, inLabelValue: boolean): string {
  return text.replace(/\\(.)?/g, (_whole, escaped: string | undefined) => {
    if (escaped === '\\') return '\\';
    if (escaped === 'n') return '\n';
    if (escaped === '"' && inLabelValue) return '"';
    throw new Error(`bad escape in ${JSON.stringify(text)}`);
  });
}
