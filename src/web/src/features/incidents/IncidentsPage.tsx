import '@mantine/charts/styles.css';
import { Alert, Anchor, Badge, Button, Card, Checkbox, Group, Modal, MultiSelect, NumberInput, Progress, SegmentedControl, Select, SimpleGrid, Stack, Stepper, Table, Tabs, Text, Textarea, TextInput, Title } from '@mantine/core';
import { LineChart } from '@mantine/charts';
import { useForm } from '@mantine/form';
import { IconAlertTriangle, IconPlus } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Route, Routes, useNavigate, useParams } from 'react-router-dom';
import { api } from '../../lib/api';
import { useFormat } from '../../lib/format';
import { useApiMutation } from '../../lib/mutation';
import { useSession } from '../../lib/session';
import { LotImportModal } from './LotImport';
import { CHANNELS, incidentKeys, LANGS, useAudience, useChoices, useLots, useIncident, useIncidents, useMembers, usePreview, useStatus, type AudienceView, type IncidentView, type StatusView } from './api';

interface ShopLite {
  id: string;
  name: string;
  currency: string;
}
const useShops = () => useQuery({ queryKey: ['shops'], queryFn: ({ signal }) => api.get<{ items: ShopLite[] }>('/api/shops', { signal }).then((r) => r.items) });

const STATUS_COLOR: Record<string, string> = { proposed: 'grape', draft: 'gray', pending_approval: 'orange', approved: 'blue', sending: 'teal', paused: 'yellow', cancelled: 'red', sent: 'green', closed: 'dark' };

/** Incidents: declare from a pattern, see the audience, agree the message, approve, send, follow, close. */
export function IncidentsPage() {
  return (
    <Routes>
      <Route index element={<IncidentList />} />
      <Route path="new" element={<DeclareWizard />} />
      <Route path=":id" element={<IncidentDetail />} />
    </Routes>
  );
}

function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation('incidents');
  return (
    <Badge color={STATUS_COLOR[status] ?? 'gray'} variant="light" data-testid="incident-status">
      {t(`statuses.${status}`)}
    </Badge>
  );
}

