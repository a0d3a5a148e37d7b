// The bare sink of issue 23, the benchmark's ceiling: smtp-server hands each mail's raw bytes to MQTT with QoS 1
// and answers 250 only after the PUBACK; no spool, no parse. Plain JavaScript, run by the same Node as the bridge
// (a loader such as tsx would add its own memory to the figures).
//   node bench/bare-sink.mjs <smtp port> <mqtt url> <topic>
import { connectAsync } from 'mqtt';
import { SMTPServer } from 'smtp-server';

const [port, brokerUrl, topic] = process.argv.slice(2);
const client = await connectAsync(brokerUrl);

const server = new SMTPServer({
  logger: false,
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  disableReverseLookup: true,
  onData(stream, _session, callback) {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => {
      client.publishAsync(topic, Buffer.concat(chunks), { qos: 1 }).then(
        () => callback(null, 'Queued'),
        (error) => callback(error),
      );
    });
  },
});
server.listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => void client.endAsync().then(() => process.exit(0))));
