// The test-only reader of Prometheus' text format reads what the format allows and refuses what it does not, so a
// metrics test that passes through it has checked the exposition too.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';

const exposition = [
  '# HELP requests_total Requests served, by method \\\\ and\\nline.',
  '# TYPE requests_total counter',
  'requests_total{method="post",code="200"} 1027 1395066363000',
  'requests_total{method="get",code="400",} 3',
  '',
  '# a comment',
  'file_time{path="C:\\\\DIR\\\\F.TXT",error="Cannot find:\\n\\"F.TXT\\""} 1.458255915e9',
  'bare 12.47',
  'weird{problem="division by zero"} +Inf -3982045',
  '# TYPE latency_seconds histogram',
  'latency_seconds_bucket{le="0.1",output="a"} 1',
  'latency_seconds_bucket{le="+Inf",output="a"} 2',
  'latency_seconds_sum{output="a"} 5.5',
  'latency_seconds_count{output="a"} 2',
  'latency_seconds_bucket{le="0.1",output="b"} 0',
  'latency_seconds_bucket{le="+Inf",output="b"} 1',
  'latency_seconds_sum{output="b"} 0.5',
  'latency_seconds_count{output="b"} 1',
  '# TYPE rpc_seconds summary',
  'rpc_seconds{quantile="0.5"} Nan',
  'rpc_seconds{quantile="0.9"} -inf',
  'rpc_seconds_sum 1.7560473e+07',
  'rpc_seconds_count 2693',
].join('\n');

describe('Prometheus text reader', () => {
  it('reads types, help, escaped labels, special values, timestamps and each label set of a histogram', () => {
    const families = parsePrometheusText(exposition);
    assert.deepEqual([...families.keys()], ['requests_total', 'file_time', 'bare', 'weird', 'latency_seconds', 'rpc_seconds']);
    assert.equal(families.get('requests_total')?.type, 'counter');
    assert.equal(families.get('requests_total')?.help, 'Requests served, by method \\ and\nline.');
    assert.equal(sampleValue(families, 'requests_total', { code: '200', method: 'post' }), 1027);
    assert.equal(sampleValue(families, 'requests_total', { method: 'get', code: '400' }), 3);
    assert.equal(sampleValue(families, 'requests_total', { method: 'get' }), undefined);
    assert.equal(sampleValue(families, 'file_time', { path: 'C:\\DIR\\F.TXT', error: 'Cannot find:\n"F.TXT"' }), 1.458255915e9);
    assert.equal(sampleValue(families, 'bare'), 12.47);
    assert.equal(sampleValue(families, 'weird', { problem: 'division by zero' }), Number.POSITIVE_INFINITY);
    assert.equal(families.get('latency_seconds')?.type, 'histogram');
    assert.equal(families.get('latency_seconds')?.samples.length, 8);
    assert.equal(sampleValue(families, 'latency_seconds_sum', { output: 'a' }), 5.5);
    assert.equal(sampleValue(families, 'latency_seconds_count', { output: 'b' }), 1);
    assert.equal(sampleValue(families, 'latency_seconds_bucket', { output: 'b', le: '+Inf' }), 1);
    assert.ok(Number.isNaN(sampleValue(families, 'rpc_seconds', { quantile: '0.5' })));
    assert.equal(sampleValue(families, 'rpc_seconds', { quantile: '0.9' }), Number.NEGATIVE_INFINITY);
    assert.equal(sampleValue(families, 'rpc_seconds_count'), 2693);
  });

  it('refuses what a Prometheus server would not take', () => {
    for (const bad of [
      'no-dash 1',
      'x{a="1"',
      'x{a="1" b="2"} 1',
      'x{1a="1"} 1',
      'x{a="\\t"} 1',
      'x{a="1",a="2"} 1',
      'x one',
      'x +NaN',
      'x',
      '# TYPE x counter\nx 1\n# TYPE x counter',
      'x 1\n# TYPE x counter',
      '# TYPE x bogus',
      'x{a="1"} 1\nx{a="1"} 2',
      'x 1\ny 1\nx{a="2"} 1',
      '# HELP x a \\q',
    ]) {
      assert.throws(() => parsePrometheusText(bad), Error, bad);
    }
  });
});
