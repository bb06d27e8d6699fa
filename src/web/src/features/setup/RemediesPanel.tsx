import { Alert, Button, Checkbox, Divider, Group, NumberInput, Paper, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconInfoCircle } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { contractValidator } from '../../lib/form';
import { formatterFor } from '../../lib/format';
import { toMajor, toMinor } from '../../lib/money';
import { useSession } from '../../lib/session';
import { useApiMutation } from '../../lib/mutation';
import { EconomicsBody, SettingsBody, type PROBLEM_CATEGORIES as ServerCategories } from '../../../../modules/remedies/remedies.dto.js';
import { StockBody } from '../../../../modules/returns/returns.dto.js';
import { useShops } from '../settings/api';
import { FormAlert, QueryState } from '../settings/common';
import type { ShopView } from '../settings/types';
import { formatDateTime, setupKeys, useExchangeStock, useItemEconomics, useRemedySettings, type RemedySettingsView } from './api';
import { ShopPicker } from './ShopPicker';

type Ladder = RemedySettingsView['ladder'];
// The server's categories (type-checked against its list; web code takes only types from the server).
const PROBLEM_CATEGORIES: typeof ServerCategories = ['logistics_question', 'minor_flaw', 'not_as_described', 'size_fit', 'colour_difference', 'severe_damage', 'wrong_item', 'missing_item', 'changed_mind', 'other'];
type Coupon = Ladder['tiers'][1]['coupon'];

/** The remedy ladder, the economics defaults, item costs and exchange stock of one shop. */
export function RemediesPanel() {
  const { t } = useTranslation('setup');
  const shops = useShops();
  const [shopId, setShopId] = useState<string | null>(null);
  const shop = shops.data?.find((s) => s.id === shopId) ?? null;
  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        {t('remedies.intro')}
      </Text>
      <QueryState isPending={shops.isPending} error={shops.error} empty={!shops.data?.length} emptyText={t('tiktok.noShops')}>
        <ShopPicker shops={shops.data ?? []} value={shopId} onChange={setShopId} />
        {shop && <LadderEditor key={shop.id} shop={shop} />}
        {shop && <ItemEconomics key={`e-${shop.id}`} shop={shop} />}
        {shop && <ExchangeStock key={`s-${shop.id}`} shop={shop} />}
      </QueryState>
    </Stack>
  );
}

function Section({ title, hint, children, testId }: { title: string; hint?: string; children: ReactNode; testId?: string }) {
  return (
    <Paper withBorder radius="md" p="md" data-testid={testId}>
      <Stack gap="sm">
        <div>
          <Title order={4}>{title}</Title>
          {hint && (
            <Text size="sm" c="dimmed">
              {hint}
            </Text>
          )}
        </div>
        {children}
      </Stack>
    </Paper>
  );
}

function MoneyInput({ label, value, currency, onChange, error, description }: { label: string; value: number; currency: string; onChange: (minor: number) => void; error?: string; description?: string }) {
  return (
    <NumberInput
      label={label}
      description={description}
      value={toMajor(value, currency)}
      onChange={(v) => onChange(toMinor(typeof v === 'number' ? v : Number(v) || 0, currency))}
      min={0}
      decimalScale={2}
      thousandSeparator=","
      suffix={` ${currency}`}
      error={error}
    />
  );
}

function CouponFields({ coupon, currency, onChange, prefix, err }: { coupon: Coupon; currency: string; onChange: (c: Coupon) => void; prefix: string; err: (f: string) => string | undefined }) {
  const { t } = useTranslation('setup');
  return (
    <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="xs">
      <NumberInput label={t('remedies.coupon.percent')} value={coupon.percent} onChange={(v) => onChange({ ...coupon, percent: Number(v) || 0 })} min={0} max={100} suffix=" %" allowDecimal={false} error={err(`${prefix}.percent`)} />
      <MoneyInput label={t('remedies.coupon.fixedAmount')} value={coupon.fixedAmount} currency={currency} onChange={(v) => onChange({ ...coupon, fixedAmount: v })} error={err(`${prefix}.fixedAmount`)} />
      <MoneyInput label={t('remedies.coupon.minSpend')} value={coupon.minSpend} currency={currency} onChange={(v) => onChange({ ...coupon, minSpend: v })} error={err(`${prefix}.minSpend`)} />
      <NumberInput label={t('remedies.coupon.validDays')} value={coupon.validDays} onChange={(v) => onChange({ ...coupon, validDays: Number(v) || 1 })} min={1} max={730} allowDecimal={false} error={err(`${prefix}.validDays`)} />
    </SimpleGrid>
  );
}

