import { Alert, Anchor, Button, Center, Paper, PasswordInput, PinInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconAlertCircle, IconCircleCheck } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { errorMessage } from '../../lib/errors';
import { presentError, useApiMutation } from '../../lib/mutation';
import type { UserView } from '../../lib/session';
import { Logo } from '../../shell/Logo';

/** Second sign-in step: the authenticator code, or one recovery code. */
export function TwoFactorStep({ challenge, onSignedIn, onBack }: { challenge: string; onSignedIn: (u: UserView) => void; onBack: () => void }) {
  const { t } = useTranslation('account');
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState(false);
  const verify = useApiMutation({
    mutationFn: (value: string) => api.post<{ user: UserView }>('/api/auth/login/two-factor', { challenge, code: value.trim() }),
    onSuccess: (r) => onSignedIn(r.user),
    onError: () => undefined,
  });
  const error = verify.error ? errorMessage(t, verify.error) : null;
  const submit = (e?: FormEvent, value = code) => {
    e?.preventDefault();
    verify.mutate(value);
  };
  return (
    <form onSubmit={(e) => submit(e)} noValidate>
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
              onComplete={(v) => submit(undefined, v)}
              aria-label={t('twoFactor.code')}
              data-testid="login-code"
            />
          </Center>
        )}
        <Button type="submit" loading={verify.isPending || verify.isSuccess} fullWidth disabled={!code.trim()}>
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
  const request = useApiMutation({ mutationFn: (to: string) => api.post('/api/auth/password-reset/request', { email: to.trim() }), onError: () => undefined });
  const state = request.isSuccess ? 'sent' : request.isPending ? 'busy' : 'idle';
  const error = request.error ? errorMessage(t, request.error) : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    request.mutate(email);
  };
  return (
    <form onSubmit={submit} noValidate>
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
  const { t: tAll } = useTranslation();
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  const [password, setPassword] = useState('');
  const complete = useApiMutation({ mutationFn: (pw: string) => api.post('/api/auth/password-reset/complete', { token, password: pw }), onError: () => undefined });
  const state = complete.isSuccess ? 'done' : complete.isPending ? 'busy' : 'idle';
  const error = complete.error ? errorMessage(t, complete.error) : null;
  const fieldError = complete.error ? presentError(tAll, complete.error).fields.password : undefined;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    complete.mutate(password);
  };
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
            <form onSubmit={submit} noValidate>
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
