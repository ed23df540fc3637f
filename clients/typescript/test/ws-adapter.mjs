// A WebSocketAdapter (amazon-chime-sdk-js's interface) over the `ws` package, for Node 20,
// which has no global WebSocket. `drop()` kills the socket as a lost network would.
import WebSocket from 'ws';

const ReadyState = { None: 0, Connecting: 1, Open: 2, Closing: 3, Closed: 4 };

export class NodeWebSocketAdapter {
  constructor() {
    this.connection = undefined;
    this.urls = [];
  }
  create(url, protocols) {
    this.urls.push(url);
    this.connection = new WebSocket(url, protocols);
    this.connection.binaryType = 'arraybuffer';
  }
  send(message) {
    if (!this.connection) return false;
    try {
      this.connection.send(message instanceof Uint8Array ? message.buffer : message);
      return true;
    } catch {
      return false;
    }
  }
  close(code, reason) {
    this.connection?.close(code, reason);
  }
  destroy() {
    this.connection = undefined;
  }
  addEventListener(type, listener) {
    this.connection?.addEventListener(type, listener);
  }
  removeEventListener(type, listener) {
    this.connection?.removeEventListener(type, listener);
  }
  readyState() {
    if (!this.connection) return ReadyState.None;
    return [ReadyState.Connecting, ReadyState.Open, ReadyState.Closing, ReadyState.Closed][this.connection.readyState];
  }
  drop() {
    this.connection?.terminate();
  }
}
