import { Alert, Badge, Button, Card, Group, PasswordInput, ScrollArea, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { BarChart } from '@mantine/charts';
import { useForm } from '@mantine/form';
import { IconAd, IconDownload, IconRefresh } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { useFormat } from '../../lib/format';
import { contractValidator } from '../../lib/form';
import { useApiMutation } from '../../lib/mutation';
import { useSession } from '../../lib/session';
import { AdsAccountInput, type AdsAccountView, type AdsImportView } from '../../../../integrations/tiktok-ads/ads.dto';
import type { AdCampaignView } from '../../../../modules/analytics/analytics.dto';
import { useShops } from '../settings/api';
import { downloadCsv, type Filters } from './api';
import { QueryState } from './OutcomesTabs';

const STATUS_COLOR = { active: 'teal', paused: 'gray', failing: 'red' } as const;
const accountKey = (shopId: string) => ['tiktok-ads', shopId] as const;

/** Settings → Ads: each shop's TikTok advertiser account (Marketing API) and "import now". */
export function AdsSettingsPanel() {
  const { t } = useTranslation('analytics');
  const shops = useShops();
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        {t('ads.intro')}
      </Text>
      {(shops.data ?? []).map((s) => (
        <AdsAccountCard key={s.id} shopId={s.id} shopName={s.name} />
      ))}
    </Stack>
  );
}

