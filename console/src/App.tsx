// The shell: who is signed in, the page shown (kept in memory, never in the URL, so no
// patient data lands in history or logs) and the user's live messaging session.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { TelehealthMessagingSession, unwrap, type Profile, type TelehealthApi } from '@telehealth/client';
import { AppProvider, LiveEvents } from './lib/context';
import { AuthPages } from './pages/Auth';
import { ProfilePage } from './pages/Profile';
import { DoctorHome } from './pages/DoctorHome';
import { PatientHome } from './pages/PatientHome';
import { VisitPage } from './pages/Visit';
import { AdminPage } from './pages/Admin';

export type View = { name: 'home' } | { name: 'profile' } | { name: 'visit'; appointmentId: string };

export function App({ api }: { api: TelehealthApi }) {
  const [signedIn, setSignedIn] = useState(api.auth.signedIn);
  const [profile, setProfile] = useState<Profile | null>(null);
  const [view, setView] = useState<View>({ name: 'home' });
  // Going home again reloads it (a fresh mount).
  const [homeVisit, setHomeVisit] = useState(0);
  const goHome = () => {
    setHomeVisit((n) => n + 1);
    setView({ name: 'home' });
  };
  const [liveState, setLiveState] = useState('closed');
  const live = useMemo(() => new LiveEvents(), []);

  useEffect(() => api.auth.onChange(setSignedIn), [api]);

  const reloadProfile = useCallback(async () => {
    setProfile(unwrap(await api.identity.GET('/me')) as Profile);
  }, [api]);

  useEffect(() => {
    if (!signedIn) {
      setProfile(null);
      setView({ name: 'home' });
      return;
    }
    void reloadProfile();
    const session = new TelehealthMessagingSession({ api, onEvent: (e) => live.publish(e), onStateChange: setLiveState });
    session.start().catch(() => setLiveState('closed'));
    return () => session.stop();
  }, [api, signedIn, live, reloadProfile]);

  if (!signedIn) {
    return (
      <Layout>
        <AuthPages api={api} />
      </Layout>
    );
  }

  const state = { api, profile, reloadProfile, live, liveState };
  const home = profile?.role === 'doctor' ? <DoctorHome open={(id) => setView({ name: 'visit', appointmentId: id })} />
    : profile?.role === 'admin' ? <AdminPage />
    : profile ? <PatientHome open={(id) => setView({ name: 'visit', appointmentId: id })} /> : <p>Loading…</p>;
  return (
    <AppProvider value={state}>
      <Layout
        nav={
          <nav aria-label="Main">
            <button type="button" className="link" onClick={goHome} aria-current={view.name === 'home' ? 'page' : undefined}>
              {profile?.role === 'doctor' ? 'Visits' : profile?.role === 'admin' ? 'Administration' : 'My visits'}
            </button>
            <button type="button" className="link" onClick={() => setView({ name: 'profile' })} aria-current={view.name === 'profile' ? 'page' : undefined}>
              Profile
            </button>
            <span className={`live live-${liveState}`} role="status" aria-label={`Live updates ${liveState === 'open' ? 'connected' : liveState}`}>
              {liveState === 'open' ? 'Live' : 'Offline'}
            </span>
            <button type="button" onClick={() => api.auth.signOut()}>Sign out</button>
          </nav>
        }
      >
        {view.name === 'profile' ? <ProfilePage /> : view.name === 'visit'
          ? <VisitPage appointmentId={view.appointmentId} back={goHome} /> : <div key={homeVisit}>{home}</div>}
      </Layout>
    </AppProvider>
  );
}

function Layout({ nav, children }: { nav?: React.ReactNode; children: React.ReactNode }) {
  return (
    <>
      <a className="skip" href="#main">Skip to content</a>
      <header className="top">
        <span className="brand">Telehealth</span>
        {nav}
      </header>
      <main id="main" tabIndex={-1}>{children}</main>
    </>
  );
}
