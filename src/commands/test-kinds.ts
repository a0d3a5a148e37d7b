// The kinds of test mail `send-test` sends: apart from the command itself, whose mail parsing is loaded only when
// it runs (mailparser is not needed on the main thread of a running bridge).
export const testKinds = ['alarm', 'status', 'camera'] as const;
export type TestKind = (typeof testKinds)[number];
