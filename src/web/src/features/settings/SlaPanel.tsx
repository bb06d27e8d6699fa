import '@mantine/charts/styles.css';
import './sla.css';
import { ActionIcon, Badge, Button, Group, Modal, Paper, SegmentedControl, Select, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { BarChart } from '@mantine/charts';
import { IconAlertTriangle, IconCircleOff, IconPencil, IconPlus } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { useApiMutation } from '../../lib/mutation';
import { formatMoney } from '../../lib/money';
import { useSession } from '../../lib/session';
import { keys, useShops, useSlaAttainment, useSlaPolicies } from './api';
import { FormAlert, QueryState } from './common';
import { formatTarget } from './slaFormat';
import { SlaPolicyEditor } from './SlaPolicyEditor';
import { SLA_METRICS, type SlaAttainmentRow, type SlaPolicy } from './types';
import { formatterFor } from '../../lib/format';

/** Settings → SLA policies: the organisation's targets, and how well the shops meet them. */
export function SlaPanel() {
  const { t, i18n } = useTranslation('settings');
  const { can } = useSession();
  // The API lets owners and supervisors change policies; anyone else only reads.
  const canEdit = can(['owner', 'supervisor']);
  const policies = useSlaPolicies();
  const shops = useShops();
  const [editing, setEditing] = useState<SlaPolicy | 'new' | null>(null);
  const [deactivating, setDeactivating] = useState<SlaPolicy | null>(null);
  const shopName = (id: string) => shops.data?.find((s) => s.id === id)?.name ?? id;
  const any = (text: string) => (
    <Text span size="sm" c="dimmed">
      {text}
    </Text>
  );
  const target = (m: number | null) => (m == null ? any(t('sla.noTarget')) : <span title={`${m} min`}>{formatTarget(t, m)}</span>);
  const threshold = (p: SlaPolicy) => {
    if (p.minOrderAmount == null) return any(t('sla.any'));
    if (p.minOrderCurrency) return formatMoney(p.minOrderAmount, p.minOrderCurrency, i18n.language);
    return (
      <>
        {formatterFor(i18n.language).fixed(p.minOrderAmount / 100, 2)}{' '}
        <Text span size="xs" c="dimmed">
          ({t('sla.orderCurrency')})
        </Text>
      </>
    );
  };

  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <Stack gap={2}>
          <Text size="sm" c="dimmed">
            {t('sla.intro')}
          </Text>
          <Group gap={6} wrap="nowrap">
            <IconAlertTriangle size={14} color="var(--mantine-color-orange-6)" style={{ flexShrink: 0 }} />
            <Text size="xs" c="dimmed" data-testid="sla-escalation-note">
              {t('sla.escalation')}
            </Text>
          </Group>
        </Stack>
        {canEdit && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')} size="sm" style={{ flexShrink: 0 }}>
            {t('sla.add')}
          </Button>
        )}
      </Group>
      <QueryState isPending={policies.isPending} error={policies.error} empty={!policies.data?.length} emptyText={t('sla.empty')}>
        <div className="ad-table-wrap" style={{ overflowX: 'auto' }}>
          <Table highlightOnHover={canEdit} data-testid="sla-policies-table" miw={1000} verticalSpacing={8} fz="sm" className="ad-sla-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('sla.columns.name')}</Table.Th>
                <Table.Th>{t('sla.columns.shop')}</Table.Th>
                <Table.Th>{t('sla.columns.channel')}</Table.Th>
                <Table.Th>{t('sla.columns.priority')}</Table.Th>
                <Table.Th>{t('sla.columns.minOrder')}</Table.Th>
                <Table.Th>{t('sla.columns.firstReply')}</Table.Th>
                <Table.Th>{t('sla.columns.nextReply')}</Table.Th>
                <Table.Th>{t('sla.columns.resolution')}</Table.Th>
                <Table.Th>{t('sla.columns.mode')}</Table.Th>
                <Table.Th>{t('sla.columns.warnings')}</Table.Th>
                <Table.Th>{t('sla.columns.status')}</Table.Th>
                {canEdit && <Table.Th w={72} />}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {policies.data?.map((p) => (
                <Table.Tr
                  key={p.id}
                  data-policy-id={p.id}
                  className={canEdit ? 'ad-clickable-row' : undefined}
                  style={p.active ? undefined : { opacity: 0.6 }}
                  onClick={canEdit ? () => setEditing(p) : undefined}
                >
                  <Table.Td fw={500} miw={170} style={{ whiteSpace: 'normal' }}>
                    {p.names[i18n.language] ?? p.name}
                    {p.names[i18n.language] && p.names[i18n.language] !== p.name && (
                      <Text size="xs" c="dimmed" fw={400}>
                        {p.name}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{p.shopId ? shopName(p.shopId) : any(t('sla.allShops'))}</Table.Td>
                  <Table.Td>{p.channel ? t(`sla.channels.${p.channel}`, { defaultValue: p.channel }) : any(t('sla.any'))}</Table.Td>
                  <Table.Td>{p.priority ? t(`sla.priorities.${p.priority}`, { defaultValue: p.priority }) : any(t('sla.any'))}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{threshold(p)}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{target(p.firstReplyMinutes)}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{target(p.nextReplyMinutes)}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{target(p.resolutionMinutes)}</Table.Td>
                  <Table.Td>
                    <Badge size="sm" variant="light" color={p.mode === 'business' ? 'indigo' : 'grape'} tt="none" style={{ overflow: 'visible' }}>
                      {t(`sla.mode.${p.mode}`)}
                    </Badge>
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{p.warningPercents.length ? p.warningPercents.map((w) => `${w}%`).join(', ') : any(t('sla.noTarget'))}</Table.Td>
                  <Table.Td>
                    <Badge size="sm" variant="light" color={p.active ? 'teal' : 'gray'} tt="none" style={{ overflow: 'visible' }}>
                      {p.active ? t('sla.active') : t('sla.inactive')}
                    </Badge>
                  </Table.Td>
                  {canEdit && (
                    <Table.Td onClick={(e) => e.stopPropagation()}>
                      <Group gap={2} wrap="nowrap" justify="flex-end">
                        <Tooltip label={t('sla.edit')}>
                          <ActionIcon variant="subtle" color="gray" aria-label={`${t('sla.edit')}: ${p.name}`} onClick={() => setEditing(p)}>
                            <IconPencil size={16} />
                          </ActionIcon>
                        </Tooltip>
                        {p.active && (
                          <Tooltip label={t('sla.deactivate')}>
                            <ActionIcon variant="subtle" color="red" aria-label={`${t('sla.deactivate')}: ${p.name}`} onClick={() => setDeactivating(p)}>
                              <IconCircleOff size={16} />
                            </ActionIcon>
                          </Tooltip>
                        )}
                      </Group>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      </QueryState>
      <Attainment shopName={shopName} />
      {canEdit && editing && <SlaPolicyEditor key={editing === 'new' ? 'new' : editing.id} policy={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
      {canEdit && deactivating && <DeactivateModal policy={deactivating} onClose={() => setDeactivating(null)} />}
    </Stack>
  );
}

function DeactivateModal({ policy, onClose }: { policy: SlaPolicy; onClose: () => void }) {
  const { t } = useTranslation('settings');
  const [error, setError] = useState<string | null>(null);
  const deactivate = useApiMutation({
    mutationFn: () => api.delete<SlaPolicy>(`/api/sla/policies/${encodeURIComponent(policy.id)}`),
    invalidate: [keys.slaPolicies],
    success: (saved) => t('sla.deactivated', { name: saved.name }),
    onMutate: () => setError(null),
    onSuccess: () => onClose(),
    onError: (presented) => setError(presented.message),
  });
  const confirm = () => deactivate.mutate();

  return (
    <Modal opened onClose={onClose} title={<Text fw={600}>{t('sla.confirm.title', { name: policy.name })}</Text>}>
      <Stack gap="sm">
        <FormAlert message={error} />
        <Text size="sm">{t('sla.confirm.body')}</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common:actions.cancel')}
          </Button>
          <Button color="red" loading={deactivate.isPending} onClick={confirm}>
            {t('sla.confirm.submit')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

const PERIODS = [7, 30, 90] as const;
const METRIC_COLORS: Record<(typeof SLA_METRICS)[number], string> = { first_reply: 'indigo.6', next_reply: 'teal.6', resolution: 'orange.5' };
const DAY = 24 * 60 * 60 * 1000;

/** Attainment per shop and metric over a period ending now (`GET /api/sla/attainment`). */
function Attainment({ shopName }: { shopName: (id: string) => string }) {
  const { t, i18n } = useTranslation('settings');
  const shops = useShops();
  const [days, setDays] = useState<(typeof PERIODS)[number]>(30);
  const [shopId, setShopId] = useState<string | null>(null);
  // The period is fixed when it is chosen, so the query key (and the request) stay stable.
  const range = useMemo(() => {
    const to = new Date();
    return { from: new Date(to.getTime() - days * DAY).toISOString(), to: to.toISOString() };
  }, [days]);
  const q = useSlaAttainment(range.from, range.to, shopId);
  const num = formatterFor(i18n.language);
  const minutes = (m: number | null) => (m == null ? '—' : t('sla.attainment.minutes', { m: num.number(m, 1) }));

  const byShop = useMemo(() => {
    const groups = new Map<string, SlaAttainmentRow[]>();
    for (const r of q.data ?? []) groups.set(r.shopId, [...(groups.get(r.shopId) ?? []), r]);
    return [...groups.entries()];
  }, [q.data]);
  const chartData = byShop.map(([id, rows]) => ({
    shop: shopName(id),
    ...Object.fromEntries(SLA_METRICS.map((m) => [m, rows.find((r) => r.metric === m)?.attainmentPercent ?? null])),
  }));

  return (
    <Paper withBorder radius="md" p="md" data-testid="sla-attainment">
      <Stack gap="sm">
        <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
          <Stack gap={2}>
            <Title order={4}>{t('sla.attainment.title')}</Title>
            <Text size="xs" c="dimmed">
              {t('sla.attainment.hint')}
            </Text>
          </Stack>
          <Group gap="sm" align="flex-end">
            <Select
              size="xs"
              w={200}
              aria-label={t('sla.attainment.shop')}
              data={[{ value: '', label: t('sla.allShops') }, ...(shops.data ?? []).map((s) => ({ value: s.id, label: s.name }))]}
              value={shopId ?? ''}
              onChange={(v) => setShopId(v ? v : null)}
              allowDeselect={false}
              comboboxProps={{ withinPortal: true }}
            />
            <SegmentedControl
              size="xs"
              aria-label={t('sla.attainment.period')}
              value={String(days)}
              onChange={(v) => setDays(Number(v) as (typeof PERIODS)[number])}
              data={PERIODS.map((n) => ({ value: String(n), label: t('sla.attainment.days', { n }) }))}
            />
          </Group>
        </Group>
        <QueryState isPending={q.isPending} error={q.error} empty={!q.data?.length} emptyText={t('sla.attainment.empty')}>
          <div data-testid="sla-attainment-chart" aria-label={t('sla.attainment.chartLabel')} role="figure">
            <BarChart
              h={240}
              data={chartData}
              dataKey="shop"
              series={SLA_METRICS.map((m) => ({ name: m, label: t(`sla.attainment.metrics.${m}`), color: METRIC_COLORS[m] }))}
              yAxisProps={{ domain: [0, 100], ticks: [0, 25, 50, 75, 100] }}
              valueFormatter={(v) => `${num.number(v, 1)}%`}
              withLegend
              legendProps={{ verticalAlign: 'top', height: 36 }}
              withBarValueLabel
              maxBarWidth={56}
            />
          </div>
          <div className="ad-table-wrap" style={{ overflowX: 'auto' }}>
            <Table data-testid="sla-attainment-table" fz="sm" verticalSpacing={6} miw={720}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('sla.attainment.columns.shop')}</Table.Th>
                  <Table.Th>{t('sla.attainment.columns.metric')}</Table.Th>
                  <Table.Th ta="right">{t('sla.attainment.columns.met')}</Table.Th>
                  <Table.Th ta="right">{t('sla.attainment.columns.breached')}</Table.Th>
                  <Table.Th ta="right">{t('sla.attainment.columns.open')}</Table.Th>
                  <Table.Th ta="right">{t('sla.attainment.columns.attainment')}</Table.Th>
                  <Table.Th ta="right">{t('sla.attainment.columns.p50')}</Table.Th>
                  <Table.Th ta="right">{t('sla.attainment.columns.p90')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody style={{ fontVariantNumeric: 'tabular-nums' }}>
                {byShop.flatMap(([id, rows]) =>
                  rows.map((r, i) => (
                    <Table.Tr key={`${id}-${r.metric}`} data-testid="sla-attainment-row">
                      {i === 0 && (
                        <Table.Td rowSpan={rows.length} fw={500} style={{ verticalAlign: 'top' }}>
                          {shopName(id)}
                        </Table.Td>
                      )}
                      <Table.Td>{t(`sla.attainment.metrics.${r.metric}`, { defaultValue: r.metric })}</Table.Td>
                      <Table.Td ta="right">{r.met}</Table.Td>
                      <Table.Td ta="right" c={r.breached ? 'red.7' : undefined}>
                        {r.breached}
                      </Table.Td>
                      <Table.Td ta="right">{r.open}</Table.Td>
                      <Table.Td ta="right" fw={500}>
                        {r.attainmentPercent == null ? '—' : `${num.number(r.attainmentPercent, 1)}%`}
                      </Table.Td>
                      <Table.Td ta="right">{r.metric === 'first_reply' ? minutes(r.p50FirstReplyMinutes) : ''}</Table.Td>
                      <Table.Td ta="right">{r.metric === 'first_reply' ? minutes(r.p90FirstReplyMinutes) : ''}</Table.Td>
                    </Table.Tr>
                  )),
                )}
              </Table.Tbody>
            </Table>
          </div>
        </QueryState>
      </Stack>
    </Paper>
  );
}