function LadderEditor({ shop }: { shop: ShopView }) {
  const q = useRemedySettings(shop.id);
  return (
    <QueryState isPending={q.isPending} error={q.error} empty={false} emptyText="">
      {q.data && <LadderForm key={q.data.updatedAt} shop={shop} settings={q.data} />}
    </QueryState>
  );
}

function LadderForm({ shop, settings }: { shop: ShopView; settings: RemedySettingsView }) {
  const { t, i18n } = useTranslation('setup');
  const qc = useQueryClient();
  const isOwner = useSession().can(['owner']);
  const { t: tAll } = useTranslation();
  const toBody = (d: RemedySettingsView) => ({
    ladder: { tiers: d.ladder.tiers, startTier: d.ladder.startTier, vipLifetimeValue: d.ladder.vipLifetimeValue },
    highTicketThreshold: d.highTicketThreshold,
    couponMinimumRule: d.couponMinimumRule,
    defaultCostPercent: d.defaultCostPercent,
    defaultResalePercent: d.defaultResalePercent,
    returnShipping: d.returnShipping,
    outboundShipping: d.outboundShipping,
  });
  const form = useForm<RemedySettingsView>({ initialValues: settings, validate: contractValidator(tAll, SettingsBody, toBody) });
  const draft = form.values;
  const setDraft = (d: RemedySettingsView) => form.setValues(d);
  const [formError, setFormError] = useState<string | null>(null);
  const cur = shop.currency;
  const ladder = draft.ladder;
  const setLadder = (l: Ladder) => setDraft({ ...draft, ladder: l });
  const setTier = <K extends 1 | 2 | 3>(k: K, v: Ladder['tiers'][K]) => setLadder({ ...ladder, tiers: { ...ladder.tiers, [k]: v } });
  const save = useApiMutation({
    mutationFn: (d: RemedySettingsView) => api.patch<RemedySettingsView>(`/api/shops/${encodeURIComponent(shop.id)}/remedy-settings`, toBody(d)),
    form,
    success: t('remedies.saved', { shop: shop.name }),
    onMutate: () => setFormError(null),
    onSuccess: (r) => qc.setQueryData(setupKeys.remedySettings(shop.id), r),
    onError: (presented) => setFormError(Object.keys(presented.fields).length ? t('common.fixErrors') : presented.message),
  });
  const err = (f: string) => form.errors[f] as string | undefined;
  return (
    <fieldset disabled={!isOwner} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
      <Stack gap="md">
        {!isOwner && (
          <Alert variant="light" color="blue" icon={<IconInfoCircle size={18} />}>
            {t('remedies.ownerEdits')}
          </Alert>
        )}
        <FormAlert message={formError} />
        <Section title={t('remedies.ladder.title')} hint={t('remedies.ladder.hint')} testId="ladder">
          <Text size="sm" fw={600}>
            {t('remedies.ladder.tier', { n: 1 })} · {t('remedies.ladder.tier1')}
          </Text>
          <CouponFields coupon={ladder.tiers[1].coupon} currency={cur} onChange={(c) => setTier(1, { coupon: c })} prefix="ladder.tiers.1.coupon" err={err} />
          <Divider />
          <Text size="sm" fw={600}>
            {t('remedies.ladder.tier', { n: 2 })} · {t('remedies.ladder.tier2')}
          </Text>
          <Group align="flex-end">
            <NumberInput w={200} label={t('remedies.ladder.partialRefundPercent')} value={ladder.tiers[2].partialRefundPercent} onChange={(v) => setTier(2, { ...ladder.tiers[2], partialRefundPercent: Number(v) || 0 })} min={0} max={100} suffix=" %" allowDecimal={false} error={err('ladder.tiers.2.partialRefundPercent')} />
            <Checkbox mb={8} label={t('remedies.ladder.allowReship')} checked={ladder.tiers[2].allowReship} onChange={(e) => setTier(2, { ...ladder.tiers[2], allowReship: e.currentTarget.checked })} />
          </Group>
          <CouponFields coupon={ladder.tiers[2].coupon} currency={cur} onChange={(c) => setTier(2, { ...ladder.tiers[2], coupon: c })} prefix="ladder.tiers.2.coupon" err={err} />
          <Divider />
          <Text size="sm" fw={600}>
            {t('remedies.ladder.tier', { n: 3 })} · {t('remedies.ladder.tier3')}
          </Text>
          <Group>
            <Checkbox label={t('remedies.ladder.apologyCard')} checked={ladder.tiers[3].apologyCard} onChange={(e) => setTier(3, { ...ladder.tiers[3], apologyCard: e.currentTarget.checked })} />
            <Checkbox label={t('remedies.ladder.allowReship')} checked={ladder.tiers[3].allowReship} onChange={(e) => setTier(3, { ...ladder.tiers[3], allowReship: e.currentTarget.checked })} />
          </Group>
          <CouponFields coupon={ladder.tiers[3].coupon} currency={cur} onChange={(c) => setTier(3, { ...ladder.tiers[3], coupon: c })} prefix="ladder.tiers.3.coupon" err={err} />
          <Divider />
          <Text size="sm" fw={600}>
            {t('remedies.ladder.startTier')}
          </Text>
          <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="xs">
            {PROBLEM_CATEGORIES.map((c) => (
              <Select
                key={c}
                label={t(`remedies.categories.${c}`)}
                data={['1', '2', '3'].map((n) => ({ value: n, label: t('remedies.ladder.tier', { n }) }))}
                value={String(ladder.startTier[c] ?? 1)}
                onChange={(v) => v && setLadder({ ...ladder, startTier: { ...ladder.startTier, [c]: Number(v) as 1 | 2 | 3 } })}
                allowDeselect={false}
                comboboxProps={{ withinPortal: true }}
              />
            ))}
          </SimpleGrid>
          <MoneyInput label={t('remedies.ladder.vip')} description={t('remedies.ladder.vipHint')} value={ladder.vipLifetimeValue} currency={cur} onChange={(v) => setLadder({ ...ladder, vipLifetimeValue: v })} error={err('ladder.vipLifetimeValue')} />
        </Section>
        <Section title={t('remedies.economics.title')} hint={t('remedies.economics.hint')} testId="economics">
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <Group align="flex-end" wrap="nowrap">
              <MoneyInput label={t('remedies.economics.highTicket')} value={draft.highTicketThreshold ?? 0} currency={cur} onChange={(v) => setDraft({ ...draft, highTicketThreshold: v })} error={err('highTicketThreshold')} />
              <Checkbox mb={8} label={t('remedies.economics.noHighTicket')} checked={draft.highTicketThreshold === null} onChange={(e) => setDraft({ ...draft, highTicketThreshold: e.currentTarget.checked ? null : 0 })} />
            </Group>
            <Select
              label={t('remedies.economics.couponMinimum')}
              data={(['claw_back', 'keep_discount'] as const).map((v) => ({ value: v, label: t(`remedies.economics.rule.${v}`) }))}
              value={draft.couponMinimumRule}
              onChange={(v) => v && setDraft({ ...draft, couponMinimumRule: v as RemedySettingsView['couponMinimumRule'] })}
              allowDeselect={false}
              comboboxProps={{ withinPortal: true }}
            />
            <NumberInput label={t('remedies.economics.costPercent')} value={draft.defaultCostPercent} onChange={(v) => setDraft({ ...draft, defaultCostPercent: Number(v) || 0 })} min={0} max={100} suffix=" %" allowDecimal={false} error={err('defaultCostPercent')} />
            <NumberInput label={t('remedies.economics.resalePercent')} value={draft.defaultResalePercent} onChange={(v) => setDraft({ ...draft, defaultResalePercent: Number(v) || 0 })} min={0} max={100} suffix=" %" allowDecimal={false} error={err('defaultResalePercent')} />
            <MoneyInput label={t('remedies.economics.returnShipping')} value={draft.returnShipping} currency={cur} onChange={(v) => setDraft({ ...draft, returnShipping: v })} error={err('returnShipping')} />
            <MoneyInput label={t('remedies.economics.outboundShipping')} value={draft.outboundShipping} currency={cur} onChange={(v) => setDraft({ ...draft, outboundShipping: v })} error={err('outboundShipping')} />
          </SimpleGrid>
        </Section>
        {isOwner && (
          <Group justify="space-between">
            <Text size="xs" c="dimmed">
              {t('remedies.updatedAt', { at: formatDateTime(settings.updatedAt, i18n.language) })}
            </Text>
            <Button onClick={() => form.onSubmit((d) => save.mutate(d), () => setFormError(t('common.fixErrors')))()} loading={save.isPending} data-testid="save-ladder">
              {t('common.save')}
            </Button>
          </Group>
        )}
      </Stack>
    </fieldset>
  );
}

