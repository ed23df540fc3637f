// Signing in, patients' own sign-up, sign-up with an invitation code (doctors and admins)
// and the e-mailed confirmation code.
import { useState, type FormEvent } from 'react';
import { unwrap, type TelehealthApi } from '@telehealth/client';
import { ErrorMessage, Field, Notice, Select, useAction } from '../lib/ui';
import { GuestJoin } from './GuestJoin';

type Mode = 'signin' | 'signup' | 'invited' | 'confirm' | 'guest';

export function AuthPages({ api }: { api: TelehealthApi }) {
  const [mode, setMode] = useState<Mode>('signin');
  const [email, setEmail] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const go = (next: Mode) => {
    setNotice(null);
    setMode(next);
  };
  return (
    <section className={mode === 'guest' ? 'card' : 'card narrow'} aria-labelledby="auth-title">
      {notice && <Notice>{notice}</Notice>}
      {mode === 'signin' && <SignIn api={api} email={email} setEmail={setEmail} />}
      {mode === 'signup' && <SignUp api={api} invited={false} done={(e) => { setEmail(e); setNotice('We e-mailed you a confirmation code.'); setMode('confirm'); }} />}
      {mode === 'invited' && <SignUp api={api} invited done={(e) => { setEmail(e); setNotice('We e-mailed you a confirmation code.'); setMode('confirm'); }} />}
      {mode === 'guest' && <GuestJoin api={api} left={() => go('signin')} />}
      {mode === 'confirm' && <Confirm api={api} email={email} setEmail={setEmail} done={() => { setNotice('Your account is confirmed: sign in.'); setMode('signin'); }} />}
      <div className="switches">
        {mode !== 'signin' && <button type="button" className="link" onClick={() => go('signin')}>Sign in</button>}
        {mode !== 'signup' && <button type="button" className="link" onClick={() => go('signup')}>Create a patient account</button>}
        {mode !== 'invited' && <button type="button" className="link" onClick={() => go('invited')}>I have an invitation code</button>}
        {mode !== 'confirm' && <button type="button" className="link" onClick={() => go('confirm')}>Enter a confirmation code</button>}
        {mode !== 'guest' && <button type="button" className="link" onClick={() => go('guest')}>Join a visit as a guest</button>}
      </div>
    </section>
  );
}

function SignIn({ api, email, setEmail }: { api: TelehealthApi; email: string; setEmail: (v: string) => void }) {
  const [password, setPassword] = useState('');
  const { error, busy, run } = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(() => api.auth.signIn(email, password));
  };
  return (
    <form onSubmit={submit}>
      <h1 id="auth-title">Sign in</h1>
      <Field label="E-mail" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
      <Field label="Password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
      <ErrorMessage error={error} />
      <button type="submit" disabled={busy}>Sign in</button>
    </form>
  );
}

function SignUp({ api, invited, done }: { api: TelehealthApi; invited: boolean; done: (email: string) => void }) {
  const [form, setForm] = useState({ email: '', password: '', name: '', phone_number: '', role: 'doctor', invitation_code: '' });
  const { error, busy, run } = useAction();
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body = invited
      ? { email: form.email, password: form.password, name: form.name, phone_number: form.phone_number,
          role: form.role as 'doctor' | 'admin', invitation_code: form.invitation_code }
      : { email: form.email, password: form.password, name: form.name, phone_number: form.phone_number, role: 'patient' as const };
    const ok = await run(async () => unwrap(await api.identity.POST('/signup', { body: body as never })));
    if (ok) done(form.email);
  };
  return (
    <form onSubmit={submit}>
      <h1 id="auth-title">{invited ? 'Sign up with an invitation' : 'Create a patient account'}</h1>
      <Field label="Full name" autoComplete="name" required value={form.name} onChange={set('name')} />
      <Field label="E-mail" type="email" autoComplete="email" required value={form.email} onChange={set('email')} />
      <Field label="Mobile phone" type="tel" autoComplete="tel" required hint="International format, e.g. +14155550123" value={form.phone_number} onChange={set('phone_number')} />
      <Field label="Password" type="password" autoComplete="new-password" required hint="At least 8 characters with upper and lower case, a digit and a symbol" value={form.password} onChange={set('password')} />
      {invited && (
        <>
          <Select label="Role" value={form.role} onChange={set('role')}>
            <option value="doctor">Doctor</option>
            <option value="admin">Clinic administrator</option>
          </Select>
          <Field label="Invitation code" required autoComplete="one-time-code" value={form.invitation_code} onChange={set('invitation_code')} />
        </>
      )}
      <ErrorMessage error={error} />
      <button type="submit" disabled={busy}>Sign up</button>
    </form>
  );
}

function Confirm({ api, email, setEmail, done }: { api: TelehealthApi; email: string; setEmail: (v: string) => void; done: () => void }) {
  const [code, setCode] = useState('');
  const { error, busy, run } = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await run(async () => unwrap(await api.identity.POST('/confirm', { body: { email, code } })));
    if (ok) done();
  };
  return (
    <form onSubmit={submit}>
      <h1 id="auth-title">Confirm your e-mail</h1>
      <Field label="E-mail" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
      <Field label="Confirmation code" inputMode="numeric" autoComplete="one-time-code" required value={code} onChange={(e) => setCode(e.target.value)} />
      <ErrorMessage error={error} />
      <button type="submit" disabled={busy}>Confirm</button>
    </form>
  );
}
