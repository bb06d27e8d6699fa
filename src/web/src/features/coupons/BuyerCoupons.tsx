import { Badge, Group, Loader, Stack, Text, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatMoney } from '../../lib/money';
import { useBuyerLedger } from './api';

export const LEDGER_COLOR: Record<string, string> = { planned: 'gray', sent: 'blue', redeemed: 'teal', expired: 'yellow', voided: 'red', clawed_back: 'orange', held_out: 'gray', skipped: 'gray' };

/** A buyer's coupons (the inbox ticket sidebar): what was planned, sent, redeemed, expired, voided or skipped (with the reason). */
export function BuyerCoupons({ buyerId }: { buyerId: string }) {
  const { t, i18n } = useTranslation('coupons');
  const ledger = useBuyerLedger(buyerId);
  if (ledger.isPending) return <Loader size="xs" />;
  const items = ledger.data ?? [];
  if (items.length === 0)
    return (
      <Text size="xs" c="dimmed">
        {t('ledger.none')}
      </Text>
    );
  return (
    <Stack gap={6} data-testid="buyer-coupons">
      {items.slice(0, 6).map((c) => (
        <Group key={c.id} justify="space-between" wrap="nowrap" gap={6}>
          <Tooltip label={c.couponTitle ?? c.occasion} withArrow>
            <Text size="xs" truncate style={{ minWidth: 0 }}>
              {formatMoney(c.faceValue, c.currency, i18n.language)} · {c.couponTitle ?? c.occasion}
            </Text>
          </Tooltip>
          <Tooltip label={c.skipReason ? t(`skipReason.${c.skipReason}`) : t(`status.${c.status}`)} withArrow>
            <Badge size="xs" variant="light" color={LEDGER_COLOR[c.status] ?? 'gray'} style={{ flexShrink: 0 }} data-testid={`ledger-status-${c.status}`}>
              {t(`status.${c.status}`)}
            </Badge>
          </Tooltip>
        </Group>
      ))}
    </Stack>
  );
}