function IncidentList() {
  const { t } = useTranslation('incidents');
  const f = useFormat();
  const { can } = useSession();
  const list = useIncidents();
  const shops = useShops();
  const propose = useApiMutation({ mutationFn: async () => (await Promise.all((shops.data ?? []).map((s) => api.post<{ proposed: IncidentView[] }>('/api/incidents/propose', { shopId: s.id })))).reduce((n, r) => n + r.proposed.length, 0), invalidate: [incidentKeys.list], success: (n) => t('proposed', { count: n }) });
  const [importing, setImporting] = useState(false);
  return (
    <Stack gap="md" p="md" data-testid="incidents-page">
      <Group justify="space-between" wrap="wrap">
        <div>
          <Title order={2}>{t('title')}</Title>
          <Text size="sm" c="dimmed">
            {t('intro')}
          </Text>
        </div>
        <Group gap="xs">
          {can(['owner', 'supervisor']) && (
            <Button variant="default" onClick={() => propose.mutate()} loading={propose.isPending}>
              {t('propose')}
            </Button>
          )}
          {can(['owner', 'supervisor']) && (
            <Button variant="default" onClick={() => setImporting(true)} disabled={!shops.data?.length} data-testid="lots-open">
              {t('lots.open')}
            </Button>
          )}
          <Button component={Link} to="/incidents/new" leftSection={<IconPlus size={16} />} data-testid="declare">
            {t('declare')}
          </Button>
        </Group>
      </Group>
      {importing && shops.data && <LotImportModal shops={shops.data} onClose={() => setImporting(false)} />}
      {list.data && list.data.length === 0 && <Text c="dimmed">{t('none')}</Text>}
      <Table.ScrollContainer minWidth={360}>
        <Table striped highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('cols.title')}</Table.Th>
              <Table.Th>{t('cols.status')}</Table.Th>
              <Table.Th>{t('cols.cost')}</Table.Th>
              <Table.Th>{t('cols.created')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(list.data ?? []).map((i) => (
              <Table.Tr key={i.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/incidents/${i.id}`}>
                    {i.title}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={i.status} />
                </Table.Td>
                <Table.Td>{f.money(i.totalCost, i.currency)}</Table.Td>
                <Table.Td>{f.shortDateTime(i.createdAt)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}

interface PatternForm {
  shopId: string;
  title: string;
  livestreamIds: string[];
  videoIds: string[];
  adCampaignIds: string[];
  productIds: string[];
  lots: string[];
  placedFrom: string;
  placedTo: string;
  includeRefunded: boolean;
  includeCancelled: boolean;
}

/** Declare: the pattern first (combinable parts), then the audience, message and compensation on the incident's page. */
function DeclareWizard() {
  const { t } = useTranslation('incidents');
  const nav = useNavigate();
  const shops = useShops();
  const form = useForm<PatternForm>({ initialValues: { shopId: '', title: '', livestreamIds: [], videoIds: [], adCampaignIds: [], productIds: [], lots: [], placedFrom: '', placedTo: '', includeRefunded: false, includeCancelled: false } });
  useEffect(() => {
    if (!form.values.shopId && shops.data?.[0]) form.setFieldValue('shopId', shops.data[0].id);
  }, [shops.data]); // eslint-disable-line react-hooks/exhaustive-deps
  const choices = useChoices(form.values.shopId || null);
  const lots = useLots(form.values.shopId || null);
  const sources = (type: string) => (choices.data?.sources ?? []).filter((s) => s.type === type).map((s) => ({ value: s.id, label: `${s.name ?? s.id} (${s.lines})` }));
  const declare = useApiMutation({
    form,
    rename: { 'pattern.livestreamIds': 'livestreamIds', pattern: 'livestreamIds' },
    mutationFn: (v: PatternForm) => {
      const iso = (d: string) => (d ? new Date(`${d}T00:00:00Z`).toISOString() : undefined);
      const pattern = { livestreamIds: v.livestreamIds.length ? v.livestreamIds : undefined, videoIds: v.videoIds.length ? v.videoIds : undefined, adCampaignIds: v.adCampaignIds.length ? v.adCampaignIds : undefined, productIds: v.productIds.length ? v.productIds : undefined, lots: v.lots.length ? v.lots : undefined, placedFrom: iso(v.placedFrom), placedTo: iso(v.placedTo), includeRefunded: v.includeRefunded || undefined, includeCancelled: v.includeCancelled || undefined };
      return api.post<IncidentView>('/api/incidents', { shopId: v.shopId, title: v.title, pattern });
    },
    invalidate: [incidentKeys.list],
    onSuccess: (r) => nav(`/incidents/${r.id}`),
  });
  return (
    <Stack gap="md" p="md" maw={760} data-testid="declare-wizard">
      <Anchor component={Link} to="/incidents" size="sm">
        ← {t('back')}
      </Anchor>
      <Title order={2}>{t('declare')}</Title>
      <Stepper active={0} size="sm" allowNextStepsSelect={false}>
        <Stepper.Step label={t('wizard.stepPattern')} />
        <Stepper.Step label={t('wizard.stepAudience')} />
        <Stepper.Step label={t('wizard.stepMessage')} />
        <Stepper.Step label={t('wizard.stepCompensation')} />
      </Stepper>
      <form onSubmit={form.onSubmit((v) => declare.mutate(v))}>
        <Stack gap="sm">
          <Select label={t('wizard.shop')} data={(shops.data ?? []).map((s) => ({ value: s.id, label: s.name }))} {...form.getInputProps('shopId')} allowDeselect={false} />
          <TextInput label={t('wizard.name')} required {...form.getInputProps('title')} data-testid="incident-title" />
          <Text size="xs" c="dimmed">
            {t('wizard.combine')}
          </Text>
          <MultiSelect label={t('wizard.livestreams')} data={sources('livestream')} searchable {...form.getInputProps('livestreamIds')} data-testid="pick-livestreams" comboboxProps={{ withinPortal: true }} />
          <MultiSelect label={t('wizard.videos')} data={sources('creator_video')} searchable {...form.getInputProps('videoIds')} />
          <MultiSelect label={t('wizard.campaigns')} data={sources('ad_campaign')} searchable {...form.getInputProps('adCampaignIds')} />
          <MultiSelect label={t('wizard.products')} data={(choices.data?.products ?? []).map((p) => ({ value: p.productId, label: `${p.name} (${p.lines})` }))} searchable {...form.getInputProps('productIds')} />
          <MultiSelect label={t('lots.pick')} data={(lots.data ?? []).map((l) => ({ value: l.lot, label: `${l.lot} (${l.lines})` }))} searchable disabled={lots.data?.length === 0} placeholder={lots.data?.length === 0 ? t('lots.none') : undefined} {...form.getInputProps('lots')} data-testid="pick-lots" comboboxProps={{ withinPortal: true }} />
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput type="date" label={t('wizard.placedFrom')} {...form.getInputProps('placedFrom')} />
            <TextInput type="date" label={t('wizard.placedTo')} {...form.getInputProps('placedTo')} />
          </SimpleGrid>
          <Checkbox label={t('wizard.includeRefunded')} {...form.getInputProps('includeRefunded', { type: 'checkbox' })} />
          <Checkbox label={t('wizard.includeCancelled')} {...form.getInputProps('includeCancelled', { type: 'checkbox' })} />
          <Group justify="flex-end">
            <Button type="submit" loading={declare.isPending} data-testid="declare-submit">
              {t('wizard.create')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}

function IncidentDetail() {
  const { id = '' } = useParams();
  const { t } = useTranslation('incidents');
  const inc = useIncident(id);
  if (!inc.data) return null;
  const i = inc.data;
  const editable = i.status === 'proposed' || i.status === 'draft' || i.status === 'pending_approval';
  const started = ['sending', 'paused', 'sent', 'cancelled', 'closed'].includes(i.status);
  return (
    <Stack gap="md" p="md" data-testid="incident-detail" data-incident-id={i.id}>
      <Anchor component={Link} to="/incidents" size="sm">
        ← {t('back')}
      </Anchor>
      <Group justify="space-between" wrap="wrap">
        <Group gap="sm">
          <Title order={2}>{i.title}</Title>
          <StatusBadge status={i.status} />
        </Group>
        <Actions incident={i} />
      </Group>
      {i.proposal && (
        <Alert icon={<IconAlertTriangle size={16} />} color="grape">
          {t('proposal', { recent: i.proposal.recent, reason: i.proposal.reason, baseline: i.proposal.baseline, tickets: i.proposal.ticketIds.length })}
        </Alert>
      )}
      {started && <Progress_ incident={i} />}
      <AudiencePanel incident={i} />
      {editable ? <MessageEditor incident={i} /> : <MessageView_ incident={i} />}
      {started && <Dashboard incident={i} />}
    </Stack>
  );
}

function Actions({ incident: i }: { incident: IncidentView }) {
  const { t } = useTranslation('incidents');
  const { can } = useSession();
  const lead = can(['owner', 'supervisor']);
  const inv = [incidentKeys.all];
  const post = (path: string) => () => api.post<unknown>(`/api/incidents/${i.id}/${path}`, {});
  const submit = useApiMutation({ mutationFn: post('submit'), invalidate: inv });
  const approve = useApiMutation({ mutationFn: post('approve'), invalidate: inv });
  const send = useApiMutation({ mutationFn: post('send'), invalidate: inv });
  const pause = useApiMutation({ mutationFn: post('pause'), invalidate: inv });
  const resume = useApiMutation({ mutationFn: post('resume'), invalidate: inv });
  const cancel = useApiMutation({ mutationFn: post('cancel'), invalidate: inv });
  const [closing, setClosing] = useState(false);
  return (
    <Group gap="xs" wrap="wrap">
      {(i.status === 'draft' || i.status === 'proposed') && (
        <Button onClick={() => submit.mutate()} loading={submit.isPending} data-testid="submit">
          {t('wizard.submit')}
        </Button>
      )}
      {lead && i.status === 'pending_approval' && (
        <Button color="orange" onClick={() => approve.mutate()} loading={approve.isPending} data-testid="approve">
          {t('actions.approve')}
        </Button>
      )}
      {lead && i.status === 'approved' && (
        <Button onClick={() => send.mutate()} loading={send.isPending} data-testid="send">
          {t('actions.send')}
        </Button>
      )}
      {lead && i.status === 'sending' && (
        <Button variant="default" onClick={() => pause.mutate()} loading={pause.isPending} data-testid="pause">
          {t('actions.pause')}
        </Button>
      )}
      {lead && i.status === 'paused' && (
        <Button onClick={() => resume.mutate()} loading={resume.isPending} data-testid="resume">
          {t('actions.resume')}
        </Button>
      )}
      {lead && (i.status === 'sending' || i.status === 'paused' || i.status === 'approved') && (
        <Button color="red" variant="light" onClick={() => cancel.mutate()} loading={cancel.isPending}>
          {t('actions.cancel')}
        </Button>
      )}
      {lead && i.status !== 'closed' && i.status !== 'sending' && i.status !== 'paused' && (
        <Button variant="default" onClick={() => setClosing(true)} data-testid="close">
          {t('actions.close')}
        </Button>
      )}
      {closing && <CloseModal incident={i} onClose={() => setClosing(false)} />}
    </Group>
  );
}

const CAUSES = ['product_defect', 'listing_description', 'content_or_ad_claim', 'carrier', 'warehouse', 'other'] as const;

function CloseModal({ incident: i, onClose }: { incident: IncidentView; onClose: () => void }) {
  const { t } = useTranslation('incidents');
  const form = useForm({ initialValues: { rootCause: 'product_defect' as (typeof CAUSES)[number], fix: '', followUp: '', excludeSource: false } });
  const close = useApiMutation({
    form,
    mutationFn: (v: typeof form.values) => api.post<IncidentView>(`/api/incidents/${i.id}/close`, { rootCause: v.rootCause, fix: v.fix, followUps: v.followUp ? [{ kind: 'other', title: v.followUp }] : undefined, excludeSource: v.excludeSource || undefined }),
    invalidate: [incidentKeys.all],
    onSuccess: onClose,
  });
  return (
    <Modal opened onClose={onClose} title={t('close.title')}>
      <form onSubmit={form.onSubmit((v) => close.mutate(v))}>
        <Stack gap="sm">
          <Select label={t('close.rootCause')} data={CAUSES.map((c) => ({ value: c, label: t(`close.causes.${c}`) }))} {...form.getInputProps('rootCause')} allowDeselect={false} comboboxProps={{ withinPortal: true }} />
          <Textarea label={t('close.fix')} required autosize minRows={2} {...form.getInputProps('fix')} />
          <TextInput label={t('close.followUp')} {...form.getInputProps('followUp')} />
          <Checkbox label={t('close.excludeSource')} {...form.getInputProps('excludeSource', { type: 'checkbox' })} />
          <Button type="submit" loading={close.isPending}>
            {t('close.confirm')}
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}

function Counts({ title, counts, label }: { title: string; counts: Record<string, number>; label?: (k: string) => string }) {
  return (
    <div>
      <Text size="xs" c="dimmed" fw={600}>
        {title}
      </Text>
      <Group gap={6} mt={4}>
        {Object.entries(counts).map(([k, n]) => (
          <Badge key={k} variant="outline" color="gray">
            {label ? label(k) : k}: {n}
          </Badge>
        ))}
      </Group>
    </div>
  );
}

function AudiencePanel({ incident: i }: { incident: IncidentView }) {
  const { t } = useTranslation('incidents');
  const f = useFormat();
  const { can } = useSession();
  const a = useAudience(i.id);
  const members = useMembers(i.id);
  const editable = i.status === 'proposed' || i.status === 'draft' || i.status === 'pending_approval';
  const save = useApiMutation({ mutationFn: (b: { channels?: string[]; deadlineHours?: number }) => api.patch<IncidentView>(`/api/incidents/${i.id}`, b), invalidate: [incidentKeys.all] });
  const delta = useApiMutation({ mutationFn: (include: boolean) => api.post<{ added: number }>(`/api/incidents/${i.id}/delta`, { include }), invalidate: [incidentKeys.all] });
  const v: AudienceView | undefined = a.data;
  return (
    <Card withBorder data-testid="audience">
      <Group justify="space-between" mb="xs">
        <Title order={4}>{t('audience.title')}</Title>
        {v && <Badge variant="light">{v.frozen ? t('audience.frozen') : t('audience.live')}</Badge>}
      </Group>
      {v && (
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 2, sm: 5 }}>
            <Stat label={t('audience.total')} value={v.total} testId="audience-total" />
            <Stat label={t('audience.complained')} value={v.complained} />
            <Stat label={t('audience.silent')} value={v.withoutComplaint} />
            <Stat label={t('audience.excluded')} value={v.excluded} />
            <Stat label={t('audience.unreachable')} value={v.unreachable} />
          </SimpleGrid>
          <Counts title={t('audience.byMarket')} counts={v.byMarket} />
          <Counts title={t('audience.byLanguage')} counts={v.byLanguage} label={(k) => t(`langs.${k}`, { defaultValue: k })} />
          <Counts title={t('audience.reach')} counts={v.reachable} label={(k) => t(`channels.${k}`)} />
          {editable && (
            <Group align="flex-end" wrap="wrap">
              <MultiSelect w={300} label={t('audience.channels')} data={CHANNELS.map((c) => ({ value: c, label: t(`channels.${c}`) }))} value={i.channels} onChange={(channels) => channels.length && save.mutate({ channels })} comboboxProps={{ withinPortal: true }} />
              <NumberInput w={180} label={t('audience.deadline')} min={1} max={720} defaultValue={i.deadlineHours} onBlur={(e) => save.mutate({ deadlineHours: Number(e.currentTarget.value) || i.deadlineHours })} />
            </Group>
          )}
          <Table withTableBorder data-testid="estimate">
            <Table.Tbody>
              {v.estimate.map((e) => (
                <Table.Tr key={e.channel}>
                  <Table.Td>{t(`channels.${e.channel}`)}</Table.Td>
                  <Table.Td>{e.buyers}</Table.Td>
                  <Table.Td>
                    {t('audience.estimate')}: {f.dateTime(e.finishAt)}
                  </Table.Td>
                  <Table.Td>{e.afterDeadline > 0 ? <Text c="red" size="sm">{t('audience.afterDeadline', { count: e.afterDeadline })}</Text> : <Text c="teal" size="sm">{t('audience.inTime')}</Text>}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Group gap="md">
            <Text size="sm">
              {t('audience.cost')}: <b data-testid="total-cost">{f.money(v.totalCost, v.currency)}</b>
            </Text>
            <Badge color={v.needsApproval ? 'orange' : 'teal'} variant="light">
              {v.needsApproval ? t('audience.needsApproval') : t('audience.withinAuthority')}
            </Badge>
          </Group>
          {v.delta && v.delta.added > 0 && (
            <Alert color="yellow" data-testid="delta">
              <Group justify="space-between">
                <Text size="sm">{t('audience.delta', { count: v.delta.added })}</Text>
                {can(['owner', 'supervisor']) && (
                  <Group gap="xs">
                    <Button size="xs" onClick={() => delta.mutate(true)}>
                      {t('audience.addDelta')}
                    </Button>
                    <Button size="xs" variant="default" onClick={() => delta.mutate(false)}>
                      {t('audience.skipDelta')}
                    </Button>
                  </Group>
                )}
              </Group>
            </Alert>
          )}
          <Table.ScrollContainer minWidth={360}>
            <Table striped fz="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('audience.members')}</Table.Th>
                  <Table.Th>{t('audience.order')}</Table.Th>
                  <Table.Th>{t('audience.reachCol')}</Table.Th>
                  <Table.Th>{t('audience.state')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(members.data?.items ?? []).slice(0, 20).map((m) => (
                  <Table.Tr key={m.buyerId}>
                    <Table.Td>
                      {m.buyerName ?? m.buyerId} {m.complained ? '•' : ''}
                    </Table.Td>
                    <Table.Td>{m.orderNumber}</Table.Td>
                    <Table.Td>
                      {m.language} · {m.country ?? '—'} · {m.channel ? t(`channels.${m.channel}`) : t('channels.none')}
                    </Table.Td>
                    <Table.Td>{t(`memberStates.${m.state}`, { defaultValue: m.state })}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Stack>
      )}
    </Card>
  );
}

function Stat({ label, value, testId }: { label: string; value: number | string; testId?: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={700} size="lg" data-testid={testId}>
        {value}
      </Text>
    </div>
  );
}

type Lang = (typeof LANGS)[number];

function MessageEditor({ incident: i }: { incident: IncidentView }) {
  const { t } = useTranslation('incidents');
  const f = useFormat();
  const choices = useChoices(i.shopId);
  const preview = usePreview(i.id);
  const [lang, setLang] = useState<Lang>('en');
  const form = useForm({
    initialValues: {
      messages: Object.fromEntries(LANGS.map((l) => [l, i.messages[l] ?? ''])) as Record<Lang, string>,
      kind: i.compensation.kind as 'none' | 'coupon' | 'partial_refund' | 'reship',
      platformCouponId: i.compensation.platformCouponId ?? '',
      amount: i.compensation.amount ?? 0,
      unitCost: i.compensation.unitCost ?? 0,
    },
  });
  const save = useApiMutation({
    form,
    mutationFn: (v: typeof form.values) => {
      const compensation = v.kind === 'coupon' ? { kind: 'coupon' as const, platformCouponId: v.platformCouponId } : v.kind === 'partial_refund' ? { kind: 'partial_refund' as const, amount: v.amount } : v.kind === 'reship' ? { kind: 'reship' as const, unitCost: v.unitCost } : { kind: 'none' as const };
      const messages = Object.fromEntries(Object.entries(v.messages).filter(([, x]) => x.trim()));
      return api.patch<IncidentView>(`/api/incidents/${i.id}`, { messages, compensation: v.kind === 'coupon' && !v.platformCouponId ? undefined : compensation });
    },
    invalidate: [incidentKeys.all],
    success: t('message.saved'),
  });
  const test = useApiMutation({ mutationFn: () => api.post<{ to: string }>(`/api/incidents/${i.id}/test-send`, { language: lang }), success: (r) => t('message.testSent', { to: r.to }) });
  const p = preview.data?.items.find((x) => x.language === lang);
  return (
    <Card withBorder data-testid="message-editor">
      <form onSubmit={form.onSubmit((v) => save.mutate(v))}>
        <Stack gap="sm">
          <Title order={4}>{t('message.title')}</Title>
          <Text size="xs" c="dimmed">
            {t('message.help')}
          </Text>
          <Tabs value={lang} onChange={(v) => v && setLang(v as Lang)}>
            <Tabs.List>
              {LANGS.map((l) => (
                <Tabs.Tab key={l} value={l} data-testid={`lang-${l}`}>
                  {t(`langs.${l}`)}
                </Tabs.Tab>
              ))}
            </Tabs.List>
          </Tabs>
          <Textarea autosize minRows={3} {...form.getInputProps(`messages.${lang}`)} data-testid="message-text" />
          {p?.text && (
            <Alert color="gray" title={`${t('message.preview')}${p.sampleBuyer ? ` — ${t('message.sample', { name: p.sampleBuyer })}` : ''}`} data-testid="preview">
              {p.text}
            </Alert>
          )}
          <Title order={5}>{t('compensation.title')}</Title>
          <SegmentedControl data={(['none', 'coupon', 'partial_refund', 'reship'] as const).map((k) => ({ value: k, label: t(`compensation.kinds.${k}`) }))} {...form.getInputProps('kind')} data-testid="compensation-kind" />
          {form.values.kind === 'coupon' && (
            <Select label={t('compensation.coupon')} data={(choices.data?.coupons ?? []).map((c) => ({ value: c.id, label: `${c.title} (${f.money(c.faceValue, c.currency)})` }))} {...form.getInputProps('platformCouponId')} error={form.errors['compensation.platformCouponId']} data-testid="coupon-select" comboboxProps={{ withinPortal: true }} />
          )}
          {form.values.kind === 'partial_refund' && <NumberInput label={t('compensation.amount')} min={1} {...form.getInputProps('amount')} />}
          {form.values.kind === 'reship' && <NumberInput label={t('compensation.unitCost')} min={0} {...form.getInputProps('unitCost')} />}
          {(form.values.kind === 'partial_refund' || form.values.kind === 'reship') && (
            <Text size="xs" c="dimmed">
              {t('compensation.manual')}
            </Text>
          )}
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={() => test.mutate()} loading={test.isPending} disabled={!i.messages[lang]}>
              {t('message.testSend')}
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="save-message">
              {t('message.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function MessageView_({ incident: i }: { incident: IncidentView }) {
  const { t } = useTranslation('incidents');
  const f = useFormat();
  const c = i.compensation;
  return (
    <Card withBorder>
      <Title order={4}>{t('message.title')}</Title>
      <Stack gap={6} mt="xs">
        {Object.entries(i.messages).map(([l, m]) => (
          <Text key={l} size="sm">
            <b>{t(`langs.${l}`, { defaultValue: l })}:</b> {m}
          </Text>
        ))}
        <Text size="sm">
          {t('compensation.title')}: {t(`compensation.kinds.${c.kind}`)}
          {c.faceValue ? ` · ${f.money(c.faceValue, c.currency ?? i.currency)}` : ''}
          {c.amount ? ` · ${f.money(c.amount, i.currency)}` : ''}
        </Text>
      </Stack>
    </Card>
  );
}

function Progress_({ incident: i }: { incident: IncidentView }) {
  const { t } = useTranslation('incidents');
  const f = useFormat();
  const s = useStatus(i.id, i.status === 'sending');
  if (!s.data) return null;
  const v: StatusView = s.data;
  const total = Math.max(1, v.targeted - v.unreachable);
  return (
    <Card withBorder data-testid="progress">
      <Title order={4}>{t('progress.title')}</Title>
      <Progress.Root size="xl" mt="sm">
        <Progress.Section value={(100 * v.sent) / total} color="teal">
          <Progress.Label>{v.sent}</Progress.Label>
        </Progress.Section>
        <Progress.Section value={(100 * v.failed) / total} color="red" />
        <Progress.Section value={(100 * v.paused) / total} color="yellow" />
      </Progress.Root>
      <Group gap="lg" mt="xs" wrap="wrap">
        <Text size="sm" data-testid="progress-sent">
          {t('progress.sent')}: {v.sent} / {total}
        </Text>
        <Text size="sm">
          {t('progress.queued')}: {v.queued}
        </Text>
        <Text size="sm">
          {t('progress.failed')}: {v.failed}
        </Text>
        <Text size="sm">
          {t('progress.paused')}: {v.paused}
        </Text>
        <Text size="sm">
          {t('progress.unreachable')}: {v.unreachable}
        </Text>
        <Text size="sm">
          {t('progress.deferred')}: {v.deferred}
        </Text>
        {v.estimatedFinishAt && <Text size="sm">{t('progress.finish', { at: f.dateTime(v.estimatedFinishAt) })}</Text>}
      </Group>
    </Card>
  );
}

function Dashboard({ incident: i }: { incident: IncidentView }) {
  const { t } = useTranslation('incidents');
  const f = useFormat();
  const s = useStatus(i.id, i.status === 'sending');
  if (!s.data) return null;
  const v = s.data;
  const rows = (m: StatusView['byLanguage'], label: (k: string) => string) =>
    Object.entries(m).map(([k, x]) => (
      <Table.Tr key={k}>
        <Table.Td>{label(k)}</Table.Td>
        <Table.Td>{x.targeted}</Table.Td>
        <Table.Td>{x.sent}</Table.Td>
        <Table.Td>{x.failed}</Table.Td>
        <Table.Td>{x.replied}</Table.Td>
        <Table.Td>{x.accepted}</Table.Td>
      </Table.Tr>
    ));
  const head = (
    <Table.Thead>
      <Table.Tr>
        <Table.Th>{t('dashboard.key')}</Table.Th>
        <Table.Th>{t('dashboard.targeted')}</Table.Th>
        <Table.Th>{t('progress.sent')}</Table.Th>
        <Table.Th>{t('progress.failed')}</Table.Th>
        <Table.Th>{t('dashboard.replied')}</Table.Th>
        <Table.Th>{t('dashboard.accepted')}</Table.Th>
      </Table.Tr>
    </Table.Thead>
  );
  return (
    <Card withBorder data-testid="dashboard">
      <Title order={4}>{t('dashboard.title')}</Title>
      <SimpleGrid cols={{ base: 2, sm: 4, md: 7 }} mt="sm">
        <Stat label={t('dashboard.targeted')} value={v.targeted} />
        <Stat label={t('progress.sent')} value={v.sent} />
        <Stat label={t('progress.failed')} value={v.failed} />
        <Stat label={t('dashboard.replied')} value={v.replied} />
        <Stat label={t('dashboard.accepted')} value={v.accepted} />
        <Stat label={t('dashboard.stillOpen')} value={v.stillOpen} />
        <Stat label={t('dashboard.returnsAfter')} value={v.returnsAfter} />
      </SimpleGrid>
      {v.series.length > 0 && (
        <>
          <Text size="sm" fw={600} mt="md">
            {t('dashboard.overTime')}
          </Text>
          <LineChart
            h={220}
            mt="xs"
            data={v.series.map((x) => ({ at: f.shortDateTime(x.at), sent: x.sent, replied: x.replied }))}
            dataKey="at"
            series={[
              { name: 'sent', label: t('dashboard.seriesSent'), color: 'teal.6' },
              { name: 'replied', label: t('dashboard.seriesReplied'), color: 'orange.6' },
            ]}
            withLegend
          />
        </>
      )}
      <SimpleGrid cols={{ base: 1, md: 2 }} mt="md">
        <Table.ScrollContainer minWidth={320}>
          <Text size="sm" fw={600}>
            {t('dashboard.perLanguage')}
          </Text>
          <Table fz="xs">
            {head}
            <Table.Tbody>{rows(v.byLanguage, (k) => t(`langs.${k}`, { defaultValue: k }))}</Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <Table.ScrollContainer minWidth={320}>
          <Text size="sm" fw={600}>
            {t('dashboard.perChannel')}
          </Text>
          <Table fz="xs">
            {head}
            <Table.Tbody>{rows(v.byChannel, (k) => t(`channels.${k}`, { defaultValue: k }))}</Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </SimpleGrid>
      {v.failures.length > 0 && (
        <>
          <Text size="sm" fw={600} mt="md">
            {t('dashboard.failures')}
          </Text>
          {v.failures.map((x) => (
            <Text key={x.reason} size="xs">
              {x.count} × {x.reason}
            </Text>
          ))}
        </>
      )}
    </Card>
  );
}
