import { Alert, Button, Center, Loader, Stack } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { UNAUTHENTICATED_EVENT } from './lib/api';
import { errorMessage } from './lib/errors';
import { ME_KEY, SessionProvider, useMeQuery } from './lib/session';
import { applyLocale, isUiLocale } from './i18n';
import { LoginPage } from './features/auth/LoginPage';
import { AppFrame } from './shell/AppFrame';
import { RestrictionGate } from './features/account/RestrictionGate';
import { ResetPasswordPage } from './features/account/SignInExtras';
import { InvitePage } from './features/agency/InvitePage';

/** `GET /api/auth/me` decides: the login page, or the app frame for the signed-in user. */
export function App() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const me = useMeQuery();
  const uiLocale = me.data?.uiLocale;

  useEffect(() => {
    const onLost = () => {
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
      qc.setQueryData(ME_KEY, null);
    };
    window.addEventListener(UNAUTHENTICATED_EVENT, onLost);
    return () => window.removeEventListener(UNAUTHENTICATED_EVENT, onLost);
  }, [qc]);

  // The account's language wins once we know who is signed in.
  useEffect(() => {
    if (isUiLocale(uiLocale)) void applyLocale(uiLocale);
  }, [uiLocale]);

  // An invitation link works signed in or not: accepting starts a session in the inviting organisation.
  if (window.location.pathname === '/invite') return <InvitePage />;
  if (me.isPending) {
    return (
      <Center h="100vh">
        <Loader size="sm" />
      </Center>
    );
  }
  if (me.isError) {
    return (
      <Center h="100vh" px="md">
        <Stack maw={420}>
          <Alert color="red" title={t('states.loadFailedTitle')}>
            {errorMessage(t, me.error)}
          </Alert>
          <Button variant="light" onClick={() => void me.refetch()}>
            {t('actions.retry')}
          </Button>
        </Stack>
      </Center>
    );
  }
  if (!me.data) return window.location.pathname === '/reset-password' ? <ResetPasswordPage /> : <LoginPage />;
  return (
    <SessionProvider user={me.data}>
      <RestrictionGate>
        <AppFrame />
      </RestrictionGate>
    </SessionProvider>
  );
}
