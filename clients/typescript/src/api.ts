// One typed openapi-fetch client per service, sharing one AuthSession: every request carries
// the current ID token, and a 401 is retried once after a token refresh.
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { AuthSession } from './auth.js';
import type { CallingPaths, IdentityPaths, MessagingPaths, SchedulingPaths } from './paths.js';

export interface ServiceUrls {
  identity: string;
  scheduling: string;
  messaging: string;
  calling: string;
}

export interface TelehealthApi {
  auth: AuthSession;
  identity: Client<IdentityPaths>;
  scheduling: Client<SchedulingPaths>;
  messaging: Client<MessagingPaths>;
  calling: Client<CallingPaths>;
}

// Calls that never need a token, so a 401 there (wrong password) is not a reason to refresh.
const PUBLIC_PATHS = new Set(['/health', '/signup', '/confirm', '/signin', '/refresh', '/guest/join']);

function authMiddleware(auth: AuthSession, fetchImpl: typeof fetch): Middleware {
  const retries = new WeakMap<Request, Request>();
  return {
    async onRequest({ request, schemaPath }) {
      if (PUBLIC_PATHS.has(schemaPath)) return request;
      const token = await auth.idToken();
      if (token) request.headers.set('Authorization', `Bearer ${token}`);
      retries.set(request, request.clone());
      return request;
    },
    async onResponse({ request, response }) {
      const retry = retries.get(request);
      retries.delete(request);
      if (response.status !== 401 || !retry || !auth.signedIn) return response;
      try {
        await auth.refresh();
      } catch {
        return response;
      }
      const token = await auth.idToken();
      if (!token) return response;
      retry.headers.set('Authorization', `Bearer ${token}`);
      return fetchImpl(retry);
    },
  };
}

export function createTelehealthApi(urls: ServiceUrls, options: { fetch?: typeof fetch; auth?: AuthSession } = {}): TelehealthApi {
  // Looked up at call time, so a page or test can wrap the global fetch after creating the API.
  const fetchImpl: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const auth = options.auth ?? new AuthSession({ identityUrl: urls.identity, fetch: fetchImpl });
  const middleware = authMiddleware(auth, fetchImpl);
  const make = <P extends {}>(baseUrl: string): Client<P> => {
    const client = createClient<P>({ baseUrl, fetch: fetchImpl });
    client.use(middleware);
    return client;
  };
  return {
    auth,
    identity: make<IdentityPaths>(urls.identity),
    scheduling: make<SchedulingPaths>(urls.scheduling),
    messaging: make<MessagingPaths>(urls.messaging),
    calling: make<CallingPaths>(urls.calling),
  };
}
