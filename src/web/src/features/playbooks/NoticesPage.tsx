import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { Badge, Button, Card, Group, Modal, NumberInput, Select, SimpleGrid, Stack, Switch, Table, Tabs, Text, Textarea, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconPlayerPlay, IconPlus } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CreateNotice, UpdateNotice } from '../../../../modules/playbooks/playbooks.dto';
import { api } from '../../lib/api';
import { contractValidator } from '../../lib/form';
import { useApiMutation } from '../../lib/mutation';
import { BUYER_LANGS, pbKeys, useNoticeReport, useNotices, useProducts, useShopList, type NoticeReportView, type NoticeRunView, type NoticeView } from './api';
import { formatterFor } from '../../lib/format';

const pct = (x: number | null | undefined, lang: string) => (x == null ? '—' : formatterFor(lang).percent(x, 1));
const pts = (x: number, lang: string) => `${x > 0 ? '+' : ''}${formatterFor(lang).number(x * 100, 1)}`;

/** Proactive notices: per product, a message in the buyer's language after purchase, shipping or delivery, with a hold-out report. */
export function NoticesPage() {
  const { t, i18n } = useTranslation('playbooks');
  const lang = i18n.language;
  const notices = useNotices();
  const shops = useShopList();
  const [editing, setEditing] = useState<NoticeView | 'new' | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const run = useApiMutation({
    invalidate: [pbKeys.notices, ['playbooks', 'report']],
    mutationFn: () => api.post<NoticeRunView>('/api/notices/run'),
    success: (r) => t('notices.ran', { planned: r.planned, heldOut: r.heldOut, refused: r.refused }),
  });
  const shopName = (id: string) => shops.data?.find((s) => s.id === id)?.name ?? id;
  return (
    <Stack gap="md" p="md" data-testid="notices-page">
      <Group justify="space-between" wrap="wrap">
        <Title order={2}>{t('notices.title')}</Title>
        <Group gap="xs">
          <Button variant="default" leftSection={<IconPlayerPlay size={14} />} onClick={() => run.mutate()} loading={run.isPending} data-testid="notices-run">
            {t('notices.runNow')}
          </Button>
          <Button leftSection={<IconPlus size={14} />} onClick={() => setEditing('new')} data-testid="notice-new">
            {t('notices.new')}
          </Button>
        </Group>
      </Group>
      <Text c="dimmed" size="sm">
        {t('notices.intro')}
      </Text>
      {(notices.data ?? []).length === 0 && !notices.isPending && (
        <Text c="dimmed" data-testid="notices-empty">
          {t('notices.empty')}
        </Text>
      )}
      {(notices.data ?? []).map((n) => (
        <Card key={n.id} withBorder padding="sm" data-testid="notice-card">
          <Group justify="space-between" wrap="wrap">
            <div>
              <Text fw={600}>{n.productName}</Text>
              <Text size="xs" c="dimmed">
                {shopName(n.shopId)} · {t(`notices.trigger.${n.trigger}`)} · {t('notices.delayN', { hours: n.delayHours })} · {t('notices.holdoutN', { pct: n.holdoutPercent })} · {Object.keys(n.texts).map((l) => l.toUpperCase()).join(' ')}
              </Text>
            </div>
            <Group gap="xs">
              <Badge variant="light" color={n.active ? 'teal' : 'gray'}>
                {n.active ? t('macros.active') : t('macros.inactive')}
              </Badge>
              <Button size="xs" variant="default" onClick={() => setEditing(n)}>
                {t('edit')}
              </Button>
              <Button size="xs" variant="light" onClick={() => setOpen(open === n.id ? null : n.id)} data-testid="notice-report-open">
                {t('notices.report')}
              </Button>
            </Group>
          </Group>
          {open === n.id && <NoticeReport id={n.id} lang={lang} />}
        </Card>
      ))}
      {editing && <NoticeEditor notice={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
    </Stack>
  );
}

function Verdict({ v }: { v: NoticeReportView['complaintLift'] }) {
  const { t, i18n } = useTranslation('playbooks');
  const color = v.verdict === 'fewer' ? 'teal' : v.verdict === 'more' ? 'red' : 'gray';
  return (
    <Group gap={6}>
      <Badge color={color} variant="light" data-testid="notice-verdict">
        {t(`notices.verdict.${v.verdict}`)}
      </Badge>
      {v.diff && (
        <Text size="xs" c="dimmed">
          {t('notices.interval', { est: pts(v.diff.estimate, i18n.language), low: pts(v.diff.low, i18n.language), high: pts(v.diff.high, i18n.language) })}
        </Text>
      )}
    </Group>
  );
}

function NoticeReport({ id, lang }: { id: string; lang: string }) {
  const { t } = useTranslation('playbooks');
  const r = useNoticeReport(id).data;
  if (!r) return null;
  const data = [
    { metric: t('notices.complaintRate'), [t('notices.treatment')]: (r.treatment.complaintRate ?? 0) * 100, [t('notices.holdout')]: (r.holdout.complaintRate ?? 0) * 100 },
    { metric: t('notices.returnRate'), [t('notices.treatment')]: (r.treatment.returnRate ?? 0) * 100, [t('notices.holdout')]: (r.holdout.returnRate ?? 0) * 100 },
  ];
  return (
    <Stack gap="sm" mt="sm" data-testid="notice-report">
      <SimpleGrid cols={{ base: 2, sm: 5 }}>
        {(['sent', 'planned', 'waiting', 'refused', 'failed'] as const).map((k) => (
          <div key={k}>
            <Text size="xs" c="dimmed">
              {t(`notices.counts.${k}`)}
            </Text>
            <Text fw={600} data-testid={`notice-count-${k}`}>
              {r[k]}
            </Text>
          </div>
        ))}
      </SimpleGrid>
      <Table.ScrollContainer minWidth={420}>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th />
              <Table.Th>{t('notices.orders')}</Table.Th>
              <Table.Th>{t('notices.complaintRate')}</Table.Th>
              <Table.Th>{t('notices.returnRate')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(['treatment', 'holdout'] as const).map((a) => (
              <Table.Tr key={a}>
                <Table.Td>{t(`notices.${a}`)}</Table.Td>
                <Table.Td>{r[a].orders}</Table.Td>
                <Table.Td>
                  {pct(r[a].complaintRate, lang)} ({r[a].complaints})
                </Table.Td>
                <Table.Td>
                  {pct(r[a].returnRate, lang)} ({r[a].returns})
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <BarChart h={180} data={data} dataKey="metric" unit=" %" series={[{ name: t('notices.treatment'), color: 'teal.6' }, { name: t('notices.holdout'), color: 'gray.5' }]} />
      <Group gap="lg" wrap="wrap">
        <div>
          <Text size="xs" fw={600}>
            {t('notices.complaints')}
          </Text>
          <Verdict v={r.complaintLift} />
        </div>
        <div>
          <Text size="xs" fw={600}>
            {t('notices.returns')}
          </Text>
          <Verdict v={r.returnLift} />
        </div>
      </Group>
      <Text size="xs" c="dimmed">
        {t('notices.method')}
      </Text>
    </Stack>
  );
}

interface NoticeForm {
  shopId: string;
  productId: string;
  trigger: string;
  delayHours: number | string;
  holdoutPercent: number | string;
  active: boolean;
  texts: Record<string, string>;
}

function noticeBody(v: NoticeForm, existing: boolean) {
  const texts = Object.fromEntries(Object.entries(v.texts).filter(([, x]) => x.trim()));
  const common = { trigger: v.trigger, delayHours: v.delayHours === '' ? undefined : Number(v.delayHours), holdoutPercent: v.holdoutPercent === '' ? undefined : Number(v.holdoutPercent), texts };
  return existing ? { ...common, active: v.active } : { ...common, shopId: v.shopId, productId: v.productId };
}

function NoticeEditor({ notice, onClose }: { notice: NoticeView | null; onClose: () => void }) {
  const { t } = useTranslation('playbooks');
  const { t: tAll } = useTranslation();
  const shops = useShopList();
  const [textLang, setTextLang] = useState('en');
  const form = useForm<NoticeForm>({
    initialValues: {
      shopId: notice?.shopId ?? '',
      productId: notice?.productId ?? '',
      trigger: notice?.trigger ?? 'delivery',
      delayHours: notice?.delayHours ?? 24,
      holdoutPercent: notice?.holdoutPercent ?? 20,
      active: notice?.active ?? true,
      texts: Object.fromEntries(BUYER_LANGS.map((l) => [l, notice?.texts[l] ?? ''])),
    },
    validate: contractValidator(tAll, notice ? UpdateNotice : CreateNotice, (v: NoticeForm) => noticeBody(v, !!notice)),
  });
  useEffect(() => {
    if (!form.values.shopId && shops.data?.[0]) form.setFieldValue('shopId', shops.data[0].id);
  }, [shops.data, form]);
  const products = useProducts(form.values.shopId || null);
  const save = useApiMutation({
    form,
    invalidate: [pbKeys.notices],
    success: t('notices.saved'),
    mutationFn: () => (notice ? api.patch<NoticeView>(`/api/notices/${notice.id}`, noticeBody(form.values, true)) : api.post<NoticeView>('/api/notices', noticeBody(form.values, false))),
    onSuccess: () => onClose(),
  });
  return (
    <Modal opened onClose={onClose} title={notice ? notice.productName : t('notices.new')} size="lg" data-testid="notice-editor">
      <form onSubmit={form.onSubmit(() => save.mutate())}>
        <Stack gap="sm">
          {!notice && (
            <>
              <Select label={t('notices.shop')} data={(shops.data ?? []).map((s) => ({ value: s.id, label: s.name }))} {...form.getInputProps('shopId')} allowDeselect={false} />
              <Select
                label={t('notices.product')}
                searchable
                required
                data={(products.data ?? []).map((p) => ({ value: p.productId, label: `${p.productName} (${p.lines})` }))}
                {...form.getInputProps('productId')}
                data-testid="notice-product"
              />
            </>
          )}
          <Group grow wrap="wrap" align="flex-start">
            <Select label={t('notices.when')} data={(['purchase', 'shipping', 'delivery'] as const).map((x) => ({ value: x, label: t(`notices.trigger.${x}`) }))} {...form.getInputProps('trigger')} allowDeselect={false} />
            <NumberInput label={t('notices.delay')} min={0} max={2160} {...form.getInputProps('delayHours')} />
            <NumberInput label={t('notices.holdout')} description={t('notices.holdoutHint')} min={0} max={90} {...form.getInputProps('holdoutPercent')} />
          </Group>
          <Tabs value={textLang} onChange={(v) => setTextLang(v ?? 'en')}>
            <Tabs.List>
              {BUYER_LANGS.map((l) => (
                <Tabs.Tab key={l} value={l}>
                  {l.toUpperCase()}
                  {form.values.texts[l]?.trim() ? ' ●' : ''}
                </Tabs.Tab>
              ))}
            </Tabs.List>
          </Tabs>
          <Textarea label={t('notices.text', { language: textLang.toUpperCase() })} description={textLang === 'en' ? t('macros.enRequired') : t('notices.fallback')} autosize minRows={3} {...form.getInputProps(`texts.${textLang}`)} error={form.errors[`texts.${textLang}`] ?? form.errors.texts} data-testid="notice-text" />
          {notice && <Switch label={t('notices.activeSwitch')} {...form.getInputProps('active', { type: 'checkbox' })} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('cancel')}
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="notice-save">
              {t('save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
