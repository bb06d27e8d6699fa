import '@mantine/charts/styles.css';
import { ActionIcon, Alert, Anchor, Badge, Button, Drawer, Group, HoverCard, Paper, ScrollArea, SegmentedControl, Select, SimpleGrid, Stack, Switch, Table, Tabs, Text, TextInput, Title } from '@mantine/core';
import { BarChart, LineChart } from '@mantine/charts';
import { IconAlertTriangle, IconDownload, IconInfoCircle, IconListDetails } from '@tabler/icons-react';
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { api } from '../../lib/api';
import { useFormat } from '../../lib/format';
import { useApiMutation } from '../../lib/mutation';
import { PageHeader } from '../../shell/PageHeader';
import { useShops, useUsers } from '../settings/api';
import { OutcomesTab, QueryState, ReconciliationTab } from './OutcomesTabs';
import { AdsTab } from './Ads';
import { analyticsKeys, downloadCsv, recommendationsCsvUrl, useDrill, useExclusions, useOperations, useReport, useShopHealth, useTasks, useTrends, useWeekly, type Filters, type RateRow, type ReasonTrendRow } from './api';

const DAY = 86_400_000;

const ymd = (t: number) => new Date(t).toISOString().slice(0, 10);
const METRICS = ['return_rate', 'refund_rate', 'complaint_rate', 'dispute_rate', 'flag', 'provisional'] as const;

/** The written definition of a metric, beside the number. */
function Definition({ metric }: { metric: (typeof METRICS)[number] }) {
  const { t } = useTranslation('analytics');
  return (
    <HoverCard width={320} shadow="md" withinPortal>
      <HoverCard.Target>
        <ActionIcon variant="subtle" size="xs" aria-label={t('definition')} data-testid={`def-${metric}`}>
          <IconInfoCircle size={14} />
        </ActionIcon>
      </HoverCard.Target>
      <HoverCard.Dropdown>
        <Text size="sm" fw={600}>{t(`metrics.${metric}`)}</Text>
        {(['numerator', 'denominator', 'window', 'exclusions'] as const).map((k) => (
          <Text size="xs" key={k}>
            <b>{t(`defs.${k}`)}:</b> {t(`definitions.${metric}.${k}`)}
          </Text>
        ))}
      </HoverCard.Dropdown>
    </HoverCard>
  );
}

function FiltersBar({ f, set }: { f: Filters; set: (f: Filters) => void }) {
  const { t } = useTranslation('analytics');
  const shops = useShops();
  const markets = [...new Set((shops.data ?? []).map((s) => s.market))].sort();
  return (
    <Paper withBorder p="sm">
      <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }} spacing="xs">
        <Select label={t('filters.shop')} placeholder={t('filters.allShops')} clearable data={(shops.data ?? []).map((s) => ({ value: s.id, label: s.name }))} value={f.shopId} onChange={(v) => set({ ...f, shopId: v })} data-testid="filter-shop" />
        <Select label={t('filters.market')} placeholder={t('filters.allMarkets')} clearable data={markets} value={f.market} onChange={(v) => set({ ...f, market: v })} />
        <TextInput label={t('filters.from')} type="date" value={f.from} onChange={(e) => e.currentTarget.value && set({ ...f, from: e.currentTarget.value })} />
        <TextInput label={t('filters.to')} type="date" value={f.to} onChange={(e) => e.currentTarget.value && set({ ...f, to: e.currentTarget.value })} />
        <Select
          label={t('filters.sourceType')}
          placeholder={t('filters.allSources')}
          clearable
          data={(['livestream', 'creator_video', 'ad_campaign', 'organic'] as const).map((x) => ({ value: x, label: t(`sourceTypes.${x}`) }))}
          value={f.sourceType}
          onChange={(v) => set({ ...f, sourceType: v })}
        />
      </SimpleGrid>
    </Paper>
  );
}

function StatusBadge({ r }: { r: RateRow }) {
  const { t } = useTranslation('analytics');
  if (r.excluded) return <Badge color="gray">{t('status.excluded')}</Badge>;
  if (r.flagged) return <Badge color="red" leftSection={<IconAlertTriangle size={12} />} data-testid="flag-badge">{t('status.flagged')}</Badge>;
  if (!r.tested) return <Badge variant="light" color="gray">{t('status.tooFew')}</Badge>;
  return <Badge variant="light" color="teal">{t('status.normal')}</Badge>;
}

