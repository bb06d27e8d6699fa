import { Alert, Button, Divider, Group, Modal, NumberInput, SegmentedControl, Select, SimpleGrid, Stack, Switch, TagsInput, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconClockPause } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, isApiError } from '../../lib/api';
import { currencyDigits, toMajor, toMinor } from '../../lib/money';
import { CreatePolicy, UpdatePolicy } from '../../../../modules/sla/sla.dto';
import { contractValidator } from '../../lib/form';
import { useApiMutation } from '../../lib/mutation';
import { keys, useShops } from './api';
import { FormAlert } from './common';
import { formatTarget, slaFieldMessage } from './slaFormat';
import { CURRENCIES, SLA_CHANNELS, SLA_PRIORITIES, type SlaPolicy, type SlaPolicyInput } from './types';

// Select values standing for "no condition" (the API's null).
const ANY = '__any';
const TARGETS = ['firstReplyMinutes', 'nextReplyMinutes', 'resolutionMinutes'] as const;
type Target = (typeof TARGETS)[number];
const SLA_NAME_LANGS = ['en', 'zh-CN', 'de', 'fr', 'it', 'es'] as const;
const FIELDS = ['name', 'names', 'shopId', 'channel', 'priority', 'minOrderAmount', 'minOrderCurrency', ...TARGETS, 'mode', 'warningPercents', 'active'];

interface Draft {
  name: string;
  /** The name in each language ('' = use `name`). */
  names: Record<string, string>;
  shopId: string;
  channel: string;
  priority: string;
  /** Major units as typed; '' = no threshold. */
  minOrder: number | '';
  minOrderCurrency: string;
  targets: Record<Target, number | ''>;
  mode: 'business' | 'calendar';
  warnings: string[];
  active: boolean;
}

function toDraft(p: SlaPolicy | null): Draft {
  if (!p) {
    return { name: '', names: {}, shopId: ANY, channel: ANY, priority: ANY, minOrder: '', minOrderCurrency: ANY, targets: { firstReplyMinutes: '', nextReplyMinutes: '', resolutionMinutes: '' }, mode: 'business', warnings: ['50', '80'], active: true };
  }
  return {
    name: p.name,
    names: { ...p.names },
    shopId: p.shopId ?? ANY,
    channel: p.channel ?? ANY,
    priority: p.priority ?? ANY,
    minOrder: p.minOrderAmount == null ? '' : toMajor(p.minOrderAmount, p.minOrderCurrency ?? 'EUR'),
    minOrderCurrency: p.minOrderCurrency ?? ANY,
    targets: { firstReplyMinutes: p.firstReplyMinutes ?? '', nextReplyMinutes: p.nextReplyMinutes ?? '', resolutionMinutes: p.resolutionMinutes ?? '' },
    mode: p.mode,
    warnings: p.warningPercents.map(String),
    active: p.active,
  };
}

const orNull = (v: string) => (v === ANY ? null : v);

