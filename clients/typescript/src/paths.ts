// The paths each service client is typed with: the generated documents' (docs/api/*.json).
export type { paths as IdentityPaths } from './generated/identity.js';
export type { paths as SchedulingPaths } from './generated/scheduling.js';
export type { paths as MessagingPaths } from './generated/messaging.js';
export type { paths as CallingPaths } from './generated/calling.js';
