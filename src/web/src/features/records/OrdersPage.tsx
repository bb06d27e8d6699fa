import { Anchor, Badge, Button, Group, Paper, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconArrowLeft, IconReceiptRefund, IconScale, IconSearch } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, Route, Routes, useParams } from 'react-router-dom';
import { formatMoney } from '../../lib/money';
import { PageHeader } from '../../shell/PageHeader';
import { QueryState } from '../settings/common';
import { useOrderSidebar, useOrders, usePlatformReturns, useRelated } from './api';
import { Card, Pager, RelatedCards } from './bits';
import { DisputeCard } from './DisputeCard';
import { formatterFor } from '../../lib/format';

export function OrdersPage() {
  return (
    <Routes>
      <Route index element={<OrderList />} />
      <Route path=":id" element={<OrderDetail />} />
      <Route path="*" element={<Navigate to="/orders" replace />} />
    </Routes>
  );
}

function OrderList() {
  const { t, i18n } = useTranslation('records');
  const [q, setQ] = useState('');
  const [term] = useDebouncedValue(q.trim(), 250);
  const [cursors, setCursors] = useState<string[]>([]);
  const list = useOrders({ q: term || undefined }, cursors.at(-1) ?? null);
  const items = list.data?.items ?? [];
  return (
    <Stack gap="md" data-testid="orders-page">
      <PageHeader title={t('orders.title')} description={t('orders.description')} />
      <TextInput leftSection={<IconSearch size={14} />} placeholder={t('orders.search')} value={q} onChange={(e) => { setQ(e.currentTarget.value); setCursors([]); }} data-testid="orders-search" maw={420} />
      <QueryState isPending={list.isPending} error={list.error} empty={items.length === 0} emptyText={t('orders.empty')}>
        <Paper withBorder radius="md">
          <Table.ScrollContainer minWidth={560}>
            <Table highlightOnHover verticalSpacing="sm" data-testid="orders-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('orders.number')}</Table.Th>
                  <Table.Th>{t('orders.buyer')}</Table.Th>
                  <Table.Th>{t('orders.status')}</Table.Th>
                  <Table.Th ta="right">{t('orders.total')}</Table.Th>
                  <Table.Th>{t('orders.placed')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((o) => (
                  <Table.Tr key={o.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/orders/${o.id}`} fw={600} data-testid="order-link">
                        {o.externalId}
                      </Anchor>
                      <Text size="xs" c="dimmed">{t('orders.lines', { count: o.lineCount })}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Anchor component={Link} to={`/customers/${o.buyerId}`} size="sm">
                        {o.buyerName ?? t('customers.unnamed')}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" size="sm">{t(`orderStatus.${o.status}`, { defaultValue: o.status })}</Badge>
                    </Table.Td>
                    <Table.Td ta="right">{formatMoney(o.total, o.currency, i18n.language)}</Table.Td>
                    <Table.Td>{formatterFor(i18n.language).date(o.placedAt)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      </QueryState>
      <Pager hasMore={!!list.data?.nextCursor} atFirst={cursors.length === 0} onMore={() => setCursors((c) => [...c, list.data!.nextCursor!])} onFirst={() => setCursors([])} />
    </Stack>
  );
}

function OrderDetail() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation('records');
  const lang = i18n.language;
  const side = useOrderSidebar(id);
  const related = useRelated({ orderId: id });
  const platform = usePlatformReturns({ orderId: id });
  const s = side.data;
  const o = s?.order;
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/orders" size="sm">
        <Group gap={4}>
          <IconArrowLeft size={14} />
          {t('orders.back')}
        </Group>
      </Anchor>
      <QueryState isPending={side.isPending} error={side.error} empty={false} emptyText="">
        {s && o && (
          <Stack gap="md" data-testid="order-detail">
            <PageHeader
              title={<span style={{ wordBreak: 'break-all' }}>{t('orders.detailTitle', { number: o.externalId })}</span>}
              description={`${t(`orderStatus.${o.status}`, { defaultValue: o.status })} · ${formatterFor(lang).dateTime(o.placedAt)} · ${formatMoney(o.total, o.currency, lang)}`}
              actions={
                <Group gap="xs">
                  <Button component={Link} to={`/remedies?orderId=${o.id}`} variant="light" size="xs" leftSection={<IconScale size={14} />} data-testid="order-remedy">
                    {t('actions.remedy')}
                  </Button>
                  <Button component={Link} to={`/returns?newForOrder=${o.id}`} variant="default" size="xs" leftSection={<IconReceiptRefund size={14} />}>
                    {t('actions.return')}
                  </Button>
                </Group>
              }
            />
            <SimpleGrid cols={{ base: 1, md: 2 }}>
              <Card title={t('orders.lineItems')} testId="order-lines">
                <Stack gap={6}>
                  {o.lines.map((l) => (
                    <Group key={l.id} justify="space-between" wrap="nowrap" gap={8}>
                      <Stack gap={0} style={{ minWidth: 0 }}>
                        <Text size="sm" fw={500} truncate>{l.productName}</Text>
                        <Text size="xs" c="dimmed" truncate>
                          {l.sellerSku ?? l.skuId}
                          {l.skuName ? ` · ${l.skuName}` : ''} · {t(`sources.${l.trafficSource.type}`)}
                          {l.trafficSource.name ? ` (${l.trafficSource.name})` : ''}
                        </Text>
                      </Stack>
                      <Text size="sm" fw={600} style={{ whiteSpace: 'nowrap' }}>{formatMoney(l.paidAmount, l.currency, lang)}</Text>
                    </Group>
                  ))}
                </Stack>
              </Card>
              <Stack gap="md">
                <Card title={t('orders.delivery')} testId="order-delivery">
                  <Text size="sm">
                    {t(`delivery.${s.delivery.status}`, { defaultValue: s.delivery.status })}
                    {s.delivery.deliveredAt ? ` · ${formatterFor(lang).date(s.delivery.deliveredAt)}` : ''}
                  </Text>
                  {s.delivery.trackingNumber && <Text size="xs" c="dimmed">{s.delivery.carrier ?? ''} {s.delivery.trackingNumber}</Text>}
                </Card>
                <Card title={t('orders.buyer')} testId="order-buyer">
                  <Anchor component={Link} to={`/customers/${s.buyer.id}`} fw={600} data-testid="buyer-link">
                    {s.buyer.displayName ?? t('customers.unnamed')}
                  </Anchor>
                  <Text size="xs" c="dimmed">
                    {t('customers.ltvLine', { amount: s.buyer.lifetimeValue.currency ? formatMoney(s.buyer.lifetimeValue.amount, s.buyer.lifetimeValue.currency, lang) : '—', count: s.buyer.lifetimeValue.orderCount })}
                  </Text>
                </Card>
              </Stack>
            </SimpleGrid>
            <SimpleGrid cols={{ base: 1, md: 2, lg: 4 }}>
              <RelatedCards related={related.data} platform={platform.data} />
              <DisputeCard orderId={o.id} />
            </SimpleGrid>
          </Stack>
        )}
      </QueryState>
    </Stack>
  );
}
