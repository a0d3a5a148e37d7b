// The test subscriber's waits end at a deadline, with what did arrive: a missing message fails fast and readably.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cleanUp } from './cleanup.js';
import { Mosquitto } from './mosquitto.js';
import { Subscriber } from './mqtt-subscriber.js';

describe('Subscriber', () => {
  let broker: Mosquitto;
  let subscriber: Subscriber;

  before(async () => {
    broker = await Mosquitto.start();
    subscriber = await Subscriber.connect(broker.url, ['probe/#']);
    await subscriber.publish('probe/state', 'armed_home');
    await subscriber.publish('probe/state', 'disarmed');
    await subscriber.publish('probe/other', 'x');
    await subscriber.collect('probe/other', 1);
  });
  after(() =>
    cleanUp(
      () => subscriber.close(),
      () => broker.stop(),
    ),
  );

  it('gives a message already received or still to come', async () => {
    assert.equal((await subscriber.next('probe/state', (message) => message.payload === 'disarmed')).payload, 'disarmed');
    const coming = subscriber.next('probe/state', (message) => message.payload === 'triggered');
    await subscriber.publish('probe/state', 'triggered');
    assert.equal((await coming).payload, 'triggered');
    assert.deepEqual(
      (await subscriber.collect('probe/state', 3)).map((message) => message.payload),
      ['armed_home', 'disarmed', 'triggered'],
    );
  });

  it('rejects next() at its deadline, naming the topic and listing what came on it', async () => {
    await assert.rejects(
      subscriber.next('probe/state', (message) => message.payload === 'armed_away', { timeoutMs: 200 }),
      (error: Error) => {
        assert.equal(
          error.message,
          [
            'waited 200 ms on "probe/state" for a message that matches; received on it 3:',
            '  1. armed_home',
            '  2. disarmed',
            '  3. triggered',
            'other topics: probe/other (1)',
          ].join('\n'),
        );
        return true;
      },
    );
  });

  it('rejects collect() at its deadline with the messages that did come', async () => {
    await assert.rejects(subscriber.collect('probe/other', 2, { timeoutMs: 200 }), (error: Error) => {
      assert.equal(
        error.message,
        ['waited 200 ms on "probe/other" for 2 messages; received on it 1:', '  1. x', 'other topics: probe/state (3)'].join('\n'),
      );
      return true;
    });
    await assert.rejects(
      subscriber.next('probe/none', undefined, { timeoutMs: 100 }),
      /^Error: waited 100 ms on "probe\/none" for a message that matches; received on it 0\nother topics: probe\/state \(3\), probe\/other \(1\)$/,
    );
  });
});
