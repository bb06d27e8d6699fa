import '@mantine/charts/styles.css';
import { Alert, Badge, Button, Card, Group, Modal, MultiSelect, NumberInput, Paper, Select, SimpleGrid, Stack, Switch, Table, Tabs, Text, Textarea, TextInput, Title, Tooltip } from '@mantine/core';
import { LineChart } from '@mantine/charts';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { IconInfoCircle, IconPencil, IconPlus, IconRefresh } from '@tabler/icons-react';
import {useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { useErrorMessage } from '../../lib/errors';
import { formatMoney, toMajor, toMinor } from '../../lib/money';
import { useSession } from '../../lib/session';
import { couponKeys, usePlatformCoupons, useProgramme, useProgrammes, type ProgrammeReportView, type ProgrammeView } from './api';
import { formatterFor } from '../../lib/format';
import { useApiMutation } from '../../lib/mutation';

const LANGS = ['en', 'de', 'fr', 'it', 'es'] as const;
const KINDS = ['return_visit', 'loyalty', 'winback'] as const;
const SEGMENTS = ['champion', 'loyal', 'promising', 'at_risk', 'lapsed', 'new'] as const;
const CHANNELS = ['tiktok_chat', 'email', 'whatsapp'] as const;

interface ShopLite {
  id: string;
  name: string;
  currency: string;
}
const useShopList = () => useQuery({ queryKey: ['shops'], queryFn: ({ signal }) => api.get<{ items: ShopLite[] }>('/api/shops', { signal }).then((r) => r.items) });

const pct = (x: number | null | undefined, lang: string) => (x == null ? '—' : formatterFor(lang).percent(x, 1));

/** Coupons: lifecycle programmes bound to the shop's TikTok coupons, with live figures, lift and a chart. */
export function CouponsPage() {
  const { t, i18n } = useTranslation('coupons');
  const lang = i18n.language;
  const { can } = useSession();
  const lead = can(['owner', 'supervisor']);
  const shops = useShopList();
  const [shopId, setShopId] = useState<string | null>(null);
  useEffect(() => {
    if (!shopId && shops.data?.[0]) setShopId(shops.data[0].id);
  }, [shops.data, shopId]);
  const programmes = useProgrammes();
  const platform = usePlatformCoupons(shopId);
  const [open, setOpen] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<ProgrammeView | null>(null);
  const qc = useQueryClient();
  const errorText = useErrorMessage();
  const sync = useApiMutation({
    mutationFn: () => api.post<{ coupons: number }>('/api/coupons/platform/sync', { shopId }),
    onSuccess: (r) => {
      notifications.show({ message: t('synced', { count: r.coupons }) });
      void qc.invalidateQueries({ queryKey: ['coupons'] });
    },
  });
  const list = (programmes.data ?? []).filter((p) => !shopId || p.shopId === shopId);
  const shop = shops.data?.find((s) => s.id === shopId);

  return (
    <Stack gap="md" p="md" data-testid="coupons-page">
      <Group justify="space-between" wrap="wrap">
        <Title order={2}>{t('title')}</Title>
        <Group gap="xs" wrap="wrap">
          <Select aria-label={t('shop')} data={(shops.data ?? []).map((s) => ({ value: s.id, label: s.name }))} value={shopId} onChange={setShopId} w={200} />
          {lead && (
            <Button variant="default" leftSection={<IconRefresh size={16} />} loading={sync.isPending} onClick={() => sync.mutate()} disabled={!shopId}>
              {t('sync')}
            </Button>
          )}
          {lead && (
            <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)} disabled={!shopId} data-testid="new-programme">
              {t('new')}
            </Button>
          )}
        </Group>
      </Group>
      {platform.data && platform.data.chatReach !== 'ok' && (
        <Alert color="orange" icon={<IconInfoCircle />} data-testid="chat-reach">
          {t(`reach.${platform.data.chatReach}`)}
        </Alert>
      )}
      <Paper withBorder p="sm">
        <Text size="sm" fw={600}>
          {t('definitions.title')}
        </Text>
        <Text size="xs" c="dimmed">
          {t('definitions.redemption')}
        </Text>
        <Text size="xs" c="dimmed">
          {t('definitions.uplift')}
        </Text>
        <Text size="xs" c="dimmed">
          {t('definitions.lift')}
        </Text>
      </Paper>
      {list.length === 0 ? (
        <Text c="dimmed">{t('empty')}</Text>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table highlightOnHover data-testid="programmes">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('col.name')}</Table.Th>
                <Table.Th>{t('col.kind')}</Table.Th>
                <Table.Th ta="right">{t('col.sent')}</Table.Th>
                <Table.Th ta="right">{t('col.redeemed')}</Table.Th>
                <Table.Th ta="right">{t('col.rate')}</Table.Th>
                <Table.Th ta="right">{t('col.heldOut')}</Table.Th>
                <Table.Th ta="right">{t('col.cost')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((p) => (
                <Table.Tr key={p.id} onClick={() => setOpen(p.id)} style={{ cursor: 'pointer' }} data-testid={`programme-${p.id}`}>
                  <Table.Td>
                    <Group gap={6} wrap="nowrap">
                      <Text size="sm" fw={500}>
                        {p.name}
                      </Text>
                      {p.status === 'paused' && <Badge size="xs" color="gray">{t('paused')}</Badge>}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light">{t(`kind.${p.kind}`)}</Badge>
                  </Table.Td>
                  <Table.Td ta="right">{p.figures.sent}</Table.Td>
                  <Table.Td ta="right">{p.figures.redeemed}</Table.Td>
                  <Table.Td ta="right">{pct(p.figures.redemptionRate, lang)}</Table.Td>
                  <Table.Td ta="right">{p.figures.heldOut}</Table.Td>
                  <Table.Td ta="right">{formatMoney(p.figures.cost, p.currency, lang)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {open && <ProgrammeDetailPanel id={open} onEdit={lead && shop ? (p) => setEditing(p) : undefined} />}
      {editing && shop && <ProgrammeForm shop={shop} programme={editing} onClose={() => setEditing(null)} />}
      {creating && shop && (
        <ProgrammeForm
          shop={shop}
          onClose={(id) => {
            setCreating(false);
            if (id) setOpen(id);
          }}
        />
      )}
    </Stack>
  );
}

/** One estimate with its 95 % interval against zero, drawn as a line with a dot. */
function IntervalBar({ i, testId }: { i: { estimate: number; low: number; high: number } | null; testId?: string }) {
  if (!i) return <Text size="xs">—</Text>;
  const span = Math.max(Math.abs(i.low), Math.abs(i.high), 1e-9) * 1.1;
  const x = (v: number) => 60 + (v / span) * 55;
  return (
    <svg width={120} height={20} role="img" aria-label={`${i.estimate.toFixed(1)} [${i.low.toFixed(1)}, ${i.high.toFixed(1)}]`} data-testid={testId}>
      <line x1={60} x2={60} y1={2} y2={18} stroke="var(--mantine-color-gray-5)" />
      <line x1={x(i.low)} x2={x(i.high)} y1={10} y2={10} stroke="var(--mantine-color-blue-6)" strokeWidth={3} />
      <circle cx={x(i.estimate)} cy={10} r={4} fill="var(--mantine-color-blue-8)" />
    </svg>
  );
}

function ProgrammeDetailPanel({ id, onEdit }: { id: string; onEdit?: (p: ProgrammeView) => void }) {
  const { t, i18n } = useTranslation('coupons');
  const lang = i18n.language;
  const q = useProgramme(id);
  if (!q.data) return null;
  const { programme: p, report } = q.data;
  const money = (m: number | null | undefined) => (m == null ? '—' : formatMoney(Math.round(m), report.currency, lang));
  return (
    <Card withBorder data-testid="programme-detail">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={4}>{p.name}</Title>
          <Group gap="xs">
            <Text size="xs" c="dimmed" data-testid="detail-holdout">
              {t('holdoutShare', { percent: p.holdoutPercent })} · {t(`channel.${p.channel}`)} · {t('window', { days: report.outcomeWindowDays })}
            </Text>
            {onEdit && (
              <Button size="xs" variant="light" leftSection={<IconPencil size={14} />} onClick={() => onEdit(p)} data-testid="edit-programme">
                {t('form.edit')}
              </Button>
            )}
          </Group>
        </Group>
        <SimpleGrid cols={{ base: 2, sm: 4 }}>
          <Figure label={t('col.sent')} value={String(p.figures.sent)} />
          <Figure label={t('col.redeemed')} value={String(p.figures.redeemed)} testId="fig-redeemed" />
          <Figure label={t('col.rate')} value={pct(p.figures.redemptionRate, lang)} />
          <Figure label={t('col.revenue')} value={money(p.figures.revenue)} />
        </SimpleGrid>
        <Text size="sm" fw={600}>
          {t('chart.title')}
        </Text>
        {report.timeline.length === 0 ? (
          <Text size="xs" c="dimmed">
            {t('chart.empty')}
          </Text>
        ) : (
          <LineChart
            h={200}
            data={report.timeline}
            dataKey="date"
            data-testid="redemption-chart"
            series={[
              { name: 'sent', label: t('col.sent'), color: 'blue.6' },
              { name: 'redeemed', label: t('col.redeemed'), color: 'teal.6' },
            ]}
            curveType="monotone"
            withLegend
          />
        )}
        <Table.ScrollContainer minWidth={720}>
          <Table data-testid="variants">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('col.variant')}</Table.Th>
                <Table.Th ta="right">{t('col.sent')}</Table.Th>
                <Table.Th ta="right">{t('col.redeemed')}</Table.Th>
                <Table.Th ta="right">{t('col.rate')}</Table.Th>
                <Table.Th ta="right">{t('col.uplift')}</Table.Th>
                <Table.Th>{t('col.lift')}</Table.Th>
                <Table.Th ta="right">{t('col.costPer')}</Table.Th>
                <Table.Th ta="right">{t('col.roi')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {report.variants.map((v: ProgrammeReportView['variants'][number]) => (
                <Table.Tr key={v.variantId}>
                  <Table.Td>{v.key}</Table.Td>
                  <Table.Td ta="right">{v.sent}</Table.Td>
                  <Table.Td ta="right">{v.redeemed}</Table.Td>
                  <Table.Td ta="right">{pct(v.redemptionRate, lang)}</Table.Td>
                  <Table.Td ta="right">
                    <Tooltip label={t('definitions.uplift')} multiline w={260}>
                      <span>{v.orderValueUplift == null ? '—' : `${v.orderValueUplift >= 0 ? '+' : ''}${pct(v.orderValueUplift, lang)}`}</span>
                    </Tooltip>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={6} wrap="nowrap">
                      <IntervalBar i={v.incrementalOrders} testId={`lift-${v.key}`} />
                      <Badge size="xs" color={v.verdict === 'positive' ? 'teal' : v.verdict === 'negative' ? 'red' : 'gray'} data-testid={`verdict-${v.key}`}>
                        {t(`verdict.${v.verdict}`)}
                      </Badge>
                    </Group>
                  </Table.Td>
                  <Table.Td ta="right">{money(v.costPerIncrementalOrder)}</Table.Td>
                  <Table.Td ta="right">{v.roi == null ? '—' : pct(v.roi, lang)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Stack>
    </Card>
  );
}

function Figure({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <Paper withBorder p="xs">
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={700} data-testid={testId}>
        {value}
      </Text>
    </Paper>
  );
}

interface FormValues {
  name: string;
  kind: (typeof KINDS)[number] | 'compensation';
  afterDeliveryDays: number;
  memberDays: string;
  birthday: boolean;
  inactiveDays: number;
  segments: string[];
  holdoutPercent: number;
  budget: number;
  maxMinSpend: number | '';
  channel: (typeof CHANNELS)[number];
  active: boolean;
  variants: { key: string; platformCouponId: string; weight: number }[];
  messages: Record<(typeof LANGS)[number], string>;
  /** WhatsApp only: the approved template's name and its language code per buyer language. */
  waTemplate: string;
  waLanguages: Record<(typeof LANGS)[number], string>;
}

/** A programme as form values (amounts back in major units for the inputs). */
function valuesOf(p: ProgrammeView, currency: string): FormValues {
  const major = (m: number) => toMajor(m, currency);
  return {
    name: p.name,
    kind: p.kind as FormValues['kind'],
    afterDeliveryDays: p.schedule.afterDeliveryDays ?? 3,
    memberDays: p.schedule.memberDays.join(', '),
    birthday: p.schedule.birthday,
    inactiveDays: p.schedule.inactiveDays ?? 60,
    segments: p.segments,
    holdoutPercent: p.holdoutPercent,
    budget: major(p.budget),
    maxMinSpend: p.maxMinSpend == null ? '' : major(p.maxMinSpend),
    channel: p.channel as FormValues['channel'],
    active: p.status === 'active',
    variants: p.variants.map((v) => ({ key: v.key, platformCouponId: v.platformCouponId, weight: v.weight })),
    messages: { en: p.messages.en ?? '', de: p.messages.de ?? '', fr: p.messages.fr ?? '', it: p.messages.it ?? '', es: p.messages.es ?? '' },
    waTemplate: p.whatsappTemplate?.name ?? '',
    waLanguages: { en: p.whatsappTemplate?.languages.en ?? '', de: p.whatsappTemplate?.languages.de ?? '', fr: p.whatsappTemplate?.languages.fr ?? '', it: p.whatsappTemplate?.languages.it ?? '', es: p.whatsappTemplate?.languages.es ?? '' },
  };
}

/** Create a programme, or edit one (`programme` given): kind, channel and variants are fixed once created. */
function ProgrammeForm({ shop, programme, onClose }: { shop: ShopLite; programme?: ProgrammeView; onClose: (id?: string) => void }) {
  const { t, i18n } = useTranslation('coupons');
  const coupons = usePlatformCoupons(shop.id);
  const qc = useQueryClient();
  const errorText = useErrorMessage();
  const [lang, setLang] = useState<(typeof LANGS)[number]>('en');
  const form = useForm<FormValues>({
    initialValues: programme ? valuesOf(programme, shop.currency) : {
      name: '',
      kind: 'return_visit',
      afterDeliveryDays: 3,
      memberDays: '15',
      birthday: false,
      inactiveDays: 60,
      segments: [],
      holdoutPercent: 10,
      budget: 500,
      maxMinSpend: '',
      channel: 'tiktok_chat',
      active: true,
      variants: [{ key: 'a', platformCouponId: '', weight: 1 }],
      messages: { en: '', de: '', fr: '', it: '', es: '' },
      waTemplate: '',
      waLanguages: { en: '', de: '', fr: '', it: '', es: '' },
    },
    validate: {
      name: (v) => (v.trim() ? null : t('form.required')),
      variants: { platformCouponId: (v) => (v || programme ? null : t('form.required')) },
    },
  });
  const sendable = useMemo(() => (coupons.data?.items ?? []).map((c) => ({ value: c.id, label: `${c.title} · ${formatMoney(c.faceValue, c.currency, i18n.language)}${c.chatProblems.length ? ` (${c.chatProblems.join(', ')})` : ''}` })), [coupons.data, i18n.language]);
  const editing = !!programme;
  const create = useApiMutation({
    mutationFn: (v: FormValues) => {
      const common = {
        name: v.name,
        schedule: v.kind === 'return_visit' ? { afterDeliveryDays: v.afterDeliveryDays } : v.kind === 'winback' ? { inactiveDays: v.inactiveDays } : v.kind === 'loyalty' ? { memberDays: v.memberDays.split(/[ ,]+/).filter(Boolean).map(Number), birthday: v.birthday } : {},
        segments: v.segments,
        holdoutPercent: v.holdoutPercent,
        budget: toMinor(v.budget, shop.currency),
        maxMinSpend: v.maxMinSpend === '' ? null : toMinor(v.maxMinSpend, shop.currency),
        messages: Object.fromEntries(Object.entries(v.messages).filter(([, x]) => x.trim())),
        ...(v.channel === 'whatsapp' ? { whatsappTemplate: v.waTemplate.trim() ? { name: v.waTemplate.trim(), languages: Object.fromEntries(Object.entries(v.waLanguages).map(([k, x]) => [k, x.trim()]).filter(([, x]) => x)) } : null } : {}),
      };
      if (programme) return api.patch<ProgrammeView>(`/api/coupons/programmes/${programme.id}`, { ...common, status: v.active ? 'active' : 'paused' });
      return api.post<ProgrammeView>('/api/coupons/programmes', { ...common, shopId: shop.id, kind: v.kind, channel: v.channel, variants: v.variants.map((x) => ({ key: x.key, platformCouponId: x.platformCouponId, weight: x.weight })) });
    },
    onSuccess: (p) => {
      void qc.invalidateQueries({ queryKey: ['coupons'] });
      notifications.show({ message: t(editing ? 'updated' : 'created') });
      onClose(p.id);
    },
    form,
  });
  const sample = { value: formatMoney(500, shop.currency, lang), minSpend: formatMoney(3000, shop.currency, lang), until: formatterFor(lang).date(Date.now() + 14 * 86_400_000), code: 'SAVE5', coupon: t('form.sampleCoupon') };
  const preview = (form.values.messages[lang] || t(`defaults.${form.values.kind === 'compensation' ? 'return_visit' : form.values.kind}`, { lng: 'en' })).replace(/\{(\w+)\}/g, (m, k: string) => (sample as Record<string, string>)[k] ?? m);

  return (
    <Modal opened onClose={() => onClose()} title={editing ? t('form.edit') : t('new')} size="lg" data-testid="programme-form">
      <form onSubmit={form.onSubmit((v) => create.mutate(v))}>
        <Stack gap="sm">
          <TextInput label={t('form.name')} {...form.getInputProps('name')} data-testid="f-name" />
          <Group grow>
            <Select label={t('form.kind')} data={[...KINDS, ...(programme?.kind === 'compensation' ? (['compensation'] as const) : [])].map((k) => ({ value: k, label: t(`kind.${k}`) }))} {...form.getInputProps('kind')} allowDeselect={false} disabled={editing} data-testid="f-kind" />
            <Select label={t('form.channel')} data={CHANNELS.map((c) => ({ value: c, label: t(`channel.${c}`) }))} {...form.getInputProps('channel')} allowDeselect={false} disabled={editing} data-testid="f-channel" />
          </Group>
          {editing && <Switch label={t('form.active')} {...form.getInputProps('active', { type: 'checkbox' })} data-testid="f-active" />}
          {form.values.kind === 'return_visit' && <NumberInput label={t('form.afterDeliveryDays')} min={1} max={60} {...form.getInputProps('afterDeliveryDays')} />}
          {form.values.kind === 'winback' && <NumberInput label={t('form.inactiveDays')} min={14} max={365} {...form.getInputProps('inactiveDays')} />}
          {form.values.kind === 'loyalty' && (
            <Group grow>
              <TextInput label={t('form.memberDays')} {...form.getInputProps('memberDays')} />
              <Switch label={t('form.birthday')} {...form.getInputProps('birthday', { type: 'checkbox' })} mt="lg" />
            </Group>
          )}
          <MultiSelect label={t('form.segments')} data={SEGMENTS.map((s) => ({ value: s, label: t(`segment.${s}`) }))} {...form.getInputProps('segments')} clearable />
          <Group grow>
            <NumberInput label={t('form.holdout')} min={0} max={50} suffix=" %" {...form.getInputProps('holdoutPercent')} data-testid="f-holdout" />
            <NumberInput label={t('form.budget', { currency: shop.currency })} min={0} {...form.getInputProps('budget')} />
            <NumberInput label={t('form.maxMinSpend', { currency: shop.currency })} min={0} {...form.getInputProps('maxMinSpend')} />
          </Group>
          <Text size="sm" fw={600}>
            {t('form.variants')}
          </Text>
          {form.values.variants.map((_, i) => (
            <Group key={i} grow align="flex-start">
              <TextInput label={t('form.variantKey')} {...form.getInputProps(`variants.${i}.key`)} maw={90} disabled={editing} />
              <Select label={t('form.coupon')} data={sendable} {...form.getInputProps(`variants.${i}.platformCouponId`)} searchable disabled={editing} data-testid={`f-coupon-${i}`} />
              <NumberInput label={t('form.weight')} min={1} max={100} {...form.getInputProps(`variants.${i}.weight`)} maw={90} disabled={editing} />
            </Group>
          ))}
          {!editing && form.values.variants.length < 3 && (
            <Button variant="subtle" size="xs" onClick={() => form.insertListItem('variants', { key: String.fromCharCode(97 + form.values.variants.length), platformCouponId: '', weight: 1 })}>
              {t('form.addVariant')}
            </Button>
          )}
          <Tabs value={lang} onChange={(v) => setLang((v as (typeof LANGS)[number]) ?? 'en')}>
            <Tabs.List>
              {LANGS.map((l) => (
                <Tabs.Tab key={l} value={l}>
                  {l.toUpperCase()}
                </Tabs.Tab>
              ))}
            </Tabs.List>
          </Tabs>
          {form.values.channel === 'whatsapp' && (
            <Group grow align="flex-start">
              <TextInput label={t('form.waTemplate')} description={t('form.waTemplateHelp')} placeholder="afterdesk_coupon_code" {...form.getInputProps('waTemplate')} data-testid="f-wa-template" />
              <TextInput label={t('form.waLanguage', { language: lang.toUpperCase() })} description={t('form.waLanguageHelp')} placeholder={lang} {...form.getInputProps(`waLanguages.${lang}`)} maw={200} data-testid="f-wa-language" />
            </Group>
          )}
          <Textarea label={t('form.message')} description={t('form.placeholders')} placeholder={t(`defaults.${form.values.kind}`, { lng: 'en' })} autosize minRows={2} {...form.getInputProps(`messages.${lang}`)} />
          <Paper withBorder p="xs" bg="var(--mantine-color-gray-0)">
            <Text size="xs" c="dimmed">
              {t('form.preview')}
            </Text>
            <Text size="sm" data-testid="f-preview">
              {preview}
            </Text>
          </Paper>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => onClose()}>
              {t('form.cancel')}
            </Button>
            <Button type="submit" loading={create.isPending} data-testid="f-save">
              {editing ? t('form.saveChanges') : t('form.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
