import { Button, Group, Paper, Stack, Text } from '@mantine/core';
import { IconKey, IconLink } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { useApiMutation } from '../../lib/mutation';
import type { UserView } from '../../lib/session';
import type { MemberResetView } from './api';
import { ShownOnceInline } from './ShownOnceInline';

/** An owner resets a team member's password: a temporary one or a single-use link, shown once. */
export function MemberPasswordReset({ user }: { user: UserView }) {
  const { t } = useTranslation('account');
  const [result, setResult] = useState<MemberResetView | null>(null);
  const reset = useApiMutation({ mutationFn: (mode: 'temporary_password' | 'link') => api.post<MemberResetView>(`/api/users/${user.id}/password-reset`, { mode }), onSuccess: setResult });
  return (
    <Paper withBorder radius="md" p="sm" mt="xs">
      <Stack gap={6}>
        <Text size="sm" fw={500}>
          {t('memberReset.title')}
        </Text>
        <Text size="xs" c="dimmed">
          {t('memberReset.hint')}
        </Text>
        {result ? (
          <ShownOnceInline value={(result.temporaryPassword ?? result.resetUrl)!} hint={result.temporaryPassword ? t('memberReset.tempShown') : t('memberReset.linkShown')} />
        ) : (
          <Group gap="xs">
            <Button size="xs" variant="light" leftSection={<IconKey size={14} />} loading={reset.isPending} onClick={() => reset.mutate('temporary_password')} data-testid="reset-temp">
              {t('memberReset.temporary')}
            </Button>
            <Button size="xs" variant="light" leftSection={<IconLink size={14} />} loading={reset.isPending} onClick={() => reset.mutate('link')}>
              {t('memberReset.link')}
            </Button>
          </Group>
        )}
      </Stack>
    </Paper>
  );
}
