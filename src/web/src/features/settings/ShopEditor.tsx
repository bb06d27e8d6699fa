import { ActionIcon, Button, Checkbox, Drawer, Group, Indicator, MultiSelect, NumberInput, SegmentedControl, Select, Stack, Switch, Table, TagsInput, Tabs, Text, TextInput, Textarea, Tooltip } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { UpdateShop } from '../../../../modules/tenancy/tenancy.dto';
import { api } from '../../lib/api';
import { contractValidator } from '../../lib/form';
import { useApiMutation } from '../../lib/mutation';
import { keys, useHolidays } from './api';
import { FormAlert, QueryState } from './common';
import { BUYER_LANGUAGES, CURRENCIES, REFUND_TRIGGERS, WEEKDAYS, type BusinessHours, type ReturnPolicy, type ShopView, type SupportContacts } from './types';

interface Draft {
  name: string;
  languages: string[];
  timeZone: string;
  currency: string;
  region: string;
  businessHours: BusinessHours;
  returnPolicy: ReturnPolicy;
  supportContacts: Required<{ [K in keyof SupportContacts]: string }>;
}

const CONTACT_KEYS = ['email', 'phone', 'whatsapp', 'address', 'returnWarehouse'] as const;

function toDraft(s: ShopView): Draft {
  const c = s.supportContacts;
  return {
    name: s.name,
    languages: [...s.languages],
    timeZone: s.timeZone,
    currency: s.currency,
    region: s.region ?? '',
    businessHours: structuredClone(s.businessHours),
    returnPolicy: structuredClone(s.returnPolicy),
    supportContacts: { email: c.email ?? '', phone: c.phone ?? '', whatsapp: c.whatsapp ?? '', address: c.address ?? '', returnWarehouse: c.returnWarehouse ?? '' },
  };
}

export function timeZones(current: string): string[] {
  let all: string[] = [];
  try {
    all = Intl.supportedValuesOf('timeZone');
  } catch {
    all = [];
  }
  if (!all.includes('UTC')) all = [...all, 'UTC'];
  return all.includes(current) ? all : [current, ...all];
}

const TAB_FIELDS: Record<string, string[]> = {
  general: ['name', 'languages', 'timeZone', 'currency', 'region'],
  hours: ['businessHours'],
  returns: ['returnPolicy'],
  contacts: ['supportContacts'],
};

