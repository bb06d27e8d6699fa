import { BarChart } from '@mantine/charts';
import { Badge, Button, Card, Group, Select, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { useApiMutation } from '../../lib/mutation';
import { PageHeader } from '../../shell/PageHeader';
import { useShops } from '../settings/api';
import { useGaps, type GapView } from './api';

/** Listing gaps: products whose buyers ask what neither the product page nor our knowledge answers. */
export function GapsPage() {
  const { t } = useTranslation('knowledge');
  const shops = useShops();
  const [shopId, setShopId] = useState<string | null>(null);
  const [days, setDays] = useState('90');
  const shop = shopId ?? shops.data?.[0]?.id ?? null;
  const gaps = useGaps(shop, Number(days));
  const task = useApiMutation({
    mutationFn: (g: GapView) => api.post<{ taskId: string; title: string }>('/api/knowledge/gaps/tasks', { shopId: shop, productId: g.productId, days: Number(days) }),
    invalidate: [['feedback-tasks']],
    success: t('gaps.taskCreated'),
  });
  const items = gaps.data?.items ?? [];
  const chart = items.slice(0, 8).map((g) => ({ product: g.title.length > 28 ? `${g.title.slice(0, 27)}…` : g.title, asks: g.asks }));
  return (
    <Stack>
      <PageHeader title={t('gaps.title')} description={t('gaps.description')} />
      <Group gap="sm" wrap="wrap">
        <Select w={220} label={t('shop')} data={(shops.data ?? []).map((s) => ({ value: s.id, label: s.name }))} value={shop} onChange={setShopId} allowDeselect={false} />
        <Select w={160} label={t('gaps.period')} data={['30', '90', '180', '365'].map((d) => ({ value: d, label: t('gaps.days', { count: Number(d) }) }))} value={days} onChange={(v) => setDays(v ?? '90')} allowDeselect={false} />
      </Group>
      {gaps.data && (
        <Text size="sm" c="dimmed">
          {t('gaps.summary', { messages: gaps.data.messages, products: items.length })}
        </Text>
      )}
      {chart.length > 1 && (
        <Card withBorder padding="sm">
          <BarChart h={Math.max(120, chart.length * 34)} data={chart} dataKey="product" orientation="vertical" yAxisProps={{ width: 170 }} xAxisProps={{ allowDecimals: false }} series={[{ name: 'asks', label: t('gaps.asks'), color: 'orange.6' }]} />
        </Card>
      )}
      {gaps.data && items.length === 0 && <Text>{t('gaps.none')}</Text>}
      {items.map((g, i) => (
        <Card key={g.productId} withBorder padding="sm" data-testid="gap">
          <Group justify="space-between" wrap="wrap" gap="xs">
            <Text fw={600}>
              {i + 1}. {g.title}
            </Text>
            <Group gap={6}>
              <Badge color="orange" variant="light">{t('gaps.asksCount', { count: g.asks })}</Badge>
              <Button size="xs" variant="light" loading={task.isPending && task.variables?.productId === g.productId} onClick={() => task.mutate(g)} data-testid="gap-task">
                {t('gaps.createTask')}
              </Button>
            </Group>
          </Group>
          <Stack gap={4} mt={6}>
            {g.missing.map((m) => (
              <div key={m.topic}>
                <Group gap={6}>
                  <Badge size="sm" variant="outline">{t(`topics.${m.topic}`)}</Badge>
                  <Text size="sm">{t('gaps.asksCount', { count: m.asks })}</Text>
                </Group>
                {m.examples.map((e, j) => (
                  <Text key={j} size="xs" c="dimmed" ml="sm">
                    [{e.language}] “{e.text}”
                  </Text>
                ))}
              </div>
            ))}
          </Stack>
        </Card>
      ))}
    </Stack>
  );
}
