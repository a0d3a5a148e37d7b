// The route of a mail by its recipients' local parts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routeOf } from '../../src/core/route.js';

const table = { alarm: ['alarm'], status: ['status'], camera: ['camera', 'garage'] };

describe('routeOf', () => {
  it('alarm before camera before status, any case', () => {
    assert.equal(routeOf(['Camera@x', 'alarm@x'], table), 'alarm');
    assert.equal(routeOf(['status@x', 'GARAGE@y'], table), 'camera');
    assert.equal(routeOf(['status@x'], table), 'status');
    assert.equal(routeOf(['someone@x'], table), 'other');
  });
  it('knows no camera route without camera addresses', () => {
    assert.equal(routeOf(['camera@x'], { alarm: ['alarm'], status: ['status'] }), 'other');
  });
});
