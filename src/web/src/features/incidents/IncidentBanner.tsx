import { Alert, Badge, Button, Group, Stack, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api } from '../../lib/api';
import { useFormat } from '../../lib/format';
import { useApiMutation } from '../../lib/mutation';
import { incidentKeys, useBanner } from './api';

/** On a ticket whose buyer is part of an incident outreach: the agreed text and compensation, applied in one click. */
export function IncidentBanner({ ticketId }: { ticketId: string }) {
  const { t } = useTranslation('incidents');
  const f = useFormat();
  const q = useBanner(ticketId);
  const apply = useApiMutation({
    mutationFn: (incidentId: string) => api.post<{ messageId: string }>(`/api/incidents/${incidentId}/apply`, { ticketId }),
    invalidate: [incidentKeys.banner(ticketId), ['tickets'], ['ticket', ticketId]],
    success: t('banner.done'),
  });
  if (!q.data?.items.length) return null;
  return (
    <Stack gap={4} px="md" pt="xs">
      {q.data.items.map((b) => (
        <Alert key={b.incidentId} color="grape" icon={<IconAlertTriangle size={16} />} data-testid="incident-banner" title={<Link to={`/incidents/${b.incidentId}`}>{t('banner.title', { title: b.title })}</Link>}>
          <Text size="xs" c="dimmed">
            {t('banner.agreed')}
          </Text>
          <Text size="sm" data-testid="incident-banner-text">
            {b.text}
          </Text>
          <Group justify="space-between" mt={6}>
            <Badge variant="light">
              {t(`compensation.kinds.${b.compensation.kind}`)}
              {b.compensation.faceValue ? ` · ${f.money(b.compensation.faceValue, b.compensation.currency ?? 'EUR')}` : ''}
            </Badge>
            {b.applied ? (
              <Badge color="teal">{t('banner.applied')}</Badge>
            ) : (
              <Button size="xs" onClick={() => apply.mutate(b.incidentId)} loading={apply.isPending} data-testid="incident-apply">
                {t('banner.apply')}
              </Button>
            )}
          </Group>
        </Alert>
      ))}
    </Stack>
  );
}
