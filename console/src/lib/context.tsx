// What every page shares: the typed API (tokens in memory only), the signed-in profile and
// the live channel events of the user's messaging session.
import { createContext, useContext, useEffect, useRef, type ReactNode } from 'react';
import type { ChannelEvent, Profile, TelehealthApi } from '@telehealth/client';

export interface AppState {
  api: TelehealthApi;
  profile: Profile | null;
  reloadProfile: () => Promise<void>;
  live: LiveEvents;
  liveState: string;
}

export class LiveEvents {
  private readonly listeners = new Set<(event: ChannelEvent) => void>();

  subscribe(listener: (event: ChannelEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  publish(event: ChannelEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const state = useContext(AppContext);
  if (!state) throw new Error('useApp outside AppContext');
  return state;
}

/** Calls `handler` for every live channel event (the latest handler, without resubscribing). */
export function useLiveEvents(handler: (event: ChannelEvent) => void): void {
  const { live } = useApp();
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => live.subscribe((event) => ref.current(event)), [live]);
}

export function AppProvider({ value, children }: { value: AppState; children: ReactNode }) {
  return <AppContext.Provider value={value}>{children}</AppContext.Provider>;
}