/** Edit every setting of one shop (`PATCH /api/shops/:id`) and see its public holidays. */
export function ShopEditor({ shop, readOnly, onClose }: { shop: ShopView; readOnly: boolean; onClose: () => void }) {
  const { t } = useTranslation('settings');
  const { t: tAll } = useTranslation();
  const qc = useQueryClient();
  const [tab, setTab] = useState<string>('general');
  const [formError, setFormError] = useState<string | null>(null);
  const zones = useMemo(() => timeZones(shop.timeZone), [shop.timeZone]);
  const toBody = (d: Draft) => {
    const contacts: SupportContacts = {};
    for (const k of CONTACT_KEYS) if (d.supportContacts[k].trim()) contacts[k] = d.supportContacts[k].trim();
    return {
      name: d.name.trim(),
      languages: d.languages,
      timeZone: d.timeZone,
      currency: d.currency.trim().toUpperCase(),
      businessHours: d.businessHours,
      returnPolicy: d.returnPolicy,
      supportContacts: contacts,
      ...(d.region.trim() ? { region: d.region.trim().toUpperCase() } : {}),
    };
  };
  const form = useForm<Draft>({ initialValues: toDraft(shop), validate: contractValidator(tAll, UpdateShop, toBody) });
  const draft = form.values;
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => form.setFieldValue(k, v as never);
  const setPolicy = <K extends keyof ReturnPolicy>(k: K, v: ReturnPolicy[K]) => form.setFieldValue(`returnPolicy.${k}`, v as never);
  const setContact = (k: (typeof CONTACT_KEYS)[number], v: string) => form.setFieldValue(`supportContacts.${k}`, v as never);
  const err = (f: string) => (form.errors[f] as string | undefined) ?? undefined;
  const hasUnder = (prefix: string) => Object.keys(form.errors).some((k) => k === prefix || k.startsWith(`${prefix}.`));
  const showTabOf = (bad: string[]) => {
    const firstTab = Object.entries(TAB_FIELDS).find(([, prefixes]) => prefixes.some((p) => bad.some((f) => f === p || f.startsWith(`${p}.`))));
    if (firstTab) setTab(firstTab[0]);
  };
  const save = useApiMutation({
    mutationFn: (d: Draft) => api.patch<ShopView>(`/api/shops/${encodeURIComponent(shop.id)}`, toBody(d)),
    form,
    invalidate: [keys.shops],
    success: (saved) => t('shops.saved', { name: saved.name }),
    onMutate: () => setFormError(null),
    onSuccess: (saved) => {
      qc.setQueryData<ShopView[]>(keys.shops, (list) => list?.map((s) => (s.id === saved.id ? saved : s)));
      onClose();
    },
    onError: (presented) => {
      const bad = Object.keys(presented.fields);
      setFormError(bad.length ? t('common:form.fixErrors') : presented.message);
      showTabOf(bad);
    },
  });

  const tabLabel = (key: string) => {
    const bad = (TAB_FIELDS[key] ?? []).some((p) => hasUnder(p));
    return (
      <Indicator disabled={!bad} color="red" size={7} offset={-4} position="top-end">
        <span>{t(`shops.editor.tabs.${key}`)}</span>
      </Indicator>
    );
  };

  return (
    <Drawer opened onClose={onClose} position="right" size={720} title={<Text fw={600}>{t('shops.editor.title', { name: shop.name })}</Text>} padding="lg">
      <form
        onSubmit={form.onSubmit(
          (d) => save.mutate(d),
          (errors) => {
            setFormError(t('common:form.fixErrors'));
            showTabOf(Object.keys(errors));
          },
        )}
        noValidate
      >
        <Stack gap="md">
          <FormAlert message={formError} />
          <Tabs value={tab} onChange={(v) => v && setTab(v)}>
              <Tabs.List>
                {['general', 'hours', 'returns', 'contacts', 'holidays'].map((k) => (
                  <Tabs.Tab key={k} value={k}>
                    {tabLabel(k)}
                  </Tabs.Tab>
                ))}
              </Tabs.List>

              <Tabs.Panel value="general" pt="md">
                <ReadOnly when={readOnly}>
                <Stack gap="sm">
                  <TextInput label={t('shops.fields.name')} value={draft.name} onChange={(e) => set('name', e.currentTarget.value)} error={err('name')} />
                  <Group grow align="flex-start">
                    <TextInput label={t('shops.columns.market')} value={`${t(`common:markets.${shop.market}`, { defaultValue: shop.market })} (${shop.market})`} readOnly variant="filled" description={t('shops.fields.marketFixed')} />
                    <TextInput
                      label={t('shops.fields.region')}
                      description={t('shops.fields.regionHint')}
                      value={draft.region}
                      onChange={(e) => set('region', e.currentTarget.value)}
                      error={err('region')}
                      maxLength={10}
                    />
                  </Group>
                  <MultiSelect
                    label={t('shops.fields.languages')}
                    description={t('shops.fields.languagesHint')}
                    data={BUYER_LANGUAGES.map((l) => ({ value: l, label: t(`common:languages.${l}`) }))}
                    value={draft.languages}
                    onChange={(v) => set('languages', v)}
                    error={err('languages')}
                    comboboxProps={{ withinPortal: true }}
                  />
                  <Group grow align="flex-start">
                    <Select
                      label={t('shops.fields.timeZone')}
                      data={zones}
                      value={draft.timeZone}
                      onChange={(v) => v && set('timeZone', v)}
                      error={err('timeZone')}
                      searchable
                      allowDeselect={false}
                      limit={200}
                      comboboxProps={{ withinPortal: true }}
                    />
                    <Select
                      label={t('shops.fields.currency')}
                      data={CURRENCIES.includes(draft.currency as never) ? [...CURRENCIES] : [draft.currency, ...CURRENCIES]}
                      value={draft.currency}
                      onChange={(v) => v && set('currency', v)}
                      error={err('currency')}
                      allowDeselect={false}
                      comboboxProps={{ withinPortal: true }}
                    />
                  </Group>
                  {/* Not editable: only the seller's TikTok authorisation binds a TikTok shop to this shop (TikTok connections tab). */}
                  <Group gap="xs" justify="space-between" wrap="wrap" data-testid="shop-tiktok">
                    <div>
                      <Text size="sm" fw={500}>
                        {t('shops.fields.tiktokShopId')}
                      </Text>
                      <Text size="sm" c={shop.tiktokShopId ? undefined : 'dimmed'}>
                        {shop.tiktokShopId ?? t('shops.notConnected')}
                      </Text>
                    </div>
                    <Button component={Link} to="/settings/tiktok" variant="light" size="xs">
                      {t('setup:tabs.tiktok')}
                    </Button>
                  </Group>
                </Stack>
                </ReadOnly>
              </Tabs.Panel>

              <Tabs.Panel value="hours" pt="md">
                <ReadOnly when={readOnly}>
                <HoursEditor hours={draft.businessHours} onChange={(h) => set('businessHours', h)} err={err} timeZone={draft.timeZone} />
                </ReadOnly>
              </Tabs.Panel>

              <Tabs.Panel value="returns" pt="md">
                <ReadOnly when={readOnly}>
                <Stack gap="sm">
                  <Group grow align="flex-start">
                    <NumberInput
                      label={t('shops.returns.windowDays')}
                      value={draft.returnPolicy.windowDays}
                      onChange={(v) => setPolicy('windowDays', typeof v === 'number' ? v : Number(v) || 0)}
                      min={0}
                      max={365}
                      allowDecimal={false}
                      error={err('returnPolicy.windowDays')}
                    />
                    <NumberInput
                      label={t('shops.returns.restockingFee')}
                      value={draft.returnPolicy.restockingFeePercent}
                      onChange={(v) => setPolicy('restockingFeePercent', typeof v === 'number' ? v : Number(v) || 0)}
                      min={0}
                      max={100}
                      allowDecimal={false}
                      suffix=" %"
                      error={err('returnPolicy.restockingFeePercent')}
                    />
                  </Group>
                  <Switch
                    label={t('shops.returns.noReasonReturns')}
                    description={t('shops.returns.noReasonReturnsHint')}
                    checked={draft.returnPolicy.noReasonReturns}
                    onChange={(e) => setPolicy('noReasonReturns', e.currentTarget.checked)}
                    error={err('returnPolicy.noReasonReturns')}
                  />
                  <Stack gap={4}>
                    <Text size="sm" fw={500}>
                      {t('shops.returns.paidBy')}
                    </Text>
                    <SegmentedControl
                      w="fit-content"
                      size="sm"
                      value={draft.returnPolicy.returnShippingPaidBy}
                      onChange={(v) => setPolicy('returnShippingPaidBy', v as ReturnPolicy['returnShippingPaidBy'])}
                      data={[
                        { value: 'seller', label: t('shops.returns.paidBySeller') },
                        { value: 'buyer', label: t('shops.returns.paidByBuyer') },
                      ]}
                    />
                  </Stack>
                  <Select
                    label={t('shops.returns.refundTrigger')}
                    data={REFUND_TRIGGERS.map((r) => ({ value: r, label: t(`shops.returns.triggers.${r}`) }))}
                    value={draft.returnPolicy.refundTrigger}
                    onChange={(v) => v && setPolicy('refundTrigger', v as ReturnPolicy['refundTrigger'])}
                    allowDeselect={false}
                    error={err('returnPolicy.refundTrigger')}
                    comboboxProps={{ withinPortal: true }}
                  />
                  <TagsInput
                    label={t('shops.returns.finalSale')}
                    description={t('shops.returns.finalSaleHint')}
                    value={draft.returnPolicy.finalSaleCategories}
                    onChange={(v) => setPolicy('finalSaleCategories', v)}
                    error={err('returnPolicy.finalSaleCategories')}
                    clearable
                  />
                </Stack>
                </ReadOnly>
              </Tabs.Panel>

              <Tabs.Panel value="contacts" pt="md">
                <ReadOnly when={readOnly}>
                <Stack gap="sm">
                  <Group grow align="flex-start">
                    <TextInput label={t('shops.contacts.email')} type="email" value={draft.supportContacts.email} onChange={(e) => setContact('email', e.currentTarget.value)} error={err('supportContacts.email')} />
                    <TextInput label={t('shops.contacts.phone')} value={draft.supportContacts.phone} onChange={(e) => setContact('phone', e.currentTarget.value)} error={err('supportContacts.phone')} />
                  </Group>
                  <TextInput label={t('shops.contacts.whatsapp')} value={draft.supportContacts.whatsapp} onChange={(e) => setContact('whatsapp', e.currentTarget.value)} error={err('supportContacts.whatsapp')} />
                  <Textarea label={t('shops.contacts.address')} autosize minRows={2} value={draft.supportContacts.address} onChange={(e) => setContact('address', e.currentTarget.value)} error={err('supportContacts.address')} />
                  <Textarea
                    label={t('shops.contacts.returnWarehouse')}
                    description={t('shops.contacts.returnWarehouseHint')}
                    autosize
                    minRows={2}
                    value={draft.supportContacts.returnWarehouse}
                    onChange={(e) => setContact('returnWarehouse', e.currentTarget.value)}
                    error={err('supportContacts.returnWarehouse')}
                  />
                </Stack>
                </ReadOnly>
              </Tabs.Panel>

              <Tabs.Panel value="holidays" pt="md">
                <HolidaysList shop={shop} />
              </Tabs.Panel>
          </Tabs>
          <Group justify="flex-end" pt="xs" style={{ borderTop: '1px solid var(--ad-border)' }}>
            <Button variant="default" onClick={onClose} mt="sm">
              {readOnly ? t('common:actions.close') : t('common:actions.cancel')}
            </Button>
            {!readOnly && (
              <Button type="submit" loading={save.isPending} mt="sm">
                {t('common:actions.save')}
              </Button>
            )}
          </Group>
        </Stack>
      </form>
    </Drawer>
  );
}

