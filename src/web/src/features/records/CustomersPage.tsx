import { Anchor, Badge, Group, Paper, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconArrowLeft, IconSearch } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, Route, Routes, useParams } from 'react-router-dom';
import { formatMoney } from '../../lib/money';
import { PageHeader } from '../../shell/PageHeader';
import { QueryState } from '../settings/common';
import { useBuyer, useBuyers, useOrders, usePlatformReturns, useRelated } from './api';
import { Card, Pager, RelatedCards } from './bits';
import { formatterFor } from '../../lib/format';

export function CustomersPage() {
  return (
    <Routes>
      <Route index element={<CustomerList />} />
      <Route path=":id" element={<CustomerDetail />} />
      <Route path="*" element={<Navigate to="/customers" replace />} />
    </Routes>
  );
}

function CustomerList() {
  const { t, i18n } = useTranslation('records');
  const [q, setQ] = useState('');
  const [term] = useDebouncedValue(q.trim(), 250);
  const [cursors, setCursors] = useState<string[]>([]);
  const list = useBuyers(term, cursors.at(-1) ?? null);
  const items = list.data?.items ?? [];
  return (
    <Stack gap="md" data-testid="customers-page">
      <PageHeader title={t('customers.title')} description={t('customers.description')} />
      <TextInput leftSection={<IconSearch size={14} />} placeholder={t('customers.search')} value={q} onChange={(e) => { setQ(e.currentTarget.value); setCursors([]); }} maw={420} data-testid="customers-search" />
      <QueryState isPending={list.isPending} error={list.error} empty={items.length === 0} emptyText={t('customers.empty')}>
        <Paper withBorder radius="md">
          <Table.ScrollContainer minWidth={520}>
            <Table highlightOnHover verticalSpacing="sm" data-testid="customers-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('customers.name')}</Table.Th>
                  <Table.Th>{t('customers.orders')}</Table.Th>
                  <Table.Th ta="right">{t('customers.ltv')}</Table.Th>
                  <Table.Th>{t('customers.lastOrder')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((b) => (
                  <Table.Tr key={b.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/customers/${b.id}`} fw={600}>
                        {b.displayName ?? t('customers.unnamed')}
                      </Anchor>
                      <Text size="xs" c="dimmed">{[b.email, b.country].filter(Boolean).join(' · ')}</Text>
                    </Table.Td>
                    <Table.Td>{b.orderCount}</Table.Td>
                    <Table.Td ta="right">{b.lifetimeValue.currency ? formatMoney(b.lifetimeValue.amount, b.lifetimeValue.currency, i18n.language) : '—'}</Table.Td>
                    <Table.Td>{b.lastOrderAt ? formatterFor(i18n.language).date(b.lastOrderAt) : '—'}</Table.Td>
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

function CustomerDetail() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation('records');
  const lang = i18n.language;
  const buyer = useBuyer(id);
  const orders = useOrders({ buyerId: id }, null);
  const related = useRelated({ buyerId: id });
  const platform = usePlatformReturns({ buyerId: id });
  const b = buyer.data;
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/customers" size="sm">
        <Group gap={4}>
          <IconArrowLeft size={14} />
          {t('customers.back')}
        </Group>
      </Anchor>
      <QueryState isPending={buyer.isPending} error={buyer.error} empty={false} emptyText="">
        {b && (
          <Stack gap="md" data-testid="customer-detail">
            <PageHeader title={b.displayName ?? t('customers.unnamed')} description={[b.email, b.country, b.language].filter(Boolean).join(' · ')} />
            <SimpleGrid cols={{ base: 2, sm: 3 }}>
              <Card title={t('customers.ltv')}>
                <Text fw={700} size="lg" data-testid="customer-ltv">{b.lifetimeValue.currency ? formatMoney(b.lifetimeValue.amount, b.lifetimeValue.currency, lang) : '—'}</Text>
              </Card>
              <Card title={t('customers.orders')}>
                <Text fw={700} size="lg">{b.lifetimeValue.orderCount}</Text>
              </Card>
              <Card title={t('customers.returns')}>
                <Text fw={700} size="lg">{(related.data?.returns.length ?? 0) + (platform.data?.length ?? 0)}</Text>
              </Card>
            </SimpleGrid>
            <Card title={t('customers.orderHistory')} testId="customer-orders">
              <Stack gap={6}>
                {(orders.data?.items ?? []).map((o) => (
                  <Group key={o.id} justify="space-between" wrap="nowrap" gap={8}>
                    <Anchor component={Link} to={`/orders/${o.id}`} size="sm" fw={600}>
                      {o.externalId}
                    </Anchor>
                    <Group gap={6} wrap="nowrap">
                      <Badge size="xs" variant="light">{t(`orderStatus.${o.status}`, { defaultValue: o.status })}</Badge>
                      <Text size="xs" style={{ whiteSpace: 'nowrap' }}>{formatMoney(o.total, o.currency, lang)}</Text>
                    </Group>
                  </Group>
                ))}
              </Stack>
            </Card>
            <SimpleGrid cols={{ base: 1, md: 3 }}>
              <RelatedCards related={related.data} platform={platform.data} />
            </SimpleGrid>
          </Stack>
        )}
      </QueryState>
    </Stack>
  );
}
