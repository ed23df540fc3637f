// A patient's visits, refreshed when the doctor books, moves or cancels (live channel events).
import { useCallback, useEffect, useState } from 'react';
import type { Appointment } from '@telehealth/client';
import { useApp, useLiveEvents } from '../lib/context';
import { ErrorMessage, formatTime, useAction } from '../lib/ui';
import { STATUS_LABELS, isToday, loadAppointments } from '../lib/appointments';

export function PatientHome({ open }: { open: (appointmentId: string) => void }) {
  const { api } = useApp();
  const [visits, setVisits] = useState<Appointment[] | null>(null);
  const { error, run } = useAction();
  const reload = useCallback(() => run(async () => setVisits(await loadAppointments(api))), [api, run]);
  useEffect(() => {
    void reload();
  }, [reload]);
  useLiveEvents((event) => {
    if (event.type.includes('CHANNEL_MEMBERSHIP') || event.type === 'CREATE_CHANNEL_MESSAGE') void reload();
  });
  return (
    <section className="card" aria-labelledby="my-visits-title">
      <h1 id="my-visits-title">My visits</h1>
      <ErrorMessage error={error} />
      {visits && visits.length === 0 && <p>You have no visits in the next 30 days.</p>}
      {visits && visits.length > 0 && (
        <ul className="list" aria-label="My visits">
          {visits.map((a) => (
            <li key={a.appointment_id}>
              <span>{isToday(a.starts_at) ? 'Today ' : ''}{formatTime(a.starts_at)} · {a.doctor.name}</span>
              <span className="tag">{STATUS_LABELS[a.status] ?? a.status}</span>
              <button type="button" onClick={() => open(a.appointment_id)}>Open visit with {a.doctor.name}</button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
