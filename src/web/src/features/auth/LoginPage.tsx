import { Alert, Anchor, Box, Button, Center, Group, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LoginBody } from '../../../../modules/auth/auth.dto';
import { api } from '../../lib/api';
import { errorMessage } from '../../lib/errors';
import { contractValidator } from '../../lib/form';
import { useApiMutation } from '../../lib/mutation';
import { type UserView, useSetMe } from '../../lib/session';
import { applyLocale, currentLocale, isUiLocale } from '../../i18n';
import { LanguageSwitch, PICKED_BEFORE_LOGIN } from '../../shell/LanguageSwitch';
import { Logo } from '../../shell/Logo';
import { ForgotPassword, TwoFactorStep } from '../account/SignInExtras';

export function LoginPage() {
  const { t } = useTranslation('auth');
  const setMe = useSetMe();
  const { t: tAll } = useTranslation();
  const [error, setError] = useState<string | null>(null);
  type Values = { email: string; password: string };
  // The server's own rules (LoginBody); an empty field just says "required".
  const schemaCheck = contractValidator(tAll, LoginBody, (v: Values) => ({ email: v.email.trim(), password: v.password }));
  const form = useForm<Values>({
    initialValues: { email: '', password: '' },
    validate: (v) => {
      const missing: Record<string, string> = {};
      if (!v.email.trim()) missing.email = t('required');
      if (!v.password) missing.password = t('required');
      return Object.keys(missing).length ? missing : schemaCheck(v);
    },
  });
  // With two-factor sign-in on, the password step answers a challenge for the code instead of a session.
  const [challenge, setChallenge] = useState<string | null>(null);
  const [forgot, setForgot] = useState(false);

  async function signedIn(signed: UserView) {
    let user = signed;
    // A language picked on this page wins over the account's; otherwise the account's applies.
    const picked = sessionStorage.getItem(PICKED_BEFORE_LOGIN) === '1';
    sessionStorage.removeItem(PICKED_BEFORE_LOGIN);
    if (picked && user.uiLocale !== currentLocale()) {
      user = (await api.patch<{ user: UserView }>('/api/auth/me', { uiLocale: currentLocale() }).catch(() => ({ user }))).user;
    } else if (isUiLocale(user.uiLocale)) {
      await applyLocale(user.uiLocale);
    }
    setMe(user);
  }

  const login = useApiMutation({
    mutationFn: (v: Values) => api.post<{ user?: UserView; twoFactor?: { challenge: string } }>('/api/auth/login', { email: v.email.trim(), password: v.password }),
    form,
    onMutate: () => setError(null),
    onSuccess: async (answer) => {
      if (answer.twoFactor) setChallenge(answer.twoFactor.challenge);
      else await signedIn(answer.user!);
    },
    onError: (_presented, err) => setError(errorMessage(t, err)),
  });

  return (
    <Box className="ad-login-bg" mih="100vh">
      <Group justify="flex-end" p="md">
        <LanguageSwitch signedIn={false} />
      </Group>
      <Center px="md" pb={80} pt={40}>
        <Stack w={380} maw="100%" gap="lg">
          <Stack gap={6} align="center">
            <Logo size="lg" />
            <Text size="sm" c="dimmed" ta="center">
              {t('subtitle')}
            </Text>
          </Stack>
          <Paper withBorder shadow="sm" radius="md" p="xl">
            {challenge ? (
              <TwoFactorStep challenge={challenge} onSignedIn={(u) => void signedIn(u)} onBack={() => (setChallenge(null), form.setFieldValue('password', ''))} />
            ) : forgot ? (
              <ForgotPassword onBack={() => setForgot(false)} />
            ) : (
            <form onSubmit={form.onSubmit((v) => login.mutate(v))} noValidate>
              <Stack gap="md">
                <Title order={1} fz={18} fw={600}>
                  {t('title')}
                </Title>
                {error && (
                  <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} title={t('failedTitle')} role="alert" data-testid="login-error">
                    {error}
                  </Alert>
                )}
                <TextInput
                  label={t('email')}
                  type="email"
                  autoComplete="username"
                  {...form.getInputProps('email')}
                  autoFocus
                />
                <PasswordInput
                  label={t('password')}
                  autoComplete="current-password"
                  {...form.getInputProps('password')}
                />
                <Button type="submit" loading={login.isPending || (login.isSuccess && !challenge)} fullWidth mt={4}>
                  {t('submit')}
                </Button>
                <Anchor component="button" type="button" size="sm" ta="center" onClick={() => setForgot(true)}>
                  {t('account:signIn.forgot')}
                </Anchor>
              </Stack>
            </form>
            )}
          </Paper>
        </Stack>
      </Center>
    </Box>
  );
}
