// The caller's profile: name and phone number changes (PATCH /me) and confirming a new
// number with the code texted to it.
import { useEffect, useState, type FormEvent } from 'react';
import { unwrap } from '@telehealth/client';
import { useApp } from '../lib/context';
import { ErrorMessage, Field, Notice, useAction } from '../lib/ui';

export function ProfilePage() {
  const { api, profile, reloadProfile } = useApp();
  const [name, setName] = useState(profile?.name ?? '');
  const [phone, setPhone] = useState(profile?.phone_number ?? '');
  const [code, setCode] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const save = useAction();
  const confirm = useAction();
  useEffect(() => {
    setName(profile?.name ?? '');
    setPhone(profile?.phone_number ?? '');
  }, [profile]);
  if (!profile) return <p>Loading…</p>;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const changes: { name?: string; phone_number?: string } = {};
    if (name !== profile.name) changes.name = name;
    if (phone !== profile.phone_number) changes.phone_number = phone;
    const ok = await save.run(async () => unwrap(await api.identity.PATCH('/me', { body: changes })));
    if (ok) {
      setNotice(changes.phone_number ? 'Saved. We texted a code to your new number.' : 'Saved.');
      await reloadProfile();
    }
  };
  const submitCode = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await confirm.run(async () => unwrap(await api.identity.POST('/me/phone/confirm', { body: { code } })));
    if (ok) {
      setNotice('Your phone number is confirmed.');
      setCode('');
      await reloadProfile();
    }
  };
  return (
    <section className="card narrow" aria-labelledby="profile-title">
      <h1 id="profile-title">Profile</h1>
      {notice && <Notice>{notice}</Notice>}
      <dl className="facts">
        <dt>E-mail</dt><dd>{profile.email}</dd>
        <dt>Role</dt><dd>{profile.role}</dd>
        <dt>Phone</dt>
        <dd>{profile.phone_number} {profile.phone_number_verified === false ? '(not confirmed)' : profile.phone_number_verified ? '(confirmed)' : ''}</dd>
      </dl>
      <form onSubmit={submit}>
        <h2>Change your details</h2>
        <Field label="Full name" autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} />
        <Field label="Mobile phone" type="tel" autoComplete="tel" required value={phone} onChange={(e) => setPhone(e.target.value)} />
        <ErrorMessage error={save.error} />
        <button type="submit" disabled={save.busy}>Save</button>
      </form>
      {profile.phone_number_verified === false && (
        <form onSubmit={submitCode}>
          <h2>Confirm your phone number</h2>
          <Field label="Code from the text message" inputMode="numeric" autoComplete="one-time-code" required value={code} onChange={(e) => setCode(e.target.value)} />
          <ErrorMessage error={confirm.error} />
          <button type="submit" disabled={confirm.busy}>Confirm number</button>
        </form>
      )}
    </section>
  );
}
