// Sign-in state of one browser tab or process: tokens live in memory only (never
// localStorage), the ID token is refreshed shortly before it expires and once after a 401.
import createClient from 'openapi-fetch';
import type { IdentityPaths } from './paths.js';
import { ApiError } from './errors.js';

export interface Tokens {
  idToken: string;
  accessToken: string;
  refreshToken: string;
  /** Milliseconds since the epoch when the ID token expires. */
  expiresAt: number;
}

export interface AuthOptions {
  identityUrl: string;
  fetch?: typeof globalThis.fetch;
  /** Refresh this long before expiry (default 60 s). */
  refreshSkewMs?: number;
  now?: () => number;
}

type Listener = (signedIn: boolean) => void;

export class AuthSession {
  private tokens: Tokens | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly listeners = new Set<Listener>();
  private readonly client;
  private readonly skew: number;
  private readonly now: () => number;
  /** How many times the tokens were refreshed (diagnostics and tests). */
  refreshCount = 0;

  constructor(options: AuthOptions) {
    this.client = createClient<IdentityPaths>({ baseUrl: options.identityUrl, fetch: options.fetch });
    this.skew = options.refreshSkewMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  get signedIn(): boolean {
    return this.tokens !== undefined;
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async signIn(email: string, password: string): Promise<void> {
    const { data, error, response } = await this.client.POST('/signin', { body: { email, password } });
    if (!data) throw ApiError.from(response, error);
    this.tokens = {
      idToken: data.id_token,
      accessToken: data.access_token,
      refreshToken: data.refresh_token,
      expiresAt: this.now() + data.expires_in * 1000,
    };
    this.emit();
  }

  signOut(): void {
    const was = this.signedIn;
    this.tokens = undefined;
    if (was) this.emit();
  }

  /** A valid ID token, refreshed first when it expires within the skew; undefined when signed out. */
  async idToken(): Promise<string | undefined> {
    if (!this.tokens) return undefined;
    if (this.tokens.expiresAt - this.now() <= this.skew) await this.refresh();
    return this.tokens?.idToken;
  }

  /** Exchanges the refresh token for new ID and access tokens (one request for concurrent callers).
   *  A refused refresh token signs out. */
  refresh(): Promise<void> {
    if (!this.tokens) return Promise.reject(new Error('not signed in'));
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    const current = this.tokens!;
    const { data, error, response } = await this.client.POST('/refresh', {
      body: { refresh_token: current.refreshToken },
    });
    if (!data) {
      if (response.status === 400 || response.status === 401) this.signOut();
      throw ApiError.from(response, error);
    }
    this.tokens = {
      ...current,
      idToken: data.id_token,
      accessToken: data.access_token,
      expiresAt: this.now() + data.expires_in * 1000,
    };
    this.refreshCount += 1;
  }

  private emit(): void {
    for (const listener of this.listeners) listener(this.signedIn);
  }
}
