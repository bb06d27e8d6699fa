import { Alert, Anchor, Button, Center, Paper, PasswordInput, PinInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconAlertCircle, IconCircleCheck } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, issuesToFieldErrors } from '../../lib/api';
import { errorMessage } from '../../lib/errors';
import type { UserView } from '../../lib/session';
import { Logo } from '../../shell/Logo';

/** Second sign-in step: the authenticator code, or one recovery code. */
export function TwoFactorStep({ challenge, onSignedIn, onBack }: { challenge: string; onSignedIn: (u: UserView) => void; onBack: () => void }) {
  const { t } = useTranslation('account');
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(e?: FormEvent, value = code) {
    e?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<{ user: UserView }>('/api/auth/login/two-factor', { challenge, code: value.trim() });
      onSignedIn(r.user);
    } catch (err) {
      setError(errorMessage(t, err));
      setBusy(false);
    }
  }
  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <Stack gap="md">
        <Title order={1} fz={18} fw={600}>
          {t('signIn.twoFactorTitle')}
        </Title>
        <Text size="sm" c="dimmed">
          {recovery ? t('signIn.recoveryHint') : t('signIn.codeHint')}
        </Text>
        {error && (
          <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert" data-testid="login-error">
            {error}
          </Alert>
        )}
        {recovery ? (
          <TextInput label={t('signIn.recoveryCode')} value={code} onChange={(e) => setCode(e.currentTarget.value)} autoFocus autoComplete="off" />
        ) : (
          <Center>
            <PinInput
              length={6}
              type="number"
              oneTimeCode
              autoFocus
              value={code}
              onChange={setCode}
              onComplete={(v) => void submit(undefined, v)}
              aria-label={t('twoFactor.code')}
              data-testid="login-code"
            />
          </Center>
        )}
        <Button type="submit" loading={busy} fullWidth disabled={!code.trim()}>
          {t('signIn.verify')}
        </Button>
        <Stack gap={4} align="center">
          <Anchor component="button" type="button" size="sm" onClick={() => (setRecovery(!recovery), setCode(''))}>
            {recovery ? t('signIn.useCode') : t('signIn.useRecovery')}
          </Anchor>
          <Anchor component="button" type="button" size="sm" c="dimmed" onClick={onBack}>
            {t('signIn.back')}
          </Anchor>
        </Stack>
      </Stack>
    </form>
  );
}

/** "Forgot password": asks for a mail; says plainly when this installation cannot send one. */
export function ForgotPassword({ onBack }: { onBack: () => void }) {
  const { t } = useTranslation('account');
  const [email, setEmail] = useState('');
  const [state, setState] = useState<'idle' | 'busy' | 'sent'>('idle');
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setState('busy');
    setError(null);
    try {
      await api.post('/api/auth/password-reset/request', { email: email.trim() });
      setState('sent');
    } catch (err) {
      setError(errorMessage(t, err));
      setState('idle');
    }
  }
  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <Stack gap="md">
        <Title order={1} fz={18} fw={600}>
          {t('forgot.title')}
        </Title>
        {state === 'sent' ? (
          <Alert color="teal" variant="light" icon={<IconCircleCheck size={18} />}>
            {t('forgot.sent')}
          </Alert>
        ) : (
          <>
            <Text size="sm" c="dimmed">
              {t('forgot.hint')}
            </Text>
            {error && (
              <Alert color="orange" variant="light" icon={<IconAlertCircle size={18} />} role="alert" data-testid="forgot-error">
                {error}
              </Alert>
            )}
            <TextInput label={t('forgot.email')} type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} autoFocus />
            <Button type="submit" loading={state === 'busy'} fullWidth disabled={!email.trim()}>
              {t('forgot.submit')}
            </Button>
          </>
        )}
        <Anchor component="button" type="button" size="sm" onClick={onBack} ta="center">
          {t('signIn.back')}
        </Anchor>
      </Stack>
    </form>
  );
}

/** `/reset-password?token=…` from a mail or an owner: choose a new password, then sign in. */
export function ResetPasswordPage() {
  const { t } = useTranslation('account');
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  const [password, setPassword] = useState('');
  const [state, setState] = useState<'idle' | 'busy' | 'done'>('idle');
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | undefined>();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setState('busy');
    setError(null);
    try {
      await api.post('/api/auth/password-reset/complete', { token, password });
      setState('done');
    } catch (err) {
      setFieldError(issuesToFieldErrors(err).password);
      setError(errorMessage(t, err));
      setState('idle');
    }
  }
  return (
    <Center mih="100vh" px="md" className="ad-login-bg">
      <Stack w={380} maw="100%" gap="lg">
        <Center>
          <Logo size="lg" />
        </Center>
        <Paper withBorder shadow="sm" radius="md" p="xl">
          {state === 'done' ? (
            <Stack>
              <Alert color="teal" variant="light" icon={<IconCircleCheck size={18} />}>
                {t('reset.done')}
              </Alert>
              <Button component="a" href="/">
                {t('reset.toSignIn')}
              </Button>
            </Stack>
          ) : (
            <form onSubmit={(e) => void submit(e)} noValidate>
              <Stack gap="md">
                <Title order={1} fz={18} fw={600}>
                  {t('reset.title')}
                </Title>
                {error && (
                  <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
                    {error}
                  </Alert>
                )}
                <PasswordInput label={t('password.new')} autoComplete="new-password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} error={fieldError} autoFocus />
                <Button type="submit" loading={state === 'busy'} fullWidth disabled={!password}>
                  {t('reset.submit')}
                </Button>
              </Stack>
            </form>
          )}
        </Paper>
      </Stack>
    </Center>
  );
}
