// smtp-server greets a client only 100 ms after it connects, to catch spammers that talk before the greeting, and has
// no option for it. A panel that connects once per mail would pay those 100 ms on every alarm; the bridge's clients
// are on the house's network (allowed_networks) under limits of its own (connection-gate.ts), so it greets at once.
// Everything else is smtp-server's own: its connect and init, without the timer.
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { SMTPServer } from 'smtp-server';
import { SMTPConnection, type SMTPConnectionOptions } from 'smtp-server/lib/smtp-connection.js';

class PromptConnection extends SMTPConnection {
  override init(): void {
    this._setListeners(() => {
      // smtp-server's own limit, as its init checks it (the gate's limits are asked right after, in onConnect).
      const { maxClients } = this._server.options;
      if (maxClients && this._server.connections.size > maxClients) {
        this.send(421, `${this.name} Too many connected clients, try again in a moment`, false);
        return;
      }
      this.connectionReady();
    });
  }
}

export class PromptSmtpServer extends SMTPServer {
  override connect(socket: Socket | TLSSocket, socketOptions?: SMTPConnectionOptions | null): void {
    const connection = new PromptConnection(this, socket, socketOptions);
    this.connections.add(connection);
    connection.on('error', (error: Error) => this._onError(error));
    connection.on('connect', (data) => this._onClientConnect(data));
    connection.init();
  }
}
