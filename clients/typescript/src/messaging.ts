// Real-time messages for the signed-in user: the presigned URL from `GET /session` handed to
// amazon-chime-sdk-js's DefaultMessagingSession through a signer of our own, so the browser
// holds no AWS credentials. The SDK asks the signer again on every reconnect, and each time
// it gets a fresh URL (they are valid for seconds only).
import {
  ConsoleLogger,
  DefaultMessagingSession,
  LogLevel,
  MessagingSessionConfiguration,
  type Logger,
  type Message,
  type MessagingSessionObserver,
  type SigV4,
  type WebSocketAdapter,
} from 'amazon-chime-sdk-js';
import type { TelehealthApi } from './api.js';
import { unwrap } from './errors.js';

/** What a channel message's Metadata says (API.md: `{"kind", "client_id"?, "data"?}`). */
export interface ChannelEvent {
  type: string;
  channelArn?: string;
  messageId?: string;
  content?: string;
  kind?: string;
  clientId?: string;
  data?: Record<string, unknown>;
  sender?: { Arn?: string; Name?: string };
  createdTimestamp?: string;
}

export interface MessagingSessionOptions {
  api: TelehealthApi;
  onEvent: (event: ChannelEvent) => void;
  onStateChange?: (state: 'connecting' | 'open' | 'reconnecting' | 'closed') => void;
  /** A WebSocketAdapter for runtimes without a global WebSocket (Node 20). */
  webSocket?: WebSocketAdapter;
  logger?: Logger;
  reconnectTimeoutMs?: number;
}

/** Hands out the URL `GET /session` returns, whatever the SDK would have signed. */
export class SessionUrlSigner implements SigV4 {
  /** How many URLs were fetched (one per connection attempt). */
  fetched = 0;

  constructor(private readonly api: TelehealthApi) {}

  async signURL(): Promise<string> {
    const session = unwrap(await this.api.messaging.GET('/session'));
    this.fetched += 1;
    return session.websocket_url;
  }
}

export function parseEvent(message: Message): ChannelEvent {
  const event: ChannelEvent = { type: message.type };
  if (!message.payload) return event;
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(message.payload);
  } catch {
    return event;
  }
  event.channelArn = payload.ChannelArn as string | undefined;
  event.messageId = payload.MessageId as string | undefined;
  event.content = payload.Content as string | undefined;
  event.sender = payload.Sender as ChannelEvent['sender'];
  event.createdTimestamp = payload.CreatedTimestamp as string | undefined;
  if (typeof payload.Metadata === 'string' && payload.Metadata) {
    try {
      const meta = JSON.parse(payload.Metadata) as { kind?: string; client_id?: string; data?: Record<string, unknown> };
      event.kind = meta.kind;
      event.clientId = meta.client_id;
      event.data = meta.data;
    } catch {
      // Metadata written by another client may be free text: the event still carries Content.
    }
  }
  return event;
}

export class TelehealthMessagingSession {
  readonly signer: SessionUrlSigner;
  private session: DefaultMessagingSession | undefined;

  constructor(private readonly options: MessagingSessionOptions) {
    this.signer = new SessionUrlSigner(options.api);
  }

  async start(): Promise<void> {
    const { api } = this.options;
    const first = unwrap(await api.messaging.GET('/session'));
    // The SDK re-resolves the endpoint on reconnect through chimeClient; our signer ignores
    // the host it passes, so the endpoint is only a placeholder.
    const chimeClient = { getMessagingSessionEndpoint: async () => ({ Endpoint: { Url: 'session-from-api' } }) };
    const configuration = new MessagingSessionConfiguration(
      first.app_instance_user_arn, null, 'session-from-api', chimeClient);
    if (this.options.reconnectTimeoutMs !== undefined) configuration.reconnectTimeoutMs = this.options.reconnectTimeoutMs;
    const logger = this.options.logger ?? new ConsoleLogger('messaging', LogLevel.WARN);
    this.session = new DefaultMessagingSession(configuration, logger, this.options.webSocket, undefined, this.signer);
    const state = this.options.onStateChange;
    const observer: MessagingSessionObserver = {
      messagingSessionDidStartConnecting: (reconnecting) => state?.(reconnecting ? 'reconnecting' : 'connecting'),
      messagingSessionDidStart: () => state?.('open'),
      messagingSessionDidStop: () => state?.('closed'),
      messagingSessionDidReceiveMessage: (message) => this.options.onEvent(parseEvent(message)),
    };
    this.session.addObserver(observer);
    await this.session.start();
  }

  stop(): void {
    this.session?.stop();
    this.session = undefined;
  }
}
