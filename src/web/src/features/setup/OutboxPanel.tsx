import { Badge, Button, Code, Group, Paper, SegmentedControl, Stack, Text } from '@mantine/core';
import { IconRotateClockwise } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { useApiMutation } from '../../lib/mutation';
import { useSession } from '../../lib/session';
import { QueryState } from '../settings/common';
import { formatDateTime, useOutbox, type OutboxView } from './api';

const FILTERS = ['failed', 'held', 'pending', 'done', 'all'] as const;

const STATUS_COLOR: Record<string, string> = { failed: 'red', held: 'orange', pending: 'blue', running: 'cyan', done: 'teal', cancelled: 'gray' };

/** The external steps (refunds, messages, platform write-backs): why one failed, and sending it again. */
export function OutboxPanel() {
  const { t } = useTranslation('setup');
  const [filter, setFilter] = useState<(typeof FILTERS)[number]>('failed');
  const q = useOutbox(filter);
  const items = q.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        {t('outbox.intro')}
      </Text>
      <SegmentedControl
        value={filter}
        onChange={(v) => setFilter(v as (typeof FILTERS)[number])}
        data={FILTERS.map((f) => ({ value: f, label: t(`outbox.filter.${f}`) }))}
        style={{ alignSelf: 'flex-start', maxWidth: '100%' }}
        data-testid="outbox-filter"
      />
      <QueryState isPending={q.isPending} error={q.error} empty={!items.length} emptyText={t(`outbox.empty.${filter}`)}>
        <Stack gap="xs" data-testid="outbox-list">
          {items.map((s) => (
            <OutboxStep key={s.id} step={s} />
          ))}
          {q.hasNextPage && (
            <Button variant="default" onClick={() => void q.fetchNextPage()} loading={q.isFetchingNextPage} style={{ alignSelf: 'center' }}>
              {t('outbox.more')}
            </Button>
          )}
        </Stack>
      </QueryState>
    </Stack>
  );
}

function OutboxStep({ step }: { step: OutboxView }) {
  const { t, i18n } = useTranslation('setup');
  const mayRetry = useSession().can(['owner', 'supervisor']);
  const retry = useApiMutation({
    mutationFn: () => api.post<{ id: string; status: string }>(`/api/outbox/${encodeURIComponent(step.id)}/retry`, {}),
    invalidate: [['outbox']],
    success: t('outbox.retried'),
  });
  return (
    <Paper withBorder radius="md" p="sm" data-testid={`outbox-step-${step.id}`}>
      <Group justify="space-between" wrap="nowrap" align="flex-start" gap="sm">
        <Stack gap={4} style={{ minWidth: 0, flex: 1 }}>
          <Group gap="xs" wrap="wrap">
            <Badge color={STATUS_COLOR[step.status] ?? 'gray'} variant="light" tt="none">
              {t(`outbox.status.${step.status}`)}
            </Badge>
            {i18n.exists(`setup:outbox.handlers.${step.handler}`) && (
              <Text size="sm" fw={600}>
                {t(`outbox.handlers.${step.handler}`)}
              </Text>
            )}
            <Code>{step.handler}</Code>
          </Group>
          <Text size="xs" c="dimmed">
            {t('outbox.meta', { created: formatDateTime(step.createdAt, i18n.language), count: step.attempts })}
            {step.subjectId ? ` · ${step.subjectType ?? ''} ${step.subjectId}` : ''}
          </Text>
          {step.lastError && (
            <Text size="sm" c={step.status === 'held' ? 'orange.8' : 'red.8'} style={{ wordBreak: 'break-word' }} data-testid="outbox-error">
              {step.status === 'held' ? t('outbox.heldBecause') : t('outbox.failedBecause')} {step.lastError}
            </Text>
          )}
        </Stack>
        {step.status === 'failed' && mayRetry && (
          <Button size="xs" variant="light" leftSection={<IconRotateClockwise size={14} />} loading={retry.isPending} onClick={() => retry.mutate()} style={{ flexShrink: 0 }}>
            {t('outbox.retry')}
          </Button>
        )}
      </Group>
    </Paper>
  );
}
