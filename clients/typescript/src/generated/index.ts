// Generated: one namespace per service document.
export type * as calling from './calling.js';
export type * as identity from './identity.js';
export type * as messaging from './messaging.js';
export type * as scheduling from './scheduling.js';