function AdsAccountCard({ shopId, shopName }: { shopId: string; shopName: string }) {
  const { t } = useTranslation('analytics');
  const fmt = useFormat();
  const isOwner = useSession().can(['owner']);
  const account = useQuery({ queryKey: accountKey(shopId), queryFn: ({ signal }) => api.get<{ account: AdsAccountView | null }>(`/api/shops/${shopId}/tiktok-ads`, { signal }) });
  const current = account.data?.account ?? null;
  const toBody = (v: { advertiserId: string; currency: string; accessToken: string }) => ({ advertiserId: v.advertiserId.trim(), ...(v.currency.trim() ? { currency: v.currency.trim().toUpperCase() } : {}), ...(v.accessToken ? { accessToken: v.accessToken } : {}) });
  const form = useForm({ mode: 'controlled', initialValues: { advertiserId: '', currency: '', accessToken: '' }, validate: contractValidator(t, AdsAccountInput, toBody) });
  useEffect(() => {
    if (!current) return;
    form.setValues({ advertiserId: current.advertiserId, currency: current.currency, accessToken: '' });
    form.resetDirty();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [current?.id, current?.updatedAt]);
  const save = useApiMutation({ mutationFn: (v: typeof form.values) => api.put<AdsAccountView>(`/api/shops/${shopId}/tiktok-ads`, toBody(v)), form, invalidate: [accountKey(shopId)], success: t('ads.saved') });
  const importNow = useApiMutation({
    mutationFn: () => api.post<AdsImportView>(`/api/shops/${shopId}/tiktok-ads/import`, {}),
    invalidate: [accountKey(shopId), ['analytics']],
    success: (r) => t('ads.imported', { days: r.days, campaigns: r.campaigns, from: fmt.date(r.from), to: fmt.date(r.to) }),
  });
  return (
    <Card withBorder radius="md" padding="lg" data-testid="ads-account-card">
      <Stack gap="sm">
        <Group justify="space-between">
          <Group gap="xs">
            <IconAd size={20} />
            <Title order={4}>{t('ads.cardTitle', { shop: shopName })}</Title>
          </Group>
          {current && <Badge color={STATUS_COLOR[current.status]}>{t(`ads.status.${current.status}`)}</Badge>}
        </Group>
        <Text size="sm" c="dimmed">
          {current ? t('ads.state', { at: current.lastImportAt ? fmt.dateTime(current.lastImportAt) : t('ads.never') }) : t('ads.none')}
        </Text>
        {current?.lastError && (
          <Alert variant="light" color="red">
            <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
              {current.lastError}
            </Text>
          </Alert>
        )}
        <form onSubmit={form.onSubmit((v) => save.mutate(v))}>
          <Stack gap="xs">
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
              <TextInput label={t('ads.advertiserId')} disabled={!isOwner} {...form.getInputProps('advertiserId')} />
              <TextInput label={t('ads.currency')} placeholder={t('ads.currencyHint')} disabled={!isOwner} {...form.getInputProps('currency')} />
            </SimpleGrid>
            <PasswordInput label={t('ads.accessToken')} placeholder={current ? t('ads.keep') : ''} disabled={!isOwner} {...form.getInputProps('accessToken')} />
            <Group gap="xs" mt="xs">
              {isOwner && (
                <Button type="submit" loading={save.isPending} data-testid="ads-save">
                  {t('ads.save')}
                </Button>
              )}
              {current && (
                <Button variant="light" leftSection={<IconRefresh size={16} />} loading={importNow.isPending} onClick={() => importNow.mutate()} data-testid="ads-import">
                  {t('ads.importNow')}
                </Button>
              )}
            </Group>
          </Stack>
        </form>
      </Stack>
    </Card>
  );
}

/** Analytics → Ad campaigns: the Marketing API's spend beside the returns of the orders attributed to each campaign. */
export function AdsTab({ f }: { f: Filters }) {
  const { t } = useTranslation('analytics');
  const fmt = useFormat();
  const q = useQuery({
    queryKey: ['analytics', 'ad-campaigns', f],
    queryFn: ({ signal }) => api.get<{ items: AdCampaignView[] }>(`/api/analytics/ad-campaigns?${new URLSearchParams(Object.entries({ shopId: f.shopId ?? '', from: f.from, to: f.to }).filter(([, v]) => v)).toString()}`, { signal }),
  });
  const pct = (v: number | null) => (v === null ? '—' : fmt.percent(v));
  return (
    <QueryState query={q}>
      {({ items }) => (
        <Stack>
          <Group justify="space-between">
            <Text size="sm" c="dimmed">
              {t('ads.tabIntro')}
            </Text>
            <Button size="xs" variant="default" leftSection={<IconDownload size={14} />} onClick={() => downloadCsv('ad-campaigns.csv', ['shop_id', 'campaign_id', 'name', 'currency', 'spend_minor', 'conversions', 'impressions', 'clicks', 'orders', 'returned_lines', 'return_rate', 'refunds_minor', 'refunds_currency'], items.map((c) => [c.shopId, c.campaignId, c.name, c.currency, c.spend, c.conversions, c.impressions, c.clicks, c.orders, c.returnedLines, c.returnRate, c.refunds, c.refundCurrency]))}>
              {t('exportCsv')}
            </Button>
          </Group>
          {items.length === 0 && <Text c="dimmed">{t('ads.empty')}</Text>}
          {items.some((c) => c.returnRate !== null) && (
            <BarChart h={220} data={items.filter((c) => c.returnRate !== null).slice(0, 12).map((c) => ({ campaign: c.name ?? c.campaignId, rate: Math.round((c.returnRate ?? 0) * 1000) / 10 }))} dataKey="campaign" unit=" %" series={[{ name: 'rate', label: t('ads.returnRate'), color: 'red.6' }]} xAxisProps={{ fontSize: 10 }} />
          )}
          {items.length > 0 && (
            <ScrollArea>
              <Table fz="sm" striped data-testid="ads-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('ads.campaign')}</Table.Th>
                    <Table.Th>{t('ads.spend')}</Table.Th>
                    <Table.Th>{t('ads.conversions')}</Table.Th>
                    <Table.Th>{t('ads.orders')}</Table.Th>
                    <Table.Th>{t('ads.returnRate')}</Table.Th>
                    <Table.Th>{t('ads.returned')}</Table.Th>
                    <Table.Th>{t('ads.refunds')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {items.map((c) => (
                    <Table.Tr key={`${c.shopId}:${c.campaignId}`}>
                      <Table.Td>
                        <Text size="sm">{c.name ?? c.campaignId}</Text>
                        <Text size="xs" c="dimmed">
                          {c.campaignId}
                        </Text>
                      </Table.Td>
                      <Table.Td>{c.spend === null || !c.currency ? t('ads.notImported') : fmt.money(c.spend, c.currency)}</Table.Td>
                      <Table.Td>{c.conversions ?? '—'}</Table.Td>
                      <Table.Td>{c.orders}</Table.Td>
                      <Table.Td>{pct(c.returnRate)}</Table.Td>
                      <Table.Td>{c.returnedLines}</Table.Td>
                      <Table.Td data-testid="ads-refunds">{fmt.money(c.refunds, c.refundCurrency)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollArea>
          )}
        </Stack>
      )}
    </QueryState>
  );
}
