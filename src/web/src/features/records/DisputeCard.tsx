import { Anchor, Badge, Button, Group, Select, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { IconGavel } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api } from '../../lib/api';
import { useErrorMessage } from '../../lib/errors';
import { useApiMutation } from '../../lib/mutation';
import { useSession } from '../../lib/session';
import type { DisputeView } from '../../../../modules/evidence/evidence.dto';
import { Card } from './bits';

const COLOR: Record<DisputeView['status'], string> = { open: 'orange', submitted: 'blue', won: 'green', lost: 'red' };

/** The order's one dispute case: open it (gathering the conversations and returns), follow it to won or lost. */
export function DisputeCard({ orderId }: { orderId: string }) {
  const { t } = useTranslation('records');
  const { user } = useSession();
  const message = useErrorMessage();
  const q = useQuery({ queryKey: ['disputes', orderId], queryFn: ({ signal }) => api.get<{ dispute: DisputeView | null }>(`/api/disputes?orderId=${encodeURIComponent(orderId)}`, { signal }).then((r) => r.dispute) });
  const open = useApiMutation({ mutationFn: () => api.post<DisputeView>('/api/disputes', { orderId }), invalidate: [['disputes', orderId]] });
  const status = useApiMutation({ mutationFn: (s: DisputeView['status']) => api.post<DisputeView>(`/api/disputes/${encodeURIComponent(q.data!.id)}/status`, { status: s }), invalidate: [['disputes', orderId]] });
  const d = q.data;
  const lead = user.role === 'owner' || user.role === 'supervisor';
  return (
    <Card title={t('dispute.title')} testId="dispute-card">
      {!d ? (
        <>
          <Text size="sm" c="dimmed">{t('dispute.none')}</Text>
          <Button mt="xs" size="xs" variant="light" leftSection={<IconGavel size={14} />} loading={open.isPending} onClick={() => open.mutate()} data-testid="dispute-open">
            {t('dispute.open')}
          </Button>
        </>
      ) : (
        <>
          <Group gap="xs" wrap="wrap">
            <Badge color={COLOR[d.status]} data-testid="dispute-status">{t(`dispute.status.${d.status}`)}</Badge>
            <Text size="xs" c="dimmed">{t('dispute.members', { count: d.memberCaseIds.length })}</Text>
          </Group>
          <Group mt="xs" gap="xs" wrap="wrap" align="flex-end">
            <Anchor component={Link} to={`/evidence/${d.id}`} size="sm" data-testid="dispute-evidence">
              {t('dispute.evidence')}
            </Anchor>
            <Select
              size="xs"
              w={160}
              value={d.status}
              onChange={(v) => v && status.mutate(v as DisputeView['status'])}
              data={(['open', 'submitted', 'won', 'lost'] as const).map((s) => ({ value: s, label: t(`dispute.status.${s}`), disabled: !lead && (s === 'won' || s === 'lost') }))}
              allowDeselect={false}
              aria-label={t('dispute.title')}
            />
          </Group>
        </>
      )}
      {(open.error ?? status.error) && <Text size="xs" c="red">{message(open.error ?? status.error)}</Text>}
    </Card>
  );
}
