import { Alert, Center, Loader, Paper, Stack, Text } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useErrorMessage } from '../../lib/errors';

/** Loading / failed / empty states shared by the settings tables. */
export function QueryState({ isPending, error, empty, emptyText, children }: { isPending: boolean; error: unknown; empty: boolean; emptyText: string; children: ReactNode }) {
  const { t } = useTranslation();
  const message = useErrorMessage();
  if (isPending)
    return (
      <Center py="xl">
        <Loader size="sm" />
      </Center>
    );
  if (error)
    return (
      <Alert color="red" icon={<IconAlertCircle size={18} />} title={t('states.loadFailedTitle')}>
        {message(error)}
      </Alert>
    );
  if (empty)
    return (
      <Paper withBorder p="xl" radius="md">
        <Stack align="center" gap={4}>
          <Text size="sm" c="dimmed">
            {emptyText}
          </Text>
        </Stack>
      </Paper>
    );
  return <>{children}</>;
}

export function FormAlert({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert" data-testid="form-error">
      {message}
    </Alert>
  );
}
