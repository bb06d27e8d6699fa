import { Alert, Anchor, Badge, Button, Group, Paper, ScrollArea, SegmentedControl, SimpleGrid, Stack, Table, Text, Timeline, Title } from '@mantine/core';
import { IconArrowLeft, IconBuildingWarehouse, IconClockHour4, IconScale, IconPackage, IconReceiptRefund, IconSearch } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, Route, Routes, useParams, useSearchParams } from 'react-router-dom';
import { ReturnActionBar, ReturnContext } from './ReturnActions';
import { api } from '../../lib/api';
import { useFormat } from '../../lib/format';
import { useApiMutation } from '../../lib/mutation';
import { formatMoney } from '../../lib/money';
import { useSession } from '../../lib/session';
import { PageHeader } from '../../shell/PageHeader';
import { QueryState } from '../settings/common';
import { NewReturnButton } from './NewReturn';
import { formatDuration, useCycleStats, useReturn, useReturns, type ReturnView } from './api';

export function ReturnsPage() {
  return (
    <Routes>
      <Route index element={<ReturnList />} />
      <Route path=":id" element={<ReturnDetail />} />
      <Route path="*" element={<Navigate to="/returns" replace />} />
    </Routes>
  );
}

export const STATUS_COLOR: Record<string, string> = {
  awaiting_parcel: 'blue',
  received: 'cyan',
  inspected: 'teal',
  inspection_failed: 'red',
  appeal_open: 'orange',
  closed: 'gray',
  rejected: 'dark',
};
export const REFUND_COLOR: Record<string, string> = { not_due: 'gray', pending: 'yellow', sent: 'green', failed: 'red', not_applicable: 'gray', platform_refunded: 'violet', held: 'red', cancelled: 'gray' };

const FILTERS = ['all', 'inspection_failed', 'awaiting_parcel', 'received', 'appeal_open', 'closed'] as const;