/** Create (policy = null) or change one SLA policy. Only owners and supervisors get here. */
export function SlaPolicyEditor({ policy, onClose }: { policy: SlaPolicy | null; onClose: () => void }) {
  const { t } = useTranslation('settings');
  const { t: tAll } = useTranslation();
  const shops = useShops();
  const [formError, setFormError] = useState<string | null>(null);
  const warningsOf = (d: Draft) => d.warnings.map((w) => w.trim().replace(/%$/, '').trim());
  const toBody = (d: Draft): SlaPolicyInput => {
    const currency = orNull(d.minOrderCurrency);
    return {
      name: d.name,
      names: Object.fromEntries(Object.entries(d.names).filter(([, v]) => v.trim() !== '').map(([k, v]) => [k, v.trim()])),
      shopId: orNull(d.shopId),
      channel: orNull(d.channel) as SlaPolicyInput['channel'],
      priority: orNull(d.priority) as SlaPolicyInput['priority'],
      // Without a currency the threshold is read in each order's own currency; all of ours have cents.
      minOrderAmount: d.minOrder === '' ? null : toMinor(d.minOrder, currency ?? 'EUR'),
      minOrderCurrency: currency as SlaPolicyInput['minOrderCurrency'],
      firstReplyMinutes: d.targets.firstReplyMinutes === '' ? null : d.targets.firstReplyMinutes,
      nextReplyMinutes: d.targets.nextReplyMinutes === '' ? null : d.targets.nextReplyMinutes,
      resolutionMinutes: d.targets.resolutionMinutes === '' ? null : d.targets.resolutionMinutes,
      mode: d.mode,
      warningPercents: warningsOf(d).map(Number),
      ...(policy ? { active: d.active } : {}),
    };
  };
  const schemaCheck = contractValidator(tAll, policy ? UpdatePolicy : CreatePolicy, toBody);
  const form = useForm<Draft>({
    initialValues: toDraft(policy),
    // A typed "abc" is not a percentage: say so before the schema sees NaN.
    validate: (d) => (warningsOf(d).some((w) => !/^\d+$/.test(w)) ? { warningPercents: t('sla.editor.notANumber') } : schemaCheck(d)),
  });
  const draft = form.values;
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => form.setFieldValue(k, v as never);
  const setTarget = (k: Target, v: number | '') => form.setFieldValue(`targets.${k}`, v as never);
  // Field errors may sit on a path below the field (warningPercents.1); show them on the field.
  const err = (field: string) => slaFieldMessage(t, (form.errors[field] as string | undefined) ?? (Object.entries(form.errors).find(([k]) => k.startsWith(`${field}.`))?.[1] as string | undefined));
  const save = useApiMutation({
    mutationFn: (d: Draft) => (policy ? api.patch<SlaPolicy>(`/api/sla/policies/${encodeURIComponent(policy.id)}`, toBody(d)) : api.post<SlaPolicy>('/api/sla/policies', toBody(d))),
    invalidate: [keys.slaPolicies],
    success: (saved) => t(policy ? 'sla.saved' : 'sla.created', { name: saved.name }),
    onMutate: () => setFormError(null),
    onSuccess: () => onClose(),
    onError: (presented, error) => {
      if (isApiError(error) && error.code === 'sla.policy_name_taken') return form.setErrors({ name: t('sla.errors.nameTaken') });
      form.setErrors(presented.fields);
      setFormError(Object.keys(presented.fields).length ? t('common:form.fixErrors') : presented.message);
    },
  });

  const targetInput = (k: Target) => (
    <NumberInput
      key={k}
      label={t(`sla.editor.fields.${k}`)}
      value={draft.targets[k]}
      onChange={(v) => setTarget(k, v === '' ? '' : Number(v))}
      allowDecimal={false}
      suffix={` ${t('sla.editor.minutesUnit')}`}
      // The "= 27 h" reading goes under the input, so the three inputs stay on one line.
      inputWrapperOrder={['label', 'input', 'description', 'error']}
      description={typeof draft.targets[k] === 'number' && draft.targets[k] >= 60 ? t('sla.editor.equals', { value: formatTarget(t, draft.targets[k] as number) }) : undefined}
      error={err(k)}
    />
  );

  const amountDigits = currencyDigits(orNull(draft.minOrderCurrency) ?? 'EUR');

  return (
    <Modal opened onClose={onClose} size="xl" yOffset="4vh" title={<Text fw={600}>{policy ? t('sla.editor.editTitle', { name: policy.name }) : t('sla.editor.createTitle')}</Text>}>
      <form onSubmit={form.onSubmit((d) => save.mutate(d), () => setFormError(t('common:form.fixErrors')))} noValidate>
        <Stack gap="sm">
          {policy && (
            <Alert variant="light" color="blue" icon={<IconClockPause size={18} />} data-testid="sla-running-clocks-note">
              {t('sla.editor.runningClocks')}
            </Alert>
          )}
          <FormAlert message={formError} />
          <TextInput label={t('sla.editor.fields.name')} value={draft.name} onChange={(e) => set('name', e.currentTarget.value)} error={err('name')} maxLength={120} />
          <Text size="xs" c="dimmed" mt={-4}>
            {t('setup:slaNames.hint')}
          </Text>
          <SimpleGrid cols={{ base: 1, xs: 2, sm: 3 }} spacing="xs" data-testid="sla-names">
            {SLA_NAME_LANGS.map((l) => (
              <TextInput
                key={l}
                size="xs"
                label={t('setup:slaNames.label', { language: t(`common:languages.${l}`) })}
                placeholder={draft.name}
                value={draft.names[l] ?? ''}
                onChange={(e) => set('names', { ...draft.names, [l]: e.currentTarget.value })}
                error={err(`names.${l}`)}
                maxLength={120}
              />
            ))}
          </SimpleGrid>

          <Divider label={t('sla.editor.matches')} labelPosition="left" mt="xs" />
          <Text size="xs" c="dimmed" mt={-6}>
            {t('sla.editor.matchesHint')}
          </Text>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <Select
              label={t('sla.editor.fields.shop')}
              data={[{ value: ANY, label: t('sla.allShops') }, ...(shops.data ?? []).map((s) => ({ value: s.id, label: s.name }))]}
              value={draft.shopId}
              onChange={(v) => v && set('shopId', v)}
              error={err('shopId')}
              allowDeselect={false}
              searchable
              comboboxProps={{ withinPortal: true }}
            />
            <Select
              label={t('sla.editor.fields.channel')}
              data={[{ value: ANY, label: t('sla.anyChannel') }, ...SLA_CHANNELS.map((c) => ({ value: c, label: t(`sla.channels.${c}`) }))]}
              value={draft.channel}
              onChange={(v) => v && set('channel', v)}
              error={err('channel')}
              allowDeselect={false}
              comboboxProps={{ withinPortal: true }}
            />
            <Select
              label={t('sla.editor.fields.priority')}
              data={[{ value: ANY, label: t('sla.anyPriority') }, ...SLA_PRIORITIES.map((p) => ({ value: p, label: t(`sla.priorities.${p}`) }))]}
              value={draft.priority}
              onChange={(v) => v && set('priority', v)}
              error={err('priority')}
              allowDeselect={false}
              comboboxProps={{ withinPortal: true }}
            />
          </SimpleGrid>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <NumberInput
              label={t('sla.editor.fields.minOrderAmount')}
              placeholder={t('sla.anyValue')}
              value={draft.minOrder}
              onChange={(v) => set('minOrder', v === '' ? '' : Number(v))}
              decimalScale={amountDigits}
              thousandSeparator=","
              error={err('minOrderAmount')}
            />
            <Select
              label={t('sla.editor.fields.minOrderCurrency')}
              data={[{ value: ANY, label: t('sla.editor.orderCurrencyOption') }, ...CURRENCIES.map((c) => ({ value: c, label: c }))]}
              value={draft.minOrderCurrency}
              onChange={(v) => v && set('minOrderCurrency', v)}
              error={err('minOrderCurrency')}
              allowDeselect={false}
              comboboxProps={{ withinPortal: true }}
            />
          </SimpleGrid>

          <Divider label={t('sla.editor.targets')} labelPosition="left" mt="xs" />
          <Text size="xs" c="dimmed" mt={-6}>
            {t('sla.editor.targetsHint')}
          </Text>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>{TARGETS.map(targetInput)}</SimpleGrid>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Stack gap={4}>
              <Text size="sm" fw={500}>
                {t('sla.editor.fields.mode')}
              </Text>
              <SegmentedControl
                w="fit-content"
                size="sm"
                value={draft.mode}
                onChange={(v) => set('mode', v as Draft['mode'])}
                data={[
                  { value: 'business', label: t('sla.mode.business') },
                  { value: 'calendar', label: t('sla.mode.calendar') },
                ]}
              />
              <Text size="xs" c="dimmed">
                {t('sla.editor.fields.modeHint')}
              </Text>
              {err('mode') && (
                <Text size="xs" c="red">
                  {err('mode')}
                </Text>
              )}
            </Stack>
            <TagsInput
              label={t('sla.editor.fields.warningPercents')}
              inputWrapperOrder={['label', 'input', 'description', 'error']}
              description={t('sla.editor.fields.warningPercentsHint')}
              value={draft.warnings}
              onChange={(v) => set('warnings', v)}
              error={err('warningPercents')}
              maxTags={5}
              clearable
            />
          </SimpleGrid>
          <Group justify={policy ? 'space-between' : 'flex-end'} align="flex-end" mt="xs" pt="sm" style={{ borderTop: '1px solid var(--ad-border)' }}>
            {policy && (
              <Switch
                label={t('sla.editor.fields.active')}
                description={t('sla.editor.fields.activeHint')}
                checked={draft.active}
                onChange={(e) => set('active', e.currentTarget.checked)}
                error={err('active')}
              />
            )}
            <Group gap="sm">
              <Button variant="default" onClick={onClose}>
                {t('common:actions.cancel')}
              </Button>
              <Button type="submit" loading={save.isPending}>
                {policy ? t('common:actions.save') : t('sla.editor.submitCreate')}
              </Button>
            </Group>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
