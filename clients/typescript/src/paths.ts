// The paths each service client is typed with: the generated document's, plus the pending
// operations it does not define yet (a generated operation always wins).
import type { paths as identity } from './generated/identity.js';
import type { paths as scheduling } from './generated/scheduling.js';
import type { paths as messaging } from './generated/messaging.js';
import type { paths as calling } from './generated/calling.js';
import type { PendingCalling, PendingIdentity, PendingMessaging, PendingScheduling } from './pending.js';

type Method = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';
type Defined<T, M extends PropertyKey> = M extends keyof T ? (undefined extends T[M] ? false : true) : false;
type PathItem<G, P> = {
  [M in Method | 'parameters']: M extends 'parameters'
    ? (M extends keyof G ? G[M] : { query?: never; header?: never; path?: never; cookie?: never })
    : Defined<G, M> extends true ? (M extends keyof G ? G[M] : never)
    : M extends keyof P ? P[M] : undefined;
};
/** Generated paths, with pending operations filled in where the generated ones are absent. */
export type WithPending<G, P> = {
  [K in keyof G | keyof P]: PathItem<K extends keyof G ? G[K] : {}, K extends keyof P ? P[K] : {}>;
};

export type IdentityPaths = WithPending<identity, PendingIdentity>;
export type SchedulingPaths = WithPending<scheduling, PendingScheduling>;
export type MessagingPaths = WithPending<messaging, PendingMessaging>;
export type CallingPaths = WithPending<calling, PendingCalling>;
