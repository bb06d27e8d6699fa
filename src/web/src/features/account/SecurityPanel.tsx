import { Alert, Paper, Stack, Switch, Text } from '@mantine/core';
import { IconInfoCircle } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { useApiMutation } from '../../lib/mutation';
import { ACCOUNT_KEY, keys, type SecuritySettingsView } from './api';

/** Settings → Security: the organisation's sign-in rules (owners). */
export function SecurityPanel() {
  const { t } = useTranslation('account');
  const settings = useQuery({ queryKey: keys.security, queryFn: ({ signal }) => api.get<SecuritySettingsView>('/api/security/settings', { signal }) });
  const save = useApiMutation({
    mutationFn: (requireTwoFactor: boolean) => api.put<SecuritySettingsView>('/api/security/settings', { requireTwoFactor }),
    invalidate: [keys.security, ACCOUNT_KEY],
    success: t('security.saved'),
  });
  const s = settings.data;
  return (
    <Stack gap="md" maw={760}>
      <Paper withBorder radius="md" p="lg">
        <Stack gap="sm">
          <Switch
            size="md"
            checked={s?.requireTwoFactor ?? false}
            disabled={!s || save.isPending}
            onChange={(e) => save.mutate(e.currentTarget.checked)}
            label={t('security.require')}
            description={t('security.requireHint')}
            data-testid="require-two-factor"
          />
          {s && (
            <Text size="sm" c={s.usersWithoutTwoFactor ? 'orange' : 'dimmed'}>
              {t('security.without', { count: s.usersWithoutTwoFactor })}
            </Text>
          )}
        </Stack>
      </Paper>
      <Alert variant="light" color="blue" icon={<IconInfoCircle size={18} />}>
        {t('security.resetHint')}
      </Alert>
    </Stack>
  );
}
