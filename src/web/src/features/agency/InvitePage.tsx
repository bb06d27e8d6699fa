import { Alert, Box, Button, Center, Group, Loader, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { InvitationPreview, UserView } from '../../../../modules/auth/auth.dto.js';
import { api, issuesToFieldErrors } from '../../lib/api';
import { errorMessage } from '../../lib/errors';
import { useApiMutation } from '../../lib/mutation';
import { LanguageSwitch } from '../../shell/LanguageSwitch';
import { Logo } from '../../shell/Logo';

/** The token travels in the link's fragment, so it never reaches a server log or a Referer. */
function tokenFromLocation(): string {
  return decodeURIComponent(window.location.hash.replace(/^#/, ''));
}

/**
 * Where an invitation link lands (signed in or not): a new person sets a name and password, a
 * person who already has a login signs in with it; either way they join the organisation.
 */
export function InvitePage() {
  const { t } = useTranslation('agency');
  const qc = useQueryClient();
  const [token] = useState(tokenFromLocation);
  const preview = useQuery({ queryKey: ['invitation', token], queryFn: () => api.post<InvitationPreview>('/api/invitations/preview', { token }), retry: false, enabled: token.length >= 20 });
  const hasLogin = preview.data?.hasLogin ?? false;
  const form = useForm({
    initialValues: { name: '', password: '' },
    validate: {
      name: (v) => (!hasLogin && !v.trim() ? t('common:form.required') : null),
      password: (v) => (v ? null : t('common:form.required')),
    },
  });
  const accept = useApiMutation({
    mutationFn: (v: typeof form.values) => api.post<{ user: UserView }>('/api/invitations/accept', { token, password: v.password, ...(hasLogin ? {} : { name: v.name.trim() }) }),
    onSuccess: () => {
      // The session cookie is set: start the app afresh in the organisation just joined.
      qc.clear();
      window.location.replace('/');
    },
    form,
    // Problems without a field (an expired invitation) are said above the form, not in a toast.
    onError: () => undefined,
  });

  return (
    <Box className="ad-login-bg" mih="100vh">
      <Group justify="flex-end" p="md">
        <LanguageSwitch signedIn={false} />
      </Group>
      <Center px="md" pb={80} pt={40}>
        <Stack w={400} maw="100%" gap="lg">
          <Stack gap={6} align="center">
            <Logo size="lg" />
          </Stack>
          <Paper withBorder shadow="sm" p="lg" radius="md">
            {token.length < 20 || preview.isError ? (
              <Alert color="red" title={t('invite.deadTitle')} data-testid="invite-dead">
                {t('invite.dead')}
              </Alert>
            ) : preview.isPending ? (
              <Loader size="sm" />
            ) : (
              <form onSubmit={form.onSubmit((v) => accept.mutate(v))} noValidate>
                <Stack gap="sm">
                  <Title order={3}>{t('invite.title', { org: preview.data.organisationName })}</Title>
                  <Text size="sm" c="dimmed">
                    {t('invite.asRole', { role: t(`common:roles.${preview.data.role}`), email: preview.data.email })}
                  </Text>
                  {preview.data.hasLogin ? (
                    <Text size="sm">{t('invite.hasLogin')}</Text>
                  ) : (
                    <TextInput label={t('invite.name')} {...form.getInputProps('name')} autoComplete="name" data-testid="invite-name" />
                  )}
                  <PasswordInput
                    label={preview.data.hasLogin ? t('invite.yourPassword') : t('invite.newPassword')}
                    description={preview.data.hasLogin ? undefined : t('invite.passwordHint')}
                    {...form.getInputProps('password')}
                    autoComplete={preview.data.hasLogin ? 'current-password' : 'new-password'}
                    data-testid="invite-password"
                  />
                  {accept.error && !Object.keys(issuesToFieldErrors(accept.error)).length && <Alert color="red">{errorMessage(t, accept.error)}</Alert>}
                  <Button type="submit" loading={accept.isPending} data-testid="invite-accept">
                    {preview.data.hasLogin ? t('invite.join') : t('invite.create')}
                  </Button>
                </Stack>
              </form>
            )}
          </Paper>
        </Stack>
      </Center>
    </Box>
  );
}
