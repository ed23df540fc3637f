// Loading the caller's appointments for a window of days.
import { unwrap, type Appointment, type TelehealthApi } from '@telehealth/client';

export async function loadAppointments(api: TelehealthApi, days = 30): Promise<Appointment[]> {
  const from = new Date();
  from.setHours(0, 0, 0, 0);
  const to = new Date(from.getTime() + days * 86_400_000);
  const page = unwrap(await api.scheduling.GET('/appointments', {
    params: { query: { from: from.toISOString(), to: to.toISOString(), limit: 100 } },
  }));
  return page.appointments as Appointment[];
}

export function isToday(iso: string): boolean {
  return new Date(iso).toDateString() === new Date().toDateString();
}

export const STATUS_LABELS: Record<string, string> = {
  scheduled: 'Scheduled', in_progress: 'In progress', completed: 'Completed', no_show: 'No-show', cancelled: 'Cancelled',
};
