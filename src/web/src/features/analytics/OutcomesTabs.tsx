import { ActionIcon, Alert, Badge, Button, Center, Group, HoverCard, Loader, NumberInput, Paper, ScrollArea, SegmentedControl, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { BarChart, DonutChart } from '@mantine/charts';
import { IconDownload, IconInfoCircle } from '@tabler/icons-react';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { useErrorMessage } from '../../lib/errors';
import { useFormat } from '../../lib/format';
import { useApiMutation } from '../../lib/mutation';
import { downloadCsv, reconciliationCsvUrl, useOutcomes, useReconciliation, type Filters } from './api';

/** Loading, error or the data (shared by the analytics tabs). */
export function QueryState<T>({ query, children }: { query: { isPending: boolean; error: unknown; data: T | undefined }; children: (data: T) => ReactNode }) {
  const message = useErrorMessage();
  if (query.isPending)
    return (
      <Center py="md">
        <Loader size="sm" />
      </Center>
    );
  if (query.error || query.data === undefined) return <Alert color="red">{message(query.error)}</Alert>;
  return <>{children(query.data)}</>;
}

type OutcomeMetric = 'cycle_time' | 'cost_share' | 'coupon_roi' | 'dispute_win_rate' | 'appeal_success' | 'review_rate' | 'csat' | 'reconciliation';

/** The written definition of an outcome metric, beside the number. */
export function OutcomeDefinition({ metric }: { metric: OutcomeMetric }) {
  const { t } = useTranslation('analytics');
  return (
    <HoverCard width={340} shadow="md" withinPortal>
      <HoverCard.Target>
        <ActionIcon variant="subtle" size="xs" aria-label={t('definition')} data-testid={`def-${metric}`}>
          <IconInfoCircle size={14} />
        </ActionIcon>
      </HoverCard.Target>
      <HoverCard.Dropdown>
        <Text size="sm" fw={600}>{t(`outcomes.metrics.${metric}`)}</Text>
        {(['numerator', 'denominator', 'window', 'exclusions'] as const).map((k) => (
          <Text size="xs" key={k}>
            <b>{t(`defs.${k}`)}:</b> {t(`outcomes.definitions.${metric}.${k}`)}
          </Text>
        ))}
      </HoverCard.Dropdown>
    </HoverCard>
  );
}

function Stat({ label, value, sub, metric, testId }: { label: string; value: string; sub?: string; metric: OutcomeMetric; testId: string }) {
  return (
    <Paper withBorder p="sm" data-testid={testId}>
      <Group gap={4} wrap="nowrap">
        <Text size="xs" c="dimmed">{label}</Text>
        <OutcomeDefinition metric={metric} />
      </Group>
      <Text fw={700} size="xl">{value}</Text>
      {sub && <Text size="xs" c="dimmed">{sub}</Text>}
    </Paper>
  );
}

/** Cycle time by step against the target, cost share, coupon ROI, dispute / appeal / review rates, CSAT. */
export function OutcomesTab({ f }: { f: Filters }) {
  const { t } = useTranslation('analytics');
  const fmt = useFormat();
  const q = useOutcomes(f);
  const [target, setTarget] = useState<number | string>('');
  const save = useApiMutation({
    mutationFn: (days: number) => api.put('/api/analytics/settings', { cycleTargetDays: days }),
    invalidate: [['analytics', 'outcomes']],
    success: t('outcomes.targetSaved'),
  });
  // Per-step targets in hours: only the edited steps are sent; an emptied field removes the target.
  const [stepEdits, setStepEdits] = useState<Record<string, number | null>>({});
  const saveSteps = useApiMutation({
    mutationFn: (edits: Record<string, number | null>) => api.put('/api/analytics/settings', { stepTargetHours: edits }),
    invalidate: [['analytics', 'outcomes']],
    success: t('outcomes.targetSaved'),
    onSuccess: () => setStepEdits({}),
  });
  const pct = (v: number | null) => (v === null ? '—' : fmt.percent(v));
  const hours = (v: number | null) => (v === null ? '—' : fmt.duration(v * 3_600_000));
  return (
    <QueryState query={q}>
      {(o) => {
        const total = o.cycle.steps.find((s) => s.step === 'request_to_refund');
        const chart = o.cycle.steps.filter((s) => s.step !== 'request_to_refund').map((s) => ({ step: t(`outcomes.steps.${s.step}`), p50: s.p50Hours ?? 0, p90: s.p90Hours ?? 0 }));
        return (
          <Stack>
            <SimpleGrid cols={{ base: 2, md: 4 }} spacing="xs">
              <Stat testId="stat-cycle" metric="cycle_time" label={t('outcomes.withinTarget', { days: o.cycle.targetDays })} value={pct(total?.withinTarget ?? null)} sub={t('outcomes.cycleSub', { p50: hours(total?.p50Hours ?? null), p90: hours(total?.p90Hours ?? null), n: total?.n ?? 0 })} />
              <Stat testId="stat-disputes" metric="dispute_win_rate" label={t('outcomes.metrics.dispute_win_rate')} value={pct(o.disputes.winRate)} sub={t('outcomes.decided', { won: o.disputes.won, lost: o.disputes.lost, open: o.disputes.open })} />
              <Stat testId="stat-appeals" metric="appeal_success" label={t('outcomes.metrics.appeal_success')} value={pct(o.appeals.successRate)} sub={t('outcomes.decided', { won: o.appeals.won, lost: o.appeals.lost, open: o.appeals.open })} />
              <Stat testId="stat-reviews" metric="review_rate" label={t('outcomes.metrics.review_rate')} value={o.reviewRate === null ? t('outcomes.notAvailable') : pct(o.reviewRate)} />
            </SimpleGrid>

            <Paper withBorder p="sm">
              <Group justify="space-between" mb="xs" wrap="wrap">
                <Group gap={4}>
                  <Text fw={600}>{t('outcomes.cycleTitle')}</Text>
                  <OutcomeDefinition metric="cycle_time" />
                </Group>
                <Group gap="xs" align="end">
                  <NumberInput size="xs" w={120} min={1} max={60} label={t('outcomes.target')} placeholder={String(o.cycle.targetDays)} value={target} onChange={setTarget} data-testid="cycle-target" />
                  <Button size="xs" variant="default" disabled={typeof target !== 'number'} loading={save.isPending} onClick={() => typeof target === 'number' && save.mutate(target)}>{t('outcomes.saveTarget')}</Button>
                </Group>
              </Group>
              {o.cycle.steps.every((s) => s.n === 0) && <Text c="dimmed" size="sm">{t('outcomes.none')}</Text>}
              {o.cycle.steps.some((s) => s.n > 0) && <BarChart h={220} data={chart} dataKey="step" unit=" h" series={[{ name: 'p50', label: 'p50', color: 'blue.6' }, { name: 'p90', label: 'p90', color: 'orange.5' }]} xAxisProps={{ fontSize: 10 }} />}
              <ScrollArea>
                <Table fz="sm" mt="xs">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('outcomes.step')}</Table.Th>
                      <Table.Th>n</Table.Th>
                      <Table.Th>p50</Table.Th>
                      <Table.Th>p90</Table.Th>
                      <Table.Th>{t('outcomes.stepTarget')}</Table.Th>
                      <Table.Th>{t('outcomes.stepWithin')}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {o.cycle.steps.map((s) => (
                      <Table.Tr key={s.step} data-testid={`cycle-step-${s.step}`}>
                        <Table.Td>{t(`outcomes.steps.${s.step}`)}</Table.Td>
                        <Table.Td>{s.n}</Table.Td>
                        <Table.Td>{hours(s.p50Hours)}</Table.Td>
                        <Table.Td>{hours(s.p90Hours)}</Table.Td>
                        <Table.Td>
                          {s.step === 'request_to_refund' ? (
                            hours(s.targetHours)
                          ) : (
                            <NumberInput
                              size="xs"
                              w={90}
                              min={1}
                              max={1440}
                              suffix=" h"
                              aria-label={t('outcomes.stepTargetFor', { step: t(`outcomes.steps.${s.step}`) })}
                              placeholder={t('outcomes.noTarget')}
                              value={s.step in stepEdits ? (stepEdits[s.step] ?? '') : (s.targetHours ?? '')}
                              onChange={(v) => setStepEdits((e) => ({ ...e, [s.step]: typeof v === 'number' ? v : null }))}
                              data-testid={`step-target-${s.step}`}
                            />
                          )}
                        </Table.Td>
                        <Table.Td>{s.withinTarget === null ? '—' : <Badge variant="light" color={s.withinTarget >= 0.9 ? 'green' : s.withinTarget >= 0.7 ? 'yellow' : 'red'}>{pct(s.withinTarget)}</Badge>}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </ScrollArea>
              <Group justify="flex-end" mt="xs">
                <Button size="xs" variant="default" disabled={Object.keys(stepEdits).length === 0} loading={saveSteps.isPending} onClick={() => saveSteps.mutate(stepEdits)} data-testid="save-step-targets">
                  {t('outcomes.saveStepTargets')}
                </Button>
              </Group>
            </Paper>

            <Paper withBorder p="sm" data-testid="cost-share">
              <Group justify="space-between" mb="xs">
                <Group gap={4}>
                  <Text fw={600}>{t('outcomes.costTitle')}</Text>
                  <OutcomeDefinition metric="cost_share" />
                </Group>
                <Button size="xs" variant="default" leftSection={<IconDownload size={14} />} onClick={() => downloadCsv('after-sales-cost.csv', ['currency', 'revenue', 'refunds', 'reships', 'coupons', 'return_shipping', 'total', 'share'], o.cost.map((c) => [c.currency, c.revenue, c.refunds, c.reships, c.coupons, c.returnShipping, c.total, c.share]))}>{t('exportCsv')}</Button>
              </Group>
              {o.cost.length === 0 && <Text c="dimmed" size="sm">{t('outcomes.none')}</Text>}
              {o.cost.length > 0 && (
                <BarChart h={180} data={o.cost.map((c) => ({ currency: `${c.currency} · ${pct(c.share)}`, refunds: c.refunds / 100, reships: c.reships / 100, coupons: c.coupons / 100, returnShipping: c.returnShipping / 100 }))} dataKey="currency" type="stacked" orientation="vertical" yAxisProps={{ width: 110 }}
                  series={[{ name: 'refunds', label: t('outcomes.parts.refunds'), color: 'red.6' }, { name: 'reships', label: t('outcomes.parts.reships'), color: 'orange.5' }, { name: 'coupons', label: t('outcomes.parts.coupons'), color: 'grape.5' }, { name: 'returnShipping', label: t('outcomes.parts.returnShipping'), color: 'gray.5' }]} />
              )}
              <ScrollArea>
                <Table fz="sm" mt="xs">
                  <Table.Tbody>
                    {o.cost.map((c) => (
                      <Table.Tr key={c.currency}>
                        <Table.Td>{c.currency}</Table.Td>
                        <Table.Td>{t('outcomes.costLine', { total: fmt.money(c.total, c.currency), revenue: fmt.money(c.revenue, c.currency) })}</Table.Td>
                        <Table.Td><Badge variant="light" color={c.share !== null && c.share > 0.1 ? 'red' : 'teal'}>{pct(c.share)}</Badge></Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </ScrollArea>
            </Paper>

            <Paper withBorder p="sm" data-testid="coupon-roi">
              <Group justify="space-between" mb="xs">
                <Group gap={4}>
                  <Text fw={600}>{t('outcomes.couponTitle')}</Text>
                  <OutcomeDefinition metric="coupon_roi" />
                </Group>
                <Button size="xs" variant="default" leftSection={<IconDownload size={14} />} onClick={() => downloadCsv('coupon-roi.csv', ['programme', 'kind', 'shop', 'currency', 'issued', 'redeemed', 'cost', 'revenue', 'redemption_rate', 'roi'], o.coupons.map((c) => [c.name, c.kind, c.shopId, c.currency, c.issued, c.redeemed, c.cost, c.revenue, c.redemptionRate, c.roi]))}>{t('exportCsv')}</Button>
              </Group>
              {o.coupons.length === 0 && <Text c="dimmed" size="sm">{t('outcomes.none')}</Text>}
              {o.coupons.length > 0 && (
                <ScrollArea>
                  <Table fz="sm">
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>{t('outcomes.programme')}</Table.Th>
                        <Table.Th>{t('outcomes.redeemed')}</Table.Th>
                        <Table.Th>{t('outcomes.discount')}</Table.Th>
                        <Table.Th>{t('outcomes.orderValue')}</Table.Th>
                        <Table.Th>ROI</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {o.coupons.map((c) => (
                        <Table.Tr key={`${c.programmeId}-${c.shopId}-${c.currency}`}>
                          <Table.Td>{c.name}</Table.Td>
                          <Table.Td>{c.redeemed} / {c.issued} ({pct(c.redemptionRate)})</Table.Td>
                          <Table.Td>{fmt.money(c.cost, c.currency)}</Table.Td>
                          <Table.Td>{fmt.money(c.revenue, c.currency)}</Table.Td>
                          <Table.Td>{c.roi === null ? '—' : `${fmt.number(c.roi, 1)}×`}</Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </ScrollArea>
              )}
            </Paper>

            <Paper withBorder p="sm" data-testid="csat">
              <Group justify="space-between" mb="xs">
                <Group gap={4}>
                  <Text fw={600}>{t('outcomes.csatTitle', { average: o.csat.average ?? '—', answered: o.csat.answered, asked: o.csat.asked })}</Text>
                  <OutcomeDefinition metric="csat" />
                </Group>
                <Button size="xs" variant="default" leftSection={<IconDownload size={14} />} onClick={() => downloadCsv('csat.csv', ['dimension', 'key', 'label', 'answered', 'average', 'satisfied'], o.csat.rows.map((r) => [r.dimension, r.key, r.label, r.answered, r.average, r.satisfied]))}>{t('exportCsv')}</Button>
              </Group>
              {o.csat.rows.length === 0 && <Text c="dimmed" size="sm">{t('outcomes.noCsat')}</Text>}
              {o.csat.rows.length > 0 && (
                <ScrollArea>
                  <Table fz="sm">
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>{t('outcomes.dimension')}</Table.Th>
                        <Table.Th>{t('outcomes.key')}</Table.Th>
                        <Table.Th>{t('outcomes.answered')}</Table.Th>
                        <Table.Th>{t('outcomes.average')}</Table.Th>
                        <Table.Th>{t('outcomes.satisfied')}</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {o.csat.rows.map((r) => (
                        <Table.Tr key={`${r.dimension}-${r.key}`}>
                          <Table.Td>{t(`outcomes.dimensions.${r.dimension}`)}</Table.Td>
                          <Table.Td>{r.dimension === 'channel' ? t(`outcomes.channels.${r.key}`, { defaultValue: r.key }) : r.dimension === 'agent' && r.key === '-' ? t('outcomes.unassigned') : (r.label ?? r.key)}</Table.Td>
                          <Table.Td>{r.answered}</Table.Td>
                          <Table.Td>{r.average ?? '—'}</Table.Td>
                          <Table.Td>{pct(r.satisfied)}</Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </ScrollArea>
              )}
            </Paper>
          </Stack>
        );
      }}
    </QueryState>
  );
}

const STATUS_COLORS: Record<string, string> = { matched: 'teal.6', amount_differs: 'red.6', missing_on_statement: 'orange.6', not_ours: 'grape.6', awaiting_statement: 'gray.5' };

/** Refunds we paid or approved against the platform's finance statements. */
export function ReconciliationTab({ f }: { f: Filters }) {
  const { t } = useTranslation('analytics');
  const fmt = useFormat();
  const [status, setStatus] = useState<string>('mismatches');
  const q = useReconciliation(f, status === 'mismatches' || status === 'all' ? null : status);
  return (
    <QueryState query={q}>
      {(r) => {
        const items = status === 'mismatches' ? r.items.filter((x) => x.status !== 'matched' && x.status !== 'awaiting_statement') : r.items;
        const donut = Object.entries(r.summary).filter(([, n]) => n > 0).map(([k, n]) => ({ name: t(`recon.status.${k}`), value: n, color: STATUS_COLORS[k] ?? 'gray.5' }));
        return (
          <Stack>
            <Paper withBorder p="sm">
              <Group justify="space-between" wrap="wrap">
                <Group gap={4}>
                  <Text fw={600}>{t('recon.title')}</Text>
                  <OutcomeDefinition metric="reconciliation" />
                </Group>
                <Button size="xs" variant="default" component="a" href={reconciliationCsvUrl(f)} download="refund-reconciliation.csv" leftSection={<IconDownload size={14} />} data-testid="export-recon">{t('exportCsv')}</Button>
              </Group>
              <Group align="center" mt="xs" wrap="wrap">
                {donut.length > 0 && <DonutChart size={120} thickness={18} data={donut} withTooltip />}
                <Stack gap={4}>
                  {Object.entries(r.summary).map(([k, n]) => (
                    <Group gap={6} key={k}>
                      <Badge color={(STATUS_COLORS[k] ?? 'gray').split('.')[0]} variant="light" data-testid={`recon-${k}`}>{n}</Badge>
                      <Text size="sm">{t(`recon.status.${k}`)}</Text>
                    </Group>
                  ))}
                </Stack>
              </Group>
              {r.shopsWithoutStatements.length > 0 && <Text size="xs" c="dimmed" mt="xs">{t('recon.without', { count: r.shopsWithoutStatements.length })}</Text>}
            </Paper>
            <SegmentedControl size="xs" value={status} onChange={setStatus} data={[{ value: 'mismatches', label: t('recon.filter.mismatches') }, { value: 'all', label: t('recon.filter.all') }]} />
            <Paper withBorder p="sm">
              {items.length === 0 && <Text c="dimmed" size="sm">{t('recon.nothing')}</Text>}
              {items.length > 0 && (
                <ScrollArea>
                  <Table fz="sm" data-testid="recon-table">
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>{t('recon.order')}</Table.Th>
                        <Table.Th>SKU</Table.Th>
                        <Table.Th>{t('recon.ours')}</Table.Th>
                        <Table.Th>{t('recon.statement')}</Table.Th>
                        <Table.Th>{t('recon.difference')}</Table.Th>
                        <Table.Th>{t('cols.status')}</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {items.map((x) => (
                        <Table.Tr key={`${x.shopId}-${x.externalOrderId}-${x.skuId}`}>
                          <Table.Td>{x.externalOrderId}</Table.Td>
                          <Table.Td><Text size="xs">{x.skuId}</Text></Table.Td>
                          <Table.Td>{x.ours === null ? '—' : fmt.money(x.ours, x.currency)}</Table.Td>
                          <Table.Td>{x.statement === null ? '—' : fmt.money(x.statement, x.currency)}</Table.Td>
                          <Table.Td c={x.difference === 0 ? undefined : 'red'}>{fmt.money(x.difference, x.currency)}</Table.Td>
                          <Table.Td><Badge size="sm" variant="light" color={(STATUS_COLORS[x.status] ?? 'gray').split('.')[0]}>{t(`recon.status.${x.status}`)}</Badge></Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </ScrollArea>
              )}
            </Paper>
          </Stack>
        );
      }}
    </QueryState>
  );
}
