// The benchmark's tables: the bridge against the bare sink with the ratios and issue 23's targets, met or missed;
// one table per run and one of the medians across runs.
import type { SyncCounts } from './fsync-shim.js';
import { median } from './stats.js';
import type { SystemFigures } from './system-run.js';

export interface Row {
  label: string;
  bridge: number;
  sink: number;
  /** bridge / sink, where the comparison means something. */
  ratio?: number;
  target?: { text: string; met: (row: Row) => boolean };
}

export function format(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return value.toFixed(Math.abs(value) < 10 ? 2 : Math.abs(value) < 100 ? 1 : 0);
}

const totalSyncs = (syncs: SyncCounts | undefined) => (syncs ? syncs.file + syncs.folder : Number.NaN);

/** The comparison of one run; the SD card targets are added when syncs are delayed. */
export function pairRows(bridge: SystemFigures, sink: SystemFigures, fsyncDelayMs: number): Row[] {
  const ratio = (b: number, s: number) => b / s;
  const { load } = bridge;
  const rows: Row[] = [
    {
      label: `mails/s (${load.clients} clients, ${load.mails} mails)`,
      bridge: load.perSecond,
      sink: sink.load.perSecond,
      ratio: ratio(load.perSecond, sink.load.perSecond),
      target: { text: 'ratio ≥ 0.8', met: (row) => row.ratio! >= 0.8 },
    },
    {
      label: 'p50 end of DATA → event, ms',
      bridge: load.event.p50,
      sink: sink.load.event.p50,
      ratio: ratio(load.event.p50, sink.load.event.p50),
    },
    {
      label: 'p99 end of DATA → event, ms',
      bridge: load.event.p99,
      sink: sink.load.event.p99,
      ratio: ratio(load.event.p99, sink.load.event.p99),
      target: { text: 'ratio ≤ 1.5', met: (row) => row.ratio! <= 1.5 },
    },
    {
      label: 'p50 end of DATA → 250, ms',
      bridge: load.reply.p50,
      sink: sink.load.reply.p50,
      ratio: ratio(load.reply.p50, sink.load.reply.p50),
    },
    {
      label: 'p99 end of DATA → 250, ms',
      bridge: load.reply.p99,
      sink: sink.load.reply.p99,
      ratio: ratio(load.reply.p99, sink.load.reply.p99),
    },
    {
      label: `one client: p50 end of DATA → event, ms (${bridge.oneClient.mails} mails)`,
      bridge: bridge.oneClient.event.p50,
      sink: sink.oneClient.event.p50,
      ratio: ratio(bridge.oneClient.event.p50, sink.oneClient.event.p50),
      target: { text: 'ratio ≤ 2', met: (row) => row.ratio! <= 2 },
    },
    { label: 'one client: p50 end of DATA → 250, ms', bridge: bridge.oneClient.reply.p50, sink: sink.oneClient.reply.p50 },
    {
      label: 'connect → 220 (idle), p50, ms',
      bridge: bridge.greeting.p50,
      sink: sink.greeting.p50,
      target: { text: 'bridge ≤ 5 ms', met: (row) => row.bridge <= 5 },
    },
    { label: 'connect → 220 (idle), max, ms', bridge: bridge.greeting.max, sink: sink.greeting.max },
    {
      label: 'ready: spawn → 220, s',
      bridge: bridge.readyMs / 1000,
      sink: sink.readyMs / 1000,
      ratio: ratio(bridge.readyMs, sink.readyMs),
      target: { text: 'bridge ≤ 0.6 s', met: (row) => row.bridge <= 0.6 },
    },
    {
      label: 'peak RSS, MB',
      bridge: load.peakRssMb,
      sink: sink.load.peakRssMb,
      ratio: ratio(load.peakRssMb, sink.load.peakRssMb),
      target: { text: 'bridge ≤ 100 MB', met: (row) => row.bridge <= 100 },
    },
    {
      label: 'CPU per mail, ms',
      bridge: load.cpuMsPerMail,
      sink: sink.load.cpuMsPerMail,
      ratio: ratio(load.cpuMsPerMail, sink.load.cpuMsPerMail),
    },
    { label: 'fsyncs per mail: files', bridge: load.syncs?.file ?? Number.NaN, sink: sink.load.syncs?.file ?? Number.NaN },
    { label: 'fsyncs per mail: folders', bridge: load.syncs?.folder ?? Number.NaN, sink: sink.load.syncs?.folder ?? Number.NaN },
    { label: 'mails per fsync', bridge: 1 / totalSyncs(load.syncs), sink: 1 / totalSyncs(sink.load.syncs) },
  ];
  if (fsyncDelayMs > 0) {
    const atTen = load.clients === 10 ? '' : ` (the issue's are at 10 clients, this run has ${load.clients})`;
    rows.push(
      {
        label: `SD: mails/s${atTen}`,
        bridge: load.perSecond,
        sink: sink.load.perSecond,
        target: { text: '≥ 200', met: (row) => row.bridge >= 200 },
      },
      {
        label: 'SD: p50 end of DATA → event, ms',
        bridge: load.event.p50,
        sink: sink.load.event.p50,
        target: { text: '≤ 50 ms', met: (row) => row.bridge <= 50 },
      },
      {
        label: 'SD: fsyncs per mail',
        bridge: totalSyncs(load.syncs),
        sink: totalSyncs(sink.load.syncs),
        target: { text: '≤ 1.1', met: (row) => row.bridge <= 1.1 },
      },
    );
  }
  return rows;
}

/** Each cell the median of that cell across runs (ratios too: the median of each run's own ratio). */
export function medianRows(runs: Row[][]): Row[] {
  return runs[0]!.map((row, index) => {
    const cells = runs.map((rows) => rows[index]!);
    return {
      ...row,
      bridge: median(cells.map((cell) => cell.bridge)),
      sink: median(cells.map((cell) => cell.sink)),
      ...(row.ratio === undefined ? {} : { ratio: median(cells.map((cell) => cell.ratio!)) }),
    };
  });
}

/** A Markdown table, so a report can quote it as printed. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

export function pairTable(rows: Row[], sinkLabel = 'bare sink'): string {
  return table(
    ['', 'bridge', sinkLabel, 'bridge/sink', 'target', ''],
    rows.map((row) => [
      row.label,
      format(row.bridge),
      format(row.sink),
      row.ratio === undefined ? '' : `${format(row.ratio)}×`,
      row.target?.text ?? '',
      row.target ? (row.target.met(row) ? 'met' : 'MISSED') : '',
    ]),
  );
}