function ItemEconomics({ shop }: { shop: ShopView }) {
  const { t, i18n } = useTranslation('setup');
  const q = useItemEconomics(shop.id);
  const { t: tAll } = useTranslation();
  type Values = { kind: 'product' | 'category'; name: string; cost: number; resale: number };
  const toBody = (v: Values) => ({ key: `${v.kind}:${v.name.trim()}`, itemCost: toMinor(v.cost, shop.currency), resalePercent: v.resale });
  const rename = { key: 'name', itemCost: 'cost', resalePercent: 'resale' };
  const form = useForm<Values>({ initialValues: { kind: 'category', name: '', cost: 0, resale: 60 }, validate: contractValidator(tAll, EconomicsBody, toBody, rename) });
  const { kind, name, cost, resale } = form.values;
  const [formError, setFormError] = useState<string | null>(null);
  const save = useApiMutation({
    mutationFn: (v: Values) => api.put(`/api/shops/${encodeURIComponent(shop.id)}/item-economics`, toBody(v)),
    form,
    rename,
    invalidate: [setupKeys.itemEconomics(shop.id)],
    success: t('remedies.items.saved'),
    onMutate: () => setFormError(null),
    onSuccess: () => form.setFieldValue('name', ''),
    onError: (presented) => setFormError(Object.keys(presented.fields).length ? null : presented.message),
  });
  return (
    <Section title={t('remedies.items.title')} hint={t('remedies.items.hint')} testId="item-economics">
      <QueryState isPending={q.isPending} error={q.error} empty={!q.data?.length} emptyText={t('remedies.items.empty')}>
        <div className="ad-table-wrap" style={{ overflowX: 'auto' }}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('remedies.items.key')}</Table.Th>
                <Table.Th ta="right">{t('remedies.items.cost')}</Table.Th>
                <Table.Th ta="right">{t('remedies.items.resale')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {q.data?.map((e) => (
                <Table.Tr key={e.id}>
                  <Table.Td>
                    <Text size="sm">
                      <Text span c="dimmed" size="xs">
                        {t(`remedies.items.kind.${e.key.split(':')[0]}`)}
                      </Text>{' '}
                      {e.key.slice(e.key.indexOf(':') + 1)}
                    </Text>
                  </Table.Td>
                  <Table.Td ta="right">{formatterFor(i18n.language).money(e.itemCost, shop.currency)}</Table.Td>
                  <Table.Td ta="right">{e.resalePercent} %</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      </QueryState>
      <FormAlert message={formError} />
      <SimpleGrid cols={{ base: 1, sm: 4 }} spacing="xs">
        <Select label={t('remedies.items.kindLabel')} data={(['category', 'product'] as const).map((k) => ({ value: k, label: t(`remedies.items.kind.${k}`) }))} value={kind} onChange={(v) => v && form.setFieldValue('kind', v as 'product' | 'category')} allowDeselect={false} comboboxProps={{ withinPortal: true }} />
        <TextInput label={kind === 'product' ? t('remedies.items.productId') : t('remedies.items.category')} {...form.getInputProps('name')} />
        <NumberInput label={t('remedies.items.cost')} {...form.getInputProps('cost')} value={cost} onChange={(v) => form.setFieldValue('cost', Number(v) || 0)} min={0} decimalScale={2} suffix={` ${shop.currency}`} />
        <NumberInput label={t('remedies.items.resale')} {...form.getInputProps('resale')} value={resale} onChange={(v) => form.setFieldValue('resale', Number(v) || 0)} min={0} max={100} suffix=" %" allowDecimal={false} />
      </SimpleGrid>
      <Group justify="flex-end">
        <Button variant="light" onClick={() => form.onSubmit((v) => save.mutate(v))()} loading={save.isPending} disabled={!name.trim()}>
          {t('remedies.items.save')}
        </Button>
      </Group>
    </Section>
  );
}

function ExchangeStock({ shop }: { shop: ShopView }) {
  const { t } = useTranslation('setup');
  const { t: tAll } = useTranslation();
  const q = useExchangeStock(shop.id);
  const empty = { sku: '', productId: '', label: '', available: 0 };
  const form = useForm({ initialValues: empty, validate: contractValidator(tAll, StockBody, (v: typeof empty) => v) });
  const draft = form.values;
  const setDraft = (d: typeof empty) => form.setValues(d);
  const [formError, setFormError] = useState<string | null>(null);
  const save = useApiMutation({
    mutationFn: (body: typeof empty) => api.put(`/api/shops/${encodeURIComponent(shop.id)}/exchange-stock`, body),
    form,
    invalidate: [setupKeys.exchangeStock(shop.id)],
    success: t('remedies.stock.saved'),
    onMutate: () => setFormError(null),
    onSuccess: () => form.setValues(empty),
    onError: (presented) => setFormError(presented.message),
  });
  return (
    <Section title={t('remedies.stock.title')} hint={t('remedies.stock.hint')} testId="exchange-stock">
      <QueryState isPending={q.isPending} error={q.error} empty={!q.data?.length} emptyText={t('remedies.stock.empty')}>
        <div className="ad-table-wrap" style={{ overflowX: 'auto' }}>
          <Table miw={480}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('remedies.stock.sku')}</Table.Th>
                <Table.Th>{t('remedies.stock.label')}</Table.Th>
                <Table.Th ta="right">{t('remedies.stock.available')}</Table.Th>
                <Table.Th ta="right">{t('remedies.stock.reserved')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {q.data?.map((s) => (
                <Table.Tr key={s.sku}>
                  <Table.Td>
                    <Text size="sm">{s.sku}</Text>
                    <Text size="xs" c="dimmed">
                      {s.productId}
                    </Text>
                  </Table.Td>
                  <Table.Td>{s.label}</Table.Td>
                  <Table.Td ta="right" c={s.available === 0 ? 'red' : undefined}>
                    {s.available}
                  </Table.Td>
                  <Table.Td ta="right">{s.reserved}</Table.Td>
                  <Table.Td ta="right">
                    <Button size="compact-xs" variant="subtle" onClick={() => setDraft({ sku: s.sku, productId: s.productId, label: s.label, available: s.available })}>
                      {t('common.edit')}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      </QueryState>
      <FormAlert message={formError} />
      <SimpleGrid cols={{ base: 1, sm: 4 }} spacing="xs">
        <TextInput label={t('remedies.stock.sku')} {...form.getInputProps('sku')} />
        <TextInput label={t('remedies.stock.productId')} {...form.getInputProps('productId')} />
        <TextInput label={t('remedies.stock.label')} {...form.getInputProps('label')} />
        <NumberInput label={t('remedies.stock.available')} {...form.getInputProps('available')} onChange={(v) => form.setFieldValue('available', Number(v) || 0)} min={0} allowDecimal={false} />
      </SimpleGrid>
      <Group justify="flex-end">
        <Button variant="light" onClick={() => form.onSubmit((v) => save.mutate(v))()} loading={save.isPending} disabled={!draft.sku.trim() || !draft.productId.trim() || !draft.label.trim()}>
          {t('remedies.stock.save')}
        </Button>
      </Group>
    </Section>
  );
}
