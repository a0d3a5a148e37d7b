// A BridgeView for feature tests that need none of it: every request refuses, every look is empty.
import type { BridgeView } from '../../src/features/module.js';

export function unusedBridgeView(): BridgeView {
  const unused = () => Promise.reject(new Error('not in this test'));
  return {
    version: '0.0.0-test',
    startedAt: 0,
    outputs: [],
    alarmState: () => ({ state: null, since: null }),
    spoolProblem: async () => undefined,
    quarantined: () => [],
    retryQuarantined: unused,
    tryMail: unused,
    submitTest: unused,
    images: undefined,
    mask: (text) => text,
    cameras: [],
    entities: () => [],
  };
}