function ReturnList() {
  const { t, i18n } = useTranslation('returns');
  const [params] = useSearchParams();
  const [filter, setFilter] = useState<(typeof FILTERS)[number]>((FILTERS as readonly string[]).includes(params.get('status') ?? '') ? (params.get('status') as (typeof FILTERS)[number]) : 'all');
  const q = useReturns(filter === 'all' ? undefined : filter);
  const { user } = useSession();
  const fmt = useFormat();
  return (
    <Stack gap="md">
      <PageHeader
        title={t('title')}
        description={t('description')}
        actions={
          <>
            {user.role !== 'warehouse' && (
              <Button component={Link} to="/remedies" variant="light" leftSection={<IconScale size={16} />} data-testid="open-remedies">
                {t('nav.remedies')}
              </Button>
            )}
            {user.role !== 'agent' && (
              <Button component={Link} to="/warehouse" leftSection={<IconBuildingWarehouse size={16} />} data-testid="open-warehouse">
                {t('nav.warehouse')}
              </Button>
            )}
          </>
        }
      />
      <CycleStatsBar />
      <Group justify="space-between" gap="sm">
        <ScrollArea type="never" maw="100%">
          <SegmentedControl value={filter} onChange={(v) => setFilter(v as (typeof FILTERS)[number])} data={FILTERS.map((f) => ({ value: f, label: t(`filters.${f}`) }))} w="fit-content" data-testid="returns-filter" />
        </ScrollArea>
        {user.role !== 'warehouse' && (
          <Group gap="xs">
            <ImportButton />
            <NewReturnButton />
          </Group>
        )}
      </Group>
      <QueryState isPending={q.isPending} error={q.error} empty={(q.data ?? []).length === 0} emptyText={t('empty')}>
        <Paper withBorder radius="md">
          <Table.ScrollContainer minWidth={640}>
          <Table highlightOnHover verticalSpacing="sm" data-testid="returns-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('columns.rma')}</Table.Th>
                <Table.Th>{t('columns.reason')}</Table.Th>
                <Table.Th>{t('columns.status')}</Table.Th>
                <Table.Th>{t('columns.refund')}</Table.Th>
                <Table.Th ta="right">{t('columns.amount')}</Table.Th>
                <Table.Th>{t('columns.cycle')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(q.data ?? []).map((r) => (
                <Table.Tr key={r.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/returns/${r.id}`} fw={600}>
                      {r.rma}
                    </Anchor>
                    <Text size="xs" c="dimmed">
                      {t(`channels.${r.channel}`)} · {fmt.date(r.requestedAt)}
                    </Text>
                  </Table.Td>
                  <Table.Td>{r.reason ? t(`reasons.${r.reason.code}`, { defaultValue: r.reason.label }) : t('noReason')}</Table.Td>
                  <Table.Td>
                    <Badge color={STATUS_COLOR[r.status] ?? 'gray'} variant="light">
                      {t(`status.${r.status}`)}
                    </Badge>
                    {r.status === 'inspection_failed' && (user.role === 'owner' || user.role === 'supervisor') && (
                      <Button component={Link} to={`/returns/${r.id}?decide=1`} size="compact-xs" color="red" variant="light" ml={6} data-testid="queue-decide">
                        {t('act.decide')}
                      </Button>
                    )}
                    {r.appeal?.status === 'open' && r.appeal.deadline && (
                      <Text size="xs" c={Date.parse(r.appeal.deadline) - Date.now() < 48 * 3_600_000 ? 'red' : 'dimmed'}>
                        {t('appeal.by', { date: fmt.date(r.appeal.deadline) })}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Badge color={REFUND_COLOR[r.refund.status]} variant="dot">
                      {t(`refund.${r.refund.status}`)}
                    </Badge>
                  </Table.Td>
                  <Table.Td ta="right">{formatMoney(r.refundTotal, r.currency, i18n.language)}</Table.Td>
                  <Table.Td>
                    <CycleCell r={r} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          </Table.ScrollContainer>
        </Paper>
      </QueryState>
    </Stack>
  );
}

function ImportButton() {
  const { t } = useTranslation('returns');
  const [result, setResult] = useState<string | null>(null);
  const importM = useApiMutation({
    mutationFn: () => api.post<{ created: unknown[]; skipped: unknown[]; remaining?: number }>('/api/returns/import-platform', {}),
    invalidate: [['returns']],
    onSuccess: (r) =>
      setResult([t('import.result', { created: r.created.length, skipped: r.skipped.length }), ...(r.remaining ? [t('import.remaining', { count: r.remaining })] : [])].join(' · ')),
    onError: (presented) => setResult(presented.message),
  });
  return (
    <Group gap={6}>
      {result && (
        <Text size="xs" c="dimmed" data-testid="import-result">
          {result}
        </Text>
      )}
      <Button variant="default" loading={importM.isPending} onClick={() => importM.mutate()} data-testid="import-platform">
        {t('import.action')}
      </Button>
    </Group>
  );
}

function CycleStatsBar() {
  const { t } = useTranslation('returns');
  const q = useCycleStats(30);
  const s = q.data;
  if (!s || s.count === 0) return null;
  const slowest = s.slowestSteps[0];
  return (
    <SimpleGrid cols={{ base: 1, sm: 3 }} data-testid="cycle-stats">
      <Stat label={t('stats.median', { days: s.days })} value={formatDuration(s.medianMs ?? 0, t)} hint={t('stats.count', { count: s.count })} />
      <Stat label={t('stats.p90')} value={formatDuration(s.p90Ms ?? 0, t)} />
      <Stat label={t('stats.slowest')} value={slowest ? t(`cycle.steps.${slowest.step}`, { defaultValue: slowest.step }) : '—'} hint={slowest ? t('stats.slowestHint', { count: slowest.count, total: s.count }) : undefined} />
    </SimpleGrid>
  );
}

function Stat({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <Paper withBorder radius="md" p="sm">
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={700} size="lg">
        {value}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </Paper>
  );
}

function CycleCell({ r }: { r: ReturnView }) {
  const { t } = useTranslation('returns');
  const c = r.cycleTime;
  if (c.totalMs !== null) return <Text size="sm">{formatDuration(c.totalMs, t)}</Text>;
  const open = Date.now() - Date.parse(r.requestedAt);
  return (
    <Text size="sm" c="dimmed">
      {t('cycle.open', { d: formatDuration(open, t) })}
    </Text>
  );
}

function ReturnDetail() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation('returns');
  const q = useReturn(id);
  const r = q.data;
  const { user } = useSession();
  const fmt = useFormat();
  const switchM = useApiMutation({ mutationFn: () => api.post(`/api/returns/${encodeURIComponent(id)}/switch-to-refund`, {}), invalidate: [['returns']] });
  const switchToRefund = () => switchM.mutate();
  const m = (n: number) => (r ? formatMoney(n, r.currency, i18n.language) : '');
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/returns" size="sm">
        <Group gap={4}>
          <IconArrowLeft size={14} />
          {t('back')}
        </Group>
      </Anchor>
      <QueryState isPending={q.isPending} error={q.error} empty={false} emptyText="">
        {r && (
          <Stack gap="md" data-testid="return-detail">
            <PageHeader
              title={t('detailTitle', { rma: r.rma })}
              description={r.reason ? `${t(`reasons.${r.reason.code}`, { defaultValue: r.reason.label })} · ${t(`fault.${r.reason.faultOwner}`)} · ${t('treeVersion', { v: r.reason.version })}` : t('noReason')}
              actions={
                <Group gap="xs">
                  <Badge size="lg" color={STATUS_COLOR[r.status] ?? 'gray'} data-testid="return-status">
                    {t(`status.${r.status}`)}
                  </Badge>
                  <Badge size="lg" variant="dot" color={REFUND_COLOR[r.refund.status]} data-testid="refund-status">
                    {t(`refund.${r.refund.status}`)}
                  </Badge>
                </Group>
              }
            />
            <ReturnActionBar r={r} />
            {r.payoutHold && (
              <Alert color="red" title={t('hold.title')} data-testid="payout-hold">
                {t('hold.text', { since: fmt.dateTime(r.payoutHold.since) })}
              </Alert>
            )}
            {r.appeal && (
              <Alert color="orange" title={t('appeal.title')} data-testid="appeal">
                {t(`appeal.${r.appeal.status}`, { deadline: r.appeal.deadline ? fmt.dateTime(r.appeal.deadline) : '—' })}
                {r.appeal.status === 'open' && user.role !== 'warehouse' && (
                  <Group mt="xs" gap="xs">
                    <Button component={Link} to={`/evidence/${r.id}`} size="xs" variant="light">
                      {t('appeal.evidence')}
                    </Button>
                  </Group>
                )}
              </Alert>
            )}
            {r.exchange && (
              <Alert color={r.exchange.status === 'reserved' ? 'teal' : 'yellow'} title={t('exchange.title')}>
                {r.exchange.status === 'reserved'
                  ? t('exchange.reserved', { label: r.exchange.label })
                  : r.exchange.status === 'released'
                    ? t('exchange.released')
                    : t('exchange.outOfStock', { label: r.exchange.label, fallback: r.exchange.fallback ?? '' })}
                {r.resolution === 'exchange' && user.role !== 'warehouse' && (
                  <Button mt="xs" size="xs" variant="light" onClick={switchToRefund} loading={switchM.isPending} data-testid="switch-to-refund">
                    {t('exchange.refundInstead')}
                  </Button>
                )}
              </Alert>
            )}
            <SimpleGrid cols={{ base: 1, md: 3 }}>
              <StepCard icon={<IconPackage size={18} />} title={t('steps.receipt')} done={!!r.receipt.at} text={r.receipt.at ? fmt.dateTime(r.receipt.at) : t('steps.waiting')} />
              <StepCard
                icon={<IconSearch size={18} />}
                title={t('steps.inspection')}
                done={!!r.inspection.at}
                text={r.inspection.grade ? `${t(`grades.${r.inspection.grade}`)} · ${r.inspection.passed ? t('steps.pass') : t('steps.fail')}` : t('steps.waiting')}
              />
              <StepCard icon={<IconReceiptRefund size={18} />} title={t('steps.refund')} done={r.refund.status === 'sent'} text={`${t(`refund.${r.refund.status}`)} · ${t(`trigger.${r.refundTrigger}`)}`} />
            </SimpleGrid>
            <Paper withBorder radius="md" p="md">
              <Title order={4} fz={15} mb="sm">
                {t('lines')}
              </Title>
              <Table.ScrollContainer minWidth={520}>
              <Table data-testid="return-lines">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('columns.item')}</Table.Th>
                    <Table.Th ta="right">{t('columns.paid')}</Table.Th>
                    <Table.Th ta="right">{t('columns.restocking')}</Table.Th>
                    <Table.Th ta="right">{t('columns.clawback')}</Table.Th>
                    <Table.Th ta="right">{t('columns.refund')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {r.lines.map((l) => (
                    <Table.Tr key={l.id}>
                      <Table.Td>
                        {l.productName}
                        <Text size="xs" c="dimmed">
                          {l.sku}
                        </Text>
                      </Table.Td>
                      <Table.Td ta="right">{m(l.paid)}</Table.Td>
                      <Table.Td ta="right">{l.restockingFee ? `− ${m(l.restockingFee)}` : '—'}</Table.Td>
                      <Table.Td ta="right">{l.couponClawback ? `− ${m(l.couponClawback)}` : '—'}</Table.Td>
                      <Table.Td ta="right" fw={600}>
                        {m(l.refund)}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              </Table.ScrollContainer>
              {r.couponRule && (
                <Text size="xs" c="dimmed" mt="xs">
                  {r.couponRule.note}
                </Text>
              )}
            </Paper>
            <SimpleGrid cols={{ base: 1, md: 2 }}>
              <Paper withBorder radius="md" p="md">
                <Title order={4} fz={15} mb="sm">
                  {t('policy.title')}
                </Title>
                <Stack gap={4}>
                  <Text size="sm">{t('policy.window', { days: r.policy.windowDays })}</Text>
                  <Text size="sm">{r.policy.noReasonReturns ? t('policy.noReason') : t('policy.reasonRequired')}</Text>
                  <Text size="sm">{t('policy.shipping', { who: t(`fault.${r.policy.returnShippingPaidBy}`) })}</Text>
                  <Text size="sm">{t('policy.restocking', { pct: r.policy.restockingFeePercent })}</Text>
                  <Text size="sm">{t(`trigger.${r.refundTrigger}`)}</Text>
                </Stack>
              </Paper>
              <Paper withBorder radius="md" p="md" data-testid="cycle-time">
                <Group gap={6} mb="sm">
                  <IconClockHour4 size={16} />
                  <Title order={4} fz={15}>
                    {t('cycle.title')}
                  </Title>
                </Group>
                <Timeline bulletSize={14} lineWidth={2}>
                  {r.cycleTime.steps.map((s) => (
                    <Timeline.Item key={s.step} title={t(`cycle.steps.${s.step}`, { defaultValue: s.step })} color={r.cycleTime.slowest?.step === s.step ? 'red' : 'blue'}>
                      <Text size="xs" c={r.cycleTime.slowest?.step === s.step ? 'red' : 'dimmed'}>
                        {formatDuration(s.ms, t)}
                        {r.cycleTime.slowest?.step === s.step ? ` · ${t('cycle.slowest')}` : ''}
                      </Text>
                    </Timeline.Item>
                  ))}
                </Timeline>
                <Text size="sm" mt="sm" fw={600}>
                  {r.cycleTime.totalMs !== null ? t('cycle.total', { d: formatDuration(r.cycleTime.totalMs, t) }) : t('cycle.notYet')}
                </Text>
              </Paper>
            </SimpleGrid>
            <ReturnContext r={r} />
          </Stack>
        )}
      </QueryState>
    </Stack>
  );
}

function StepCard({ icon, title, done, text }: { icon: React.ReactNode; title: string; done: boolean; text: string }) {
  return (
    <Paper withBorder radius="md" p="md" bg={done ? 'var(--mantine-color-teal-light)' : undefined}>
      <Group gap={8}>
        {icon}
        <Text fw={600}>{title}</Text>
      </Group>
      <Text size="sm" mt={4}>
        {text}
      </Text>
    </Paper>
  );
}
