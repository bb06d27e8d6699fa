import { Alert, Button, Group, NumberInput, Progress, SegmentedControl, Select, Stack, Switch, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { BatchList, PrintBody } from '../../../../modules/portal/portal.dto';
import { api, ApiError, UI_HEADERS } from '../../lib/api';
import { useFormat } from '../../lib/format';
import { useApiMutation } from '../../lib/mutation';
import { useShops } from '../settings/api';

type Batches = z.infer<typeof BatchList>;
const LANGS = ['en', 'de', 'fr', 'it', 'es'] as const;

/**
 * POST a JSON body and save the PDF answer as a file (the API answers bytes, not JSON). A batch whose
 * every order fell in the hold-out group has no card to print: nothing is saved, the message says so.
 */
async function downloadPdf(path: string, body: unknown, fileName: string): Promise<{ cards: number; holdouts: number }> {
  const res = await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { ...UI_HEADERS, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) {
    const b = (await res.json().catch(() => ({}))) as { code?: string; message?: string; details?: Record<string, unknown> };
    throw new ApiError(res.status, b.code ?? `http.${res.status}`, b.message ?? res.statusText, b.details);
  }
  const counts = { cards: Number(res.headers.get('x-cards') ?? 1), holdouts: Number(res.headers.get('x-holdouts') ?? 0) };
  if (counts.cards === 0) return counts;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return counts;
}

/** After-sales cards: preview one card, print a batch as one PDF, see batches with hold-outs and scans. */
export function CardsPage() {
  const { t } = useTranslation('cards');
  const shops = useShops();
  const fmt = useFormat();
  const [shopId, setShopId] = useState<string | null>(null);
  const [size, setSize] = useState<'a6' | 'label'>('a6');
  const [language, setLanguage] = useState<(typeof LANGS)[number]>('en');
  const [orders, setOrders] = useState('');
  const [since, setSince] = useState('');
  const [holdout, setHoldout] = useState<number | string>(10);
  const [showContacts, setShowContacts] = useState(true);
  const batches = useQuery({ queryKey: ['portal', 'batches'], queryFn: ({ signal }) => api.get<Batches>('/api/portal/batches', { signal }).then((r) => r.items) });
  const shop = shopId ?? shops.data?.[0]?.id ?? null;

  const preview = useApiMutation({ mutationFn: () => downloadPdf('/api/portal/preview', { shopId: shop, size, language, showContacts }, 'card-preview.pdf') });
  const print = useApiMutation({
    mutationFn: () => {
      const ids = orders.split(/[\s,]+/).filter(Boolean);
      const body: PrintBody = { shopId: shop ?? '', size, language, holdoutPercent: Number(holdout) || 0, showContacts, ...(ids.length ? { orderIds: ids } : { since }) };
      return downloadPdf('/api/portal/batches', body, 'cards.pdf');
    },
    invalidate: [['portal', 'batches']],
    success: (r) => (r.cards === 0 ? t('allHeldOut', { holdouts: r.holdouts }) : t('printed', { cards: r.cards, holdouts: r.holdouts })),
  });

  return (
    <Stack maw={900}>
      <Title order={2}>{t('title')}</Title>
      <Text c="dimmed">{t('description')}</Text>
      <Group grow align="flex-start" wrap="wrap">
        <Select label={t('shop')} data={(shops.data ?? []).map((s) => ({ value: s.id, label: `${s.name} (${s.market})` }))} value={shop} onChange={setShopId} allowDeselect={false} />
        <Select label={t('language')} data={LANGS.map((l) => ({ value: l, label: l.toUpperCase() }))} value={language} onChange={(v) => v && setLanguage(v as (typeof LANGS)[number])} allowDeselect={false} />
      </Group>
      <div>
        <Text size="sm" fw={500} mb={4}>{t('size')}</Text>
        <SegmentedControl value={size} onChange={(v) => setSize(v as 'a6' | 'label')} data={[{ value: 'a6', label: t('a6') }, { value: 'label', label: t('label') }]} aria-label={t('size')} />
      </div>
      <Switch label={t('showContacts')} checked={showContacts} onChange={(e) => setShowContacts(e.currentTarget.checked)} />
      <Button variant="default" onClick={() => preview.mutate()} loading={preview.isPending} disabled={!shop} w="fit-content">{t('preview')}</Button>
      <Textarea label={t('orders')} description={t('ordersHint')} value={orders} onChange={(e) => setOrders(e.currentTarget.value)} autosize minRows={2} />
      <TextInput label={t('since')} placeholder="2026-03-01" value={since} onChange={(e) => setSince(e.currentTarget.value)} disabled={!!orders.trim()} />
      <NumberInput label={t('holdout')} description={t('holdoutHint')} min={0} max={50} value={holdout} onChange={setHoldout} w={200} />
      {print.isPending && <Progress value={100} animated aria-label={t('printing')} />}
      <Button onClick={() => print.mutate()} loading={print.isPending} disabled={!shop || (!orders.trim() && !since.trim())} w="fit-content">{t('print')}</Button>
      <Title order={3}>{t('batches')}</Title>
      {batches.data && batches.data.length === 0 && <Alert>{t('noBatches')}</Alert>}
      {!!batches.data?.length && (
        <Table.ScrollContainer minWidth={500}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('created')}</Table.Th>
                <Table.Th>{t('size')}</Table.Th>
                <Table.Th>{t('language')}</Table.Th>
                <Table.Th>{t('cards')}</Table.Th>
                <Table.Th>{t('heldOut')}</Table.Th>
                <Table.Th>{t('scans')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {batches.data.map((b) => (
                <Table.Tr key={b.id}>
                  <Table.Td>{fmt.dateTime(b.createdAt)}</Table.Td>
                  <Table.Td>{b.size === 'a6' ? t('a6') : t('label')}</Table.Td>
                  <Table.Td>{b.language.toUpperCase()}</Table.Td>
                  <Table.Td>{b.cardCount}</Table.Td>
                  <Table.Td>{b.holdoutOrderIds.length}</Table.Td>
                  <Table.Td>{b.scans}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
