import { Anchor, Badge, Button, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { formatMoney } from '../../lib/money';
import type { PlatformReturnView, RelatedView } from './api';
import { formatterFor } from '../../lib/format';

export function Card({ title, children, testId, actions }: { title: string; children: ReactNode; testId?: string; actions?: ReactNode }) {
  return (
    <Paper withBorder radius="md" p="md" data-testid={testId} style={{ minWidth: 0 }}>
      <Group justify="space-between" mb="xs" wrap="wrap" gap="xs">
        <Title order={4} fz={15}>
          {title}
        </Title>
        {actions}
      </Group>
      {children}
    </Paper>
  );
}

export function Pager({ hasMore, onMore, onFirst, atFirst }: { hasMore: boolean; onMore: () => void; onFirst: () => void; atFirst: boolean }) {
  const { t } = useTranslation('records');
  if (!hasMore && atFirst) return null;
  return (
    <Group justify="flex-end" gap="xs">
      {!atFirst && (
        <Button variant="default" size="xs" onClick={onFirst}>
          {t('pager.first')}
        </Button>
      )}
      {hasMore && (
        <Button variant="default" size="xs" onClick={onMore} data-testid="next-page">
          {t('pager.next')}
        </Button>
      )}
    </Group>
  );
}

const date = (iso: string | null, lang: string) => (iso ? formatterFor(lang).date(iso) : '—');

/** Tickets, returns, platform requests and remedies (refunds, reships, coupons) of an order or a customer. */
export function RelatedCards({ related, platform }: { related: RelatedView | undefined; platform: PlatformReturnView[] | undefined }) {
  const { t, i18n } = useTranslation('records');
  const lang = i18n.language;
  const r = related;
  return (
    <>
      <Card title={t('related.tickets')} testId="related-tickets">
        {!r?.tickets.length ? (
          <Text size="sm" c="dimmed">{t('related.none')}</Text>
        ) : (
          <Stack gap={6}>
            {r.tickets.map((x) => (
              <Group key={x.id} gap={8} wrap="nowrap" justify="space-between">
                <Anchor component={Link} to={`/inbox/${x.id}`} size="sm" truncate>
                  #{x.number} · {x.subject}
                </Anchor>
                <Badge size="xs" variant="light" style={{ flex: 'none' }}>
                  {t(`ticketStatus.${x.status}`, { defaultValue: x.status })}
                </Badge>
              </Group>
            ))}
          </Stack>
        )}
      </Card>
      <Card title={t('related.returns')} testId="related-returns">
        {!r?.returns.length && !platform?.length ? (
          <Text size="sm" c="dimmed">{t('related.none')}</Text>
        ) : (
          <Stack gap={6}>
            {r?.returns.map((x) => (
              <Group key={x.id} gap={8} wrap="nowrap" justify="space-between">
                <Anchor component={Link} to={`/returns/${x.id}`} size="sm">
                  {x.rma}
                </Anchor>
                <Text size="xs" c="dimmed">
                  {t(`returnStatus.${x.status}`, { defaultValue: x.status })} · {formatMoney(x.refundTotal, x.currency, lang)} · {date(x.requestedAt, lang)}
                </Text>
              </Group>
            ))}
            {platform?.map((p) => (
              <Group key={p.id} gap={8} wrap="nowrap" justify="space-between">
                <Text size="sm">
                  {t('related.platformRequest', { type: t(`platformType.${p.type}`, { defaultValue: p.type }), id: p.externalId })}
                </Text>
                <Text size="xs" c="dimmed">
                  {t(`platformStatus.${p.status}`, { defaultValue: p.status })}
                  {p.refundAmount !== null && p.currency ? ` · ${formatMoney(p.refundAmount, p.currency, lang)}` : ''}
                </Text>
              </Group>
            ))}
          </Stack>
        )}
      </Card>
      <Card title={t('related.remedies')} testId="related-remedies">
        {!r?.remedies.length ? (
          <Text size="sm" c="dimmed">{t('related.none')}</Text>
        ) : (
          <Table.ScrollContainer minWidth={360}>
            <Table verticalSpacing={4}>
              <Table.Tbody>
                {r.remedies.map((m) => (
                  <Table.Tr key={m.id}>
                    <Table.Td>{t(`remedyKind.${m.kind}`, { defaultValue: m.kind })}</Table.Td>
                    <Table.Td>{m.refundAmount ? formatMoney(m.refundAmount, m.currency, lang) : '—'}</Table.Td>
                    <Table.Td>
                      {[m.reship ? t('related.reship') : null, m.hasCoupon ? t('related.coupon') : null].filter(Boolean).join(' · ') || '—'}
                    </Table.Td>
                    <Table.Td>
                      <Badge size="xs" variant="light">
                        {t(`remedyStatus.${m.status}`, { defaultValue: m.status })}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{date(m.createdAt, lang)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
    </>
  );
}