/** Supervisors see every setting but cannot change it (native fieldset disabling reaches every input). */
function ReadOnly({ when, children }: { when: boolean; children: ReactNode }) {
  return (
    <fieldset disabled={when} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
      {children}
    </fieldset>
  );
}

/** Weekly hours editor; also used for agents' shifts (`errPrefix` names the server's field). */
export function HoursEditor({ hours, onChange, err, timeZone, errPrefix = 'businessHours' }: { hours: BusinessHours; onChange: (h: BusinessHours) => void; err: (f: string) => string | undefined; timeZone: string; errPrefix?: string }) {
  const { t } = useTranslation('settings');
  const update = (day: keyof BusinessHours, intervals: BusinessHours[keyof BusinessHours]) => onChange({ ...hours, [day]: intervals });
  return (
    <Stack gap="xs">
      <Text size="sm" c="dimmed">
        {t('shops.hours.hint', { tz: timeZone })}
      </Text>
      <div className="ad-table-wrap">
        <Table verticalSpacing={6}>
          <Table.Tbody>
            {WEEKDAYS.map((day) => {
              const intervals = hours[day];
              const open = intervals.length > 0;
              return (
                <Table.Tr key={day} data-testid={`hours-${day}`}>
                  <Table.Td w={130} style={{ verticalAlign: 'top' }}>
                    <Checkbox
                      mt={6}
                      label={t(`common:weekdays.${day}`)}
                      checked={open}
                      onChange={(e) => update(day, e.currentTarget.checked ? [{ start: '09:00', end: '18:00' }] : [])}
                    />
                  </Table.Td>
                  <Table.Td>
                    {!open && (
                      <Text size="sm" c="dimmed" mt={6}>
                        {t('shops.hours.closed')}
                      </Text>
                    )}
                    <Stack gap={6}>
                      {intervals.map((iv, i) => (
                        <Group key={i} gap={6} wrap="nowrap" align="flex-start">
                          <TextInput
                            w={92}
                            aria-label={`${t(`common:weekdays.${day}`)} ${t('shops.hours.start')}`}
                            placeholder="09:00"
                            value={iv.start}
                            onChange={(e) => update(day, intervals.map((x, j) => (j === i ? { ...x, start: e.currentTarget.value } : x)))}
                            error={err(`${errPrefix}.${day}.${i}.start`)}
                          />
                          <Text mt={6} c="dimmed">
                            –
                          </Text>
                          <TextInput
                            w={92}
                            aria-label={`${t(`common:weekdays.${day}`)} ${t('shops.hours.end')}`}
                            placeholder="18:00"
                            value={iv.end}
                            onChange={(e) => update(day, intervals.map((x, j) => (j === i ? { ...x, end: e.currentTarget.value } : x)))}
                            error={err(`${errPrefix}.${day}.${i}.end`) ?? err(`${errPrefix}.${day}.${i}`)}
                          />
                          <Tooltip label={t('shops.hours.remove')}>
                            <ActionIcon variant="subtle" color="gray" mt={4} onClick={() => update(day, intervals.filter((_, j) => j !== i))} aria-label={t('shops.hours.remove')}>
                              <IconTrash size={16} />
                            </ActionIcon>
                          </Tooltip>
                        </Group>
                      ))}
                    </Stack>
                    {err(`${errPrefix}.${day}`) && (
                      <Text size="xs" c="red" mt={4}>
                        {err(`${errPrefix}.${day}`)}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td w={60} style={{ verticalAlign: 'top', textAlign: 'right' }}>
                    {open && (
                      <Tooltip label={t('shops.hours.addInterval')}>
                        <ActionIcon
                          variant="subtle"
                          mt={4}
                          aria-label={t('shops.hours.addInterval')}
                          onClick={() => update(day, [...intervals, { start: intervals[intervals.length - 1]?.end ?? '09:00', end: '24:00' }])}
                        >
                          <IconPlus size={16} />
                        </ActionIcon>
                      </Tooltip>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </div>
    </Stack>
  );
}

function HolidaysList({ shop }: { shop: ShopView }) {
  const { t, i18n } = useTranslation('settings');
  const thisYear = new Date().getFullYear();
  const [year, setYear] = useState(thisYear);
  const q = useHolidays(shop.id, year);
  const fmt = new Intl.DateTimeFormat(i18n.language, { weekday: 'short', month: 'short', day: 'numeric', timeZone: 'UTC' });
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          {t('shops.holidays.source', { market: `${t(`common:markets.${shop.market}`, { defaultValue: shop.market })}${shop.region ? ` (${shop.region})` : ''}` })}
        </Text>
        <SegmentedControl
          size="xs"
          value={String(year)}
          onChange={(v) => setYear(Number(v))}
          data={[thisYear - 1, thisYear, thisYear + 1].map((y) => ({ value: String(y), label: String(y) }))}
          aria-label={t('shops.holidays.year')}
        />
      </Group>
      <QueryState isPending={q.isPending} error={q.error} empty={!q.data?.items.length} emptyText={t('shops.holidays.empty')}>
        <div className="ad-table-wrap">
          <Table data-testid="holidays-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={200}>{t('shops.holidays.date')}</Table.Th>
                <Table.Th>{t('shops.holidays.name')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {q.data?.items.map((h) => (
                <Table.Tr key={h.date}>
                  <Table.Td>
                    <Text size="sm" span style={{ fontVariantNumeric: 'tabular-nums' }}>
                      {h.date}
                    </Text>
                    <Text size="xs" c="dimmed" span ml={8}>
                      {fmt.format(new Date(`${h.date}T00:00:00Z`))}
                    </Text>
                  </Table.Td>
                  <Table.Td>{h.name}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      </QueryState>
    </Stack>
  );
}
