import { Badge, Group, Text } from '@mantine/core';
import { IconBolt } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { MessageView } from './api';
import { useFormat } from '../../lib/format';

const STATE_COLOR: Record<string, string> = { requested: 'gray', sent: 'blue', confirmed: 'teal', failed: 'red' };

/**
 * One step of an action taken from the ticket (a refund, a decision on the platform's request, a
 * coupon, a reship), as the server recorded it when the action's outbox step moved: requested →
 * sent to the platform → confirmed, or failed with the platform's reason. Worded in the reader's language.
 */
export function ActionLine({ m }: { m: MessageView }) {
  const { t } = useTranslation('inbox');
  const f = useFormat();
  const p = m.event!.params;
  const action = String(p.action);
  const state = String(p.state);
  const amount = typeof p.amount === 'number' && typeof p.currency === 'string' ? f.money(p.amount, p.currency) : null;
  const what = [t(`actionLine.kind.${action}`, { defaultValue: action }), amount, p.ref ? `(${p.ref})` : null].filter(Boolean).join(' ');
  const stateText = t(`actionLine.state.${action === 'reship' && state === 'sent' ? 'released' : state}`, { defaultValue: state });
  return (
    <div className="ad-system-line" data-testid="action-line" data-action={action} data-state={state}>
      <Group gap={6} justify="center" wrap="wrap">
        <IconBolt size={14} />
        <Text size="xs" c="dimmed" data-testid="action-line-what">
          {what}
        </Text>
        <Badge size="xs" variant="light" color={STATE_COLOR[state] ?? 'gray'} data-testid="action-line-state">
          {stateText}
        </Badge>
        <Text size="xs" c="dimmed">
          {f.shortDateTime(m.sentAt)}
        </Text>
      </Group>
      {state === 'failed' && p.reason && (
        <Text size="xs" c="red" ta="center" mt={2} data-testid="action-line-reason">
          {t('actionLine.reason', { reason: p.reason })}
        </Text>
      )}
    </div>
  );
}
