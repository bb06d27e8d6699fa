import { Box, Button, Center, Group, Loader, Stack } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { ME_KEY } from '../../lib/session';
import { Logo } from '../../shell/Logo';
import { useAccount } from './api';

// Loaded only when a session is restricted, so the first screen does not carry the account page.
const AccountPage = lazy(async () => ({ default: (await import('./AccountPage')).AccountPage }));

/**
 * A session that must first choose a new password (an owner's reset) or enrol a second factor
 * (the organisation requires it) sees only that, as the server allows nothing else until then.
 */
export function RestrictionGate({ children }: { children: ReactNode }) {
  const { t } = useTranslation('account');
  const qc = useQueryClient();
  const account = useAccount();
  if (account.isPending) {
    return (
      <Center h="100vh">
        <Loader size="sm" />
      </Center>
    );
  }
  const restriction = account.data?.restriction;
  if (!restriction) return <>{children}</>;
  async function signOut() {
    await api.post('/api/auth/logout').catch(() => undefined);
    qc.clear();
    qc.setQueryData(ME_KEY, null);
  }
  return (
    <Box mih="100vh" className="ad-login-bg">
      <Group justify="space-between" p="md">
        <Logo />
        <Button variant="subtle" color="gray" onClick={() => void signOut()}>
          {t('signOut')}
        </Button>
      </Group>
      <Center px="md" pb={60}>
        <Stack w={880} maw="100%">
          <Suspense fallback={<Loader size="sm" />}>
            <AccountPage only={restriction === 'password_change' ? 'password' : 'twoFactor'} />
          </Suspense>
        </Stack>
      </Center>
    </Box>
  );
}