function RatesTable({ by, f, onDrill }: { by: 'source' | 'product'; f: Filters; onDrill?: (r: RateRow) => void }) {
  const { t } = useTranslation('analytics');
  const fmt = useFormat();
  const q = useReport(by, f);
  const exclude = useApiMutation({
    mutationFn: (r: RateRow) => api.post('/api/analytics/exclusions', { shopId: r.shopId, sourceType: r.sourceType, sourceId: r.sourceId, ...(r.name ? { sourceName: r.name } : {}) }),
    invalidate: [analyticsKeys.all],
    success: t('excluded'),
  });
  const pct = (x: number | null) => (x === null ? '—' : fmt.percent(x, 1));
  const label = (r: RateRow) => r.name ?? (r.sourceType === 'organic' ? t('sourceTypes.organic') : r.sourceId ?? r.key);
  const chart = useMemo(
    () =>
      (q.data?.items ?? [])
        .filter((r) => r.deliveredLines > 0)
        .sort((a, b) => b.deliveredLines - a.deliveredLines)
        .slice(0, 12)
        .map((r) => ({ name: label(r).slice(0, 28), rate: Math.round((r.returnRate ?? 0) * 1000) / 10, flagged: r.flagged ? 1 : 0 })),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [q.data],
  );
  const exportCsv = () =>
    downloadCsv(`return-rates-by-${by}.csv`, ['shop', 'type', 'id', 'name', 'orders', 'delivered_lines', 'returns', 'return_rate', 'refund_rate', 'complaint_rate', 'dispute_rate', 'baseline', 'q_value', 'flagged', 'excluded', 'fault_seller', 'fault_carrier', 'fault_buyer', 'fault_platform'], (q.data?.items ?? []).map((r) => [r.shopId, r.sourceType, r.sourceId, r.name, r.orders, r.deliveredLines, r.returns, r.returnRate, r.refundRate, r.complaintRate, r.disputeRate, r.baseline, r.qValue, r.flagged, r.excluded, r.fault.seller, r.fault.carrier, r.fault.buyer, r.fault.platform]));
  return (
    <QueryState query={q}>
      {(data) => (
        <Stack>
          {chart.length > 0 && (
            <Paper withBorder p="sm">
              <Text size="sm" fw={600} mb="xs">{t('chart.rateBy', { by: t(`by.${by}`) })}</Text>
              <BarChart h={240} data={chart} dataKey="name" series={[{ name: 'rate', label: t('metrics.return_rate'), color: 'blue.6' }]} unit="%" getBarColor={(v) => (chart.find((c) => c.rate === v)?.flagged ? 'red.6' : 'blue.6')} xAxisProps={{ interval: 0, angle: -25, textAnchor: 'end', height: 70, fontSize: 10 }} />
            </Paper>
          )}
          <Group justify="flex-end">
            <Button size="xs" variant="default" leftSection={<IconDownload size={14} />} onClick={exportCsv} data-testid={`export-${by}`}>{t('exportCsv')}</Button>
          </Group>
          <ScrollArea>
            <Table striped highlightOnHover miw={900} data-testid={`rates-${by}`}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t(`by.${by}`)}</Table.Th>
                  {by === 'source' && <Table.Th>{t('cols.type')}</Table.Th>}
                  <Table.Th>{t('cols.orders')}</Table.Th>
                  <Table.Th>{t('cols.returns')}</Table.Th>
                  <Table.Th><Group gap={2} wrap="nowrap">{t('metrics.return_rate')}<Definition metric="return_rate" /></Group></Table.Th>
                  <Table.Th><Group gap={2} wrap="nowrap">{t('metrics.refund_rate')}<Definition metric="refund_rate" /></Group></Table.Th>
                  <Table.Th><Group gap={2} wrap="nowrap">{t('metrics.complaint_rate')}<Definition metric="complaint_rate" /></Group></Table.Th>
                  <Table.Th><Group gap={2} wrap="nowrap">{t('metrics.dispute_rate')}<Definition metric="dispute_rate" /></Group></Table.Th>
                  <Table.Th>{t('cols.baseline')}</Table.Th>
                  <Table.Th>{t('cols.fault')}</Table.Th>
                  <Table.Th><Group gap={2} wrap="nowrap">{t('cols.status')}<Definition metric="flag" /></Group></Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((r) => (
                  <Table.Tr key={r.key} data-testid="rate-row" data-flagged={r.flagged ? 'true' : 'false'}>
                    <Table.Td maw={280}><Text size="sm" truncate="end">{label(r)}</Text></Table.Td>
                    {by === 'source' && <Table.Td>{t(`sourceTypes.${r.sourceType ?? 'organic'}`)}</Table.Td>}
                    <Table.Td>{fmt.number(r.orders)}</Table.Td>
                    <Table.Td>{fmt.number(r.returns)}</Table.Td>
                    <Table.Td fw={r.flagged ? 700 : undefined} c={r.flagged ? 'red' : undefined}>{pct(r.returnRate)}</Table.Td>
                    <Table.Td>{pct(r.refundRate)}</Table.Td>
                    <Table.Td>{pct(r.complaintRate)}</Table.Td>
                    <Table.Td>{pct(r.disputeRate)}</Table.Td>
                    <Table.Td>{pct(r.baseline)}</Table.Td>
                    <Table.Td><Text size="xs">{t('faultShort', r.fault)}</Text></Table.Td>
                    <Table.Td><StatusBadge r={r} /></Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        {by === 'source' && onDrill && r.shopId && (
                          <Button size="compact-xs" variant="light" leftSection={<IconListDetails size={12} />} onClick={() => onDrill(r)} data-testid="drill">{t('drill')}</Button>
                        )}
                        {by === 'source' && r.flagged && !r.excluded && r.sourceType !== 'organic' && (
                          <Button size="compact-xs" color="red" variant="outline" loading={exclude.isPending} onClick={() => exclude.mutate(r)} data-testid="exclude">{t('exclude')}</Button>
                        )}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        </Stack>
      )}
    </QueryState>
  );
}

function WeeklyChart({ f, source }: { f: Filters; source?: { shopId: string; sourceType: string; sourceId: string } }) {
  const { t } = useTranslation('analytics');
  const fmt = useFormat();
  const q = useWeekly(f, source);
  return (
    <QueryState query={q}>
      {(data) => (
        <Paper withBorder p="sm">
          <Group gap={4} mb="xs">
            <Text size="sm" fw={600}>{t('chart.weekly')}</Text>
            <Definition metric="provisional" />
          </Group>
          <LineChart
            h={200}
            data={data.items.map((w) => ({ week: fmt.date(w.week), rate: w.returnRate === null ? null : Math.round(w.returnRate * 1000) / 10, provisional: w.provisional }))}
            dataKey="week"
            unit="%"
            series={[{ name: 'rate', label: t('metrics.return_rate'), color: 'indigo.6' }]}
            referenceLines={data.annotations.map((a) => ({ x: fmt.date(a.startsAt.slice(0, 10)), label: a.title, color: a.kind === 'incident' ? 'red.6' : 'gray.6' }))}
            connectNulls
          />
          <Text size="xs" c="dimmed">{t('provisionalNote', { n: data.items.filter((w) => w.provisional).length })}</Text>
        </Paper>
      )}
    </QueryState>
  );
}

function DrillDrawer({ row, f, onClose }: { row: RateRow | null; f: Filters; onClose: () => void }) {
  const { t } = useTranslation('analytics');
  const fmt = useFormat();
  const [returnsOnly, setReturnsOnly] = useState(true);
  const q = useDrill(row?.shopId ?? '', row?.sourceType ?? '', row?.sourceId ?? '', f);
  const items = (q.data ?? []).filter((x) => !returnsOnly || x.returned);
  return (
    <Drawer opened={!!row} onClose={onClose} position="right" size="xl" title={row?.name ?? row?.sourceId ?? ''} data-testid="drill-drawer">
      {row && (
        <Stack>
          <WeeklyChart f={f} source={{ shopId: row.shopId!, sourceType: row.sourceType!, sourceId: row.sourceId ?? '' }} />
          {row.commentComplaints !== undefined && (
            <Text size="sm" data-testid="drill-comment-complaints">
              {t('commentComplaints', { count: row.commentComplaints })}
            </Text>
          )}
          <Group justify="space-between">
            <Switch label={t('returnsOnly')} checked={returnsOnly} onChange={(e) => setReturnsOnly(e.currentTarget.checked)} />
            <Button size="xs" variant="default" leftSection={<IconDownload size={14} />} onClick={() => downloadCsv('drilldown.csv', ['order', 'line', 'product', 'placed', 'delivered', 'returned', 'refunded', 'refund_minor', 'currency', 'reason', 'fault', 'ticket', 'provenance'], (q.data ?? []).map((x) => [x.orderId, x.orderLineId, x.productName, x.placedAt, x.deliveredAt, x.returned, x.refunded, x.refundAmount, x.currency, x.reason, x.faultOwner, x.complained, x.provenance]))}>
              {t('exportCsv')}
            </Button>
          </Group>
          <QueryState query={q}>
            {() => (
              <ScrollArea>
                <Table miw={700} data-testid="drill-table">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('cols.product')}</Table.Th>
                      <Table.Th>{t('cols.placed')}</Table.Th>
                      <Table.Th>{t('cols.reason')}</Table.Th>
                      <Table.Th>{t('cols.faultOwner')}</Table.Th>
                      <Table.Th>{t('cols.refund')}</Table.Th>
                      <Table.Th>{t('cols.ticket')}</Table.Th>
                      <Table.Th>{t('cols.provenance')}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {items.map((x) => (
                      <Table.Tr key={x.orderLineId} data-testid="drill-row">
                        <Table.Td>{x.productName}</Table.Td>
                        <Table.Td>{fmt.date(x.placedAt)}</Table.Td>
                        <Table.Td>{x.returned ? (x.reason ?? '—') : t('notReturned')}</Table.Td>
                        <Table.Td>{x.faultOwner ? t(`fault.${x.faultOwner}`) : '—'}</Table.Td>
                        <Table.Td>{x.refunded ? fmt.money(x.refundAmount, x.currency) : '—'}</Table.Td>
                        <Table.Td>{x.complained ? t('yes') : '—'}</Table.Td>
                        <Table.Td>{t(`provenance.${x.provenance}`)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </ScrollArea>
            )}
          </QueryState>
        </Stack>
      )}
    </Drawer>
  );
}

function TrendsTab({ f }: { f: Filters }) {
  const { t } = useTranslation('analytics');
  const q = useTrends(f);
  const create = useApiMutation({
    mutationFn: (r: ReasonTrendRow) =>
      api.post('/api/feedback-tasks', {
        shopId: r.shopId,
        kind: r.sourceType === 'ad_campaign' ? 'ad_copy' : r.sourceType === 'organic' ? 'listing' : 'creator_content',
        title: t('taskTitle', { n: r.returns, reason: r.reason, product: r.productName, source: r.sourceName ?? t(`sourceTypes.${r.sourceType}`) }),
        // Buyer messages stay in their tickets (erasable there); the task names product, reason and source.
        body: t('taskBody', { n: r.returns, reason: r.reason, product: r.productName }),
        aboutType: r.sourceType,
        ...(r.sourceId ? { about: r.sourceId } : {}),
      }),
    invalidate: [analyticsKeys.tasks],
    success: t('taskCreated'),
  });
  return (
    <QueryState query={q}>
      {(items) => (
        <Stack>
          <Group justify="flex-end">
            <Button size="xs" variant="default" leftSection={<IconDownload size={14} />} onClick={() => downloadCsv('reason-trends.csv', ['shop', 'product', 'reason', 'source_type', 'source_id', 'source', 'returns', 'examples'], items.map((r) => [r.shopId, r.productName, r.reason, r.sourceType, r.sourceId, r.sourceName, r.returns, r.examples.join(' | ')]))}>{t('exportCsv')}</Button>
          </Group>
          <ScrollArea>
            <Table miw={700}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('cols.product')}</Table.Th>
                  <Table.Th>{t('cols.reason')}</Table.Th>
                  <Table.Th>{t('cols.source')}</Table.Th>
                  <Table.Th>{t('cols.returns')}</Table.Th>
                  <Table.Th>{t('cols.examples')}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((r) => (
                  <Table.Tr key={`${r.shopId}|${r.productId}|${r.reason}|${r.sourceId}`}>
                    <Table.Td>{r.productName}</Table.Td>
                    <Table.Td>{r.reason}</Table.Td>
                    <Table.Td>{r.sourceName ?? t(`sourceTypes.${r.sourceType}`)}</Table.Td>
                    <Table.Td>{r.returns}</Table.Td>
                    <Table.Td maw={260}><Text size="xs" lineClamp={2}>{r.examples.join(' · ') || '—'}</Text></Table.Td>
                    <Table.Td><Button size="compact-xs" variant="light" onClick={() => create.mutate(r)}>{t('createTask')}</Button></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        </Stack>
      )}
    </QueryState>
  );
}

function TasksTab() {
  const { t } = useTranslation('analytics');
  const fmt = useFormat();
  const q = useTasks();
  const users = useUsers();
  const update = useApiMutation({ mutationFn: (v: { id: string; status?: string; assigneeId?: string | null }) => api.patch(`/api/feedback-tasks/${v.id}`, { ...(v.status ? { status: v.status } : {}), ...(v.assigneeId !== undefined ? { assigneeId: v.assigneeId } : {}) }), invalidate: [analyticsKeys.tasks] });
  return (
    <QueryState query={q}>
      {(items) => (
        <Stack>
          <Group justify="flex-end">
            <Button size="xs" variant="default" leftSection={<IconDownload size={14} />} onClick={() => downloadCsv('feedback-tasks.csv', ['id', 'kind', 'title', 'status', 'assignee', 'created', 'done'], items.map((x) => [x.id, x.kind, x.title, x.status, x.assigneeId, x.createdAt, x.doneAt]))}>{t('exportCsv')}</Button>
          </Group>
          {items.length === 0 && <Text c="dimmed">{t('noTasks')}</Text>}
          <ScrollArea>
            <Table miw={700}>
              <Table.Tbody>
                {items.map((x) => (
                  <Table.Tr key={x.id}>
                    <Table.Td><Badge variant="light">{t(`kinds.${x.kind}`)}</Badge></Table.Td>
                    <Table.Td><Text size="sm">{x.title}</Text><Text size="xs" c="dimmed">{fmt.date(x.createdAt)}</Text></Table.Td>
                    <Table.Td w={180}>
                      <Select size="xs" placeholder={t('assign')} clearable data={(users.data ?? []).map((u) => ({ value: u.id, label: u.name }))} value={x.assigneeId} onChange={(v) => update.mutate({ id: x.id, assigneeId: v })} />
                    </Table.Td>
                    <Table.Td w={260}>
                      <SegmentedControl size="xs" value={x.status} onChange={(v) => update.mutate({ id: x.id, status: v })} data={(['open', 'in_progress', 'done'] as const).map((s) => ({ value: s, label: t(`taskStatus.${s}`) }))} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        </Stack>
      )}
    </QueryState>
  );
}

function ExclusionsTab() {
  const { t } = useTranslation('analytics');
  const fmt = useFormat();
  const q = useExclusions();
  return (
    <QueryState query={q}>
      {(items) => (
        <Stack>
          <Group justify="flex-end">
            <Button size="xs" variant="default" leftSection={<IconDownload size={14} />} onClick={() => downloadCsv('excluded-sources.csv', ['shop', 'type', 'id', 'name', 'excluded_at'], items.map((x) => [x.shopId, x.sourceType, x.sourceId, x.sourceName, x.excludedAt]))}>{t('exportCsv')}</Button>
          </Group>
          {items.length === 0 && <Text c="dimmed">{t('noExclusions')}</Text>}
          <Table>
            <Table.Tbody>
              {items.map((x) => (
                <Table.Tr key={x.id}>
                  <Table.Td>{t(`sourceTypes.${x.sourceType}`)}</Table.Td>
                  <Table.Td>{x.sourceName ?? x.sourceId}</Table.Td>
                  <Table.Td>{fmt.date(x.excludedAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      )}
    </QueryState>
  );
}

function HealthTab({ f }: { f: Filters }) {
  const { t } = useTranslation('analytics');
  const fmt = useFormat();
  const health = useShopHealth();
  const ops = useOperations(f);
  const shops = useShops();
  const shopName = (id: string) => shops.data?.find((s) => s.id === id)?.name ?? id;
  const val = (metric: string, v: number | null) => (v === null ? '—' : metric === 'csat_average' ? fmt.number(v, 2) : fmt.percent(v, 1));
  const color = { ok: 'teal', near: 'yellow', crossed: 'red', unknown: 'gray' } as const;
  return (
    <Stack>
      <QueryState query={health}>
        {(items) => (
          <Stack>
            <Group justify="flex-end">
              <Button size="xs" variant="default" leftSection={<IconDownload size={14} />} onClick={() => downloadCsv('shop-health.csv', ['shop', 'market', 'metric', 'value', 'limit', 'state', 'source'], items.flatMap((h) => h.metrics.map((m) => [h.shopId, h.market, m.metric, m.value, m.limit, m.state, m.source])))}>{t('exportCsv')}</Button>
            </Group>
            {items.map((h) => (
              <Paper withBorder p="sm" key={h.shopId} data-testid="health-shop">
                <Text fw={600} mb="xs">{shopName(h.shopId)} · {h.market}</Text>
                <ScrollArea>
                  <Table miw={640}>
                    <Table.Tbody>
                      {h.metrics.map((m) => (
                        <Table.Tr key={m.metric}>
                          <Table.Td>{t(`health.${m.metric}`)}</Table.Td>
                          <Table.Td>{val(m.metric, m.value)}</Table.Td>
                          <Table.Td>{t('health.limit', { limit: val(m.metric, m.limit) })}</Table.Td>
                          <Table.Td><Badge color={color[m.state]}>{t(`health.state.${m.state}`)}</Badge></Table.Td>
                          <Table.Td maw={260}><Text size="xs" c="dimmed" lineClamp={2}>{m.source}</Text></Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </ScrollArea>
                <Text size="xs" c="dimmed">{t('health.platform', { response: h.platform.responsePct ?? '—', minutes: h.platform.responseTimeMins ?? '—', satisfaction: h.platform.satisfactionPct ?? '—' })} {t('health.noRating')}</Text>
              </Paper>
            ))}
          </Stack>
        )}
      </QueryState>
      <QueryState query={ops}>
        {(o) => (
          <Paper withBorder p="sm">
            <Group justify="space-between" mb="xs">
              <Text fw={600}>{t('ops.title')}</Text>
              <Button size="xs" variant="default" leftSection={<IconDownload size={14} />} onClick={() => downloadCsv('sla-attainment.csv', ['dimension', 'key', 'label', 'metric', 'met', 'breached', 'attainment'], o.sla.map((r) => [r.dimension, r.key, r.label, r.metric, r.met, r.breached, r.attainment]))}>{t('exportCsv')}</Button>
            </Group>
            <ScrollArea>
              <Table miw={560}>
                <Table.Tbody>
                  {o.sla.map((r) => (
                    <Table.Tr key={`${r.dimension}|${r.key}|${r.metric}`}>
                      <Table.Td>{t(`ops.dim.${r.dimension}`)}</Table.Td>
                      <Table.Td>{r.dimension === 'promise' ? `${r.key} min` : r.dimension === 'shop' ? shopName(r.key) : (r.label ?? r.key)}</Table.Td>
                      <Table.Td>{t(`ops.metric.${r.metric}`)}</Table.Td>
                      <Table.Td>{r.attainment === null ? '—' : fmt.percent(r.attainment, 1)}</Table.Td>
                      <Table.Td><Text size="xs" c="dimmed">{t('ops.counts', { met: r.met, breached: r.breached })}</Text></Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollArea>
          </Paper>
        )}
      </QueryState>
    </Stack>
  );
}

export function AnalyticsPage() {
  const { t } = useTranslation('analytics');
  const [f, setF] = useState<Filters>(() => ({ shopId: null, market: null, sourceType: null, from: ymd(Date.now() - 90 * DAY), to: ymd(Date.now() + DAY) }));
  const [drill, setDrill] = useState<RateRow | null>(null);
  const sources = useReport('source', f);
  const flagged = (sources.data?.items ?? []).filter((r) => r.flagged && !r.excluded);
  // One livestream or video can sell in several shops: with no shop chosen, each line names its shop.
  const shopList = useShops();
  const shopNames = new Map((shopList.data ?? []).map((s) => [s.id, s.name]));
  const shopOf = (r: RateRow) => (!f.shopId && shopNames.size > 1 && r.shopId && shopNames.get(r.shopId) ? `${shopNames.get(r.shopId)} · ` : '');
  // A link from elsewhere (a video comment ticket) opens one source: ?shop=…&sourceType=…&sourceId=…
  const [params] = useSearchParams();
  const linked = useRef(false);
  useEffect(() => {
    const id = params.get('sourceId');
    if (linked.current || !id || !sources.data) return;
    linked.current = true;
    const row = sources.data.items.find((r) => r.sourceId === id && r.sourceType === params.get('sourceType') && (!params.get('shop') || r.shopId === params.get('shop')));
    if (row) setDrill(row);
  }, [sources.data, params]);
  return (
    <Stack>
      <PageHeader
        title={t('title')}
        description={t('description')}
        actions={
          <Button component="a" href={recommendationsCsvUrl(f)} download="exclusions.csv" leftSection={<IconDownload size={16} />} color="red" variant="light" data-testid="export-exclusions">
            {t('exportExclusions')}
          </Button>
        }
      />
      <FiltersBar f={f} set={setF} />
      {flagged.length > 0 && (
        <Alert color="red" icon={<IconAlertTriangle />} title={t('flaggedTitle', { count: flagged.length })} data-testid="flagged-alert">
          <Stack gap={2}>
            {flagged.map((r) => (
              <Anchor key={r.key} size="sm" onClick={() => setDrill(r)} data-testid="flagged-source">
                {shopOf(r)}
                {r.name ?? r.sourceId} — {t('flaggedLine', { rate: Math.round((r.returnRate ?? 0) * 1000) / 10, baseline: Math.round((r.baseline ?? 0) * 1000) / 10, orders: r.orders })}
              </Anchor>
            ))}
          </Stack>
        </Alert>
      )}
      <Tabs defaultValue="sources" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="sources">{t('tabs.sources')}</Tabs.Tab>
          <Tabs.Tab value="products">{t('tabs.products')}</Tabs.Tab>
          <Tabs.Tab value="reasons">{t('tabs.reasons')}</Tabs.Tab>
          <Tabs.Tab value="tasks">{t('tabs.tasks')}</Tabs.Tab>
          <Tabs.Tab value="exclusions">{t('tabs.exclusions')}</Tabs.Tab>
          <Tabs.Tab value="health">{t('tabs.health')}</Tabs.Tab>
          <Tabs.Tab value="outcomes" data-testid="tab-outcomes">{t('tabs.outcomes')}</Tabs.Tab>
          <Tabs.Tab value="reconciliation" data-testid="tab-reconciliation">{t('tabs.reconciliation')}</Tabs.Tab>
          <Tabs.Tab value="ads" data-testid="tab-ads">{t('tabs.ads')}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="sources" pt="md">
          <Stack>
            <WeeklyChart f={f} />
            <Title order={4}>{t('bySourceTitle')}</Title>
            <RatesTable by="source" f={f} onDrill={setDrill} />
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="products" pt="md"><RatesTable by="product" f={f} /></Tabs.Panel>
        <Tabs.Panel value="reasons" pt="md"><TrendsTab f={f} /></Tabs.Panel>
        <Tabs.Panel value="tasks" pt="md"><TasksTab /></Tabs.Panel>
        <Tabs.Panel value="exclusions" pt="md"><ExclusionsTab /></Tabs.Panel>
        <Tabs.Panel value="health" pt="md"><HealthTab f={f} /></Tabs.Panel>
        <Tabs.Panel value="outcomes" pt="md"><OutcomesTab f={f} /></Tabs.Panel>
        <Tabs.Panel value="reconciliation" pt="md"><ReconciliationTab f={f} /></Tabs.Panel>
        <Tabs.Panel value="ads" pt="md"><AdsTab f={f} /></Tabs.Panel>
      </Tabs>
      <DrillDrawer row={drill} f={f} onClose={() => setDrill(null)} />
    </Stack>
  );
}
