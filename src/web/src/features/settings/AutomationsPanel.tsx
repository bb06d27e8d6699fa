import { ActionIcon, Alert, Badge, Button, Card, Group, MultiSelect, NumberInput, PasswordInput, Select, Stack, Switch, Table, TagsInput, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconTrash } from '@tabler/icons-react';
import {useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AutomationRuleView, AutomationSettingsView } from '../../../../modules/helpdesk/helpdesk.dto.js';
import type { TranslationSettingsView } from '../../../../modules/translation/translation.dto.js';
import { api } from '../../lib/api';
import { useErrorMessage } from '../../lib/errors';
import { useSession } from '../../lib/session';
import { useApiMutation } from '../../lib/mutation';

const CHANNELS = ['tiktok_chat', 'tiktok_return_request', 'email', 'whatsapp', 'livestream', 'video_comment'] as const;
const LANGS = ['en', 'de', 'fr', 'it', 'es'] as const;
const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
const TRIGGERS = ['created', 'buyer_replied', 'status_changed', 'tag_added', 'sla_warning', 'idle'] as const;
const STATUSES = ['new', 'open', 'waiting_on_buyer', 'waiting_on_warehouse', 'waiting_on_platform', 'solved'] as const;
const keys = { rules: ['automations', 'rules'] as const, settings: ['automations', 'settings'] as const, translation: ['translation', 'settings'] as const };

/** Settings → Automations: rules run when a buyer opens a ticket, the timers, and the translation service. */
export function AutomationsPanel() {
  const isOwner = useSession().can(['owner']);
  return (
    <Stack gap="lg" maw={980}>
      <Timers />
      <Rules />
      {isOwner && <TranslationService />}
    </Stack>
  );
}

function Timers() {
  const { t } = useTranslation('settings');
  const message = useErrorMessage();
  const qc = useQueryClient();
  const q = useQuery({ queryKey: keys.settings, queryFn: ({ signal }) => api.get<AutomationSettingsView>('/api/automations/settings', { signal }) });
  const save = useApiMutation({ onError: () => undefined, mutationFn: (s: AutomationSettingsView) => api.put<AutomationSettingsView>('/api/automations/settings', s), onSuccess: (d) => qc.setQueryData(keys.settings, d) });
  const s = q.data;
  return (
    <Card withBorder padding="md">
      <Title order={4}>{t('automations.timers')}</Title>
      <Text size="sm" c="dimmed" mb="sm">
        {t('automations.timersHint')}
      </Text>
      {s && (
        <Stack gap="sm">
          <Switch label={t('automations.outOfHours')} description={t('automations.outOfHoursHint')} checked={s.outOfHoursAck} onChange={(e) => save.mutate({ ...s, outOfHoursAck: e.currentTarget.checked })} data-testid="out-of-hours" />
          <Group align="flex-end" gap="sm">
            <NumberInput
              label={t('automations.autoClose')}
              description={t('automations.autoCloseHint')}
              min={1}
              max={90}
              w={320}
              value={s.autoCloseDays ?? ''}
              placeholder={t('automations.never')}
              onChange={(v) => save.mutate({ ...s, autoCloseDays: typeof v === 'number' && v >= 1 ? v : null })}
              data-testid="auto-close-days"
            />
          </Group>
          {save.error && (
            <Text size="xs" c="red" role="alert">
              {message(save.error)}
            </Text>
          )}
        </Stack>
      )}
    </Card>
  );
}

function Rules() {
  const { t } = useTranslation('settings');
  const { t: ti } = useTranslation('inbox');
  const message = useErrorMessage();
  const qc = useQueryClient();
  const rules = useQuery({ queryKey: keys.rules, queryFn: ({ signal }) => api.get<{ items: AutomationRuleView[] }>('/api/automations/rules', { signal }) });
  const team = useQuery({ queryKey: ['inbox', 'team'], queryFn: ({ signal }) => api.get<{ items: { id: string; name: string; role: string; active?: boolean }[] }>('/api/users', { signal }), staleTime: 60_000 });
  const names = new Map((team.data?.items ?? []).map((u) => [u.id, u.name]));
  const refresh = () => qc.invalidateQueries({ queryKey: keys.rules });
  const patch = useApiMutation({ onError: () => undefined, mutationFn: ({ id, active }: { id: string; active: boolean }) => api.patch(`/api/automations/rules/${id}`, { active }), onSuccess: refresh });
  const remove = useApiMutation({ onError: () => undefined, mutationFn: (id: string) => api.delete(`/api/automations/rules/${id}`), onSuccess: refresh });
  const [adding, setAdding] = useState(false);

  const describeConditions = (r: AutomationRuleView) => {
    const c = r.conditions;
    const parts: string[] = [];
    if (c.channels?.length) parts.push(c.channels.map((ch) => ti(`channels.${ch}`)).join(' / '));
    if (c.languages?.length) parts.push(c.languages.map((l) => l.toUpperCase()).join(' / '));
    if (c.keywords?.length) parts.push(t('automations.says', { words: c.keywords.join(', ') }));
    if (c.categories?.length) parts.push(c.categories.join(', '));
    if (c.tags?.length) parts.push(`#${c.tags.join(' #')}`);
    if (c.orderValueMin !== undefined) parts.push(t('automations.minValue', { value: (c.orderValueMin / 100).toFixed(2) }));
    if (c.orderValueMax !== undefined) parts.push(t('automations.maxValue', { value: (c.orderValueMax / 100).toFixed(2) }));
    if (c.statuses?.length) parts.push(c.statuses.map((s) => ti(`statuses.${s}`, { defaultValue: s })).join(' / '));
    const when = r.trigger === 'idle' ? t('automations.triggerIdleHours', { hours: c.idleHours ?? 0 }) : t(`automations.triggers.${r.trigger}`);
    return [when, parts.join(' · ') || t('automations.everyTicket')].join(' — ');
  };
  const describeActions = (r: AutomationRuleView) => {
    const a = r.actions;
    const parts: string[] = [];
    if (a.addTags?.length) parts.push(ti('events.addTags', { tags: a.addTags.join(', ') }));
    if (a.priority) parts.push(ti('events.setPriority', { priority: ti(`priorities.${a.priority}`) }));
    if (a.assigneeId) parts.push(ti('events.assign', { name: names.get(a.assigneeId) ?? a.assigneeId }));
    if (a.queue) parts.push(ti('events.route', { queue: a.queue }));
    return parts.join(', ');
  };

  return (
    <Card withBorder padding="md">
      <Group justify="space-between" mb="xs">
        <div>
          <Title order={4}>{t('automations.rules')}</Title>
          <Text size="sm" c="dimmed">
            {t('automations.rulesHint')}
          </Text>
        </div>
        {!adding && (
          <Button size="xs" onClick={() => setAdding(true)} data-testid="new-rule">
            {t('automations.newRule')}
          </Button>
        )}
      </Group>
      {adding && <RuleForm team={team.data?.items ?? []} onDone={() => { setAdding(false); void refresh(); }} onCancel={() => setAdding(false)} />}
      {rules.data && rules.data.items.length === 0 && !adding && (
        <Text size="sm" c="dimmed">
          {t('automations.noRules')}
        </Text>
      )}
      {rules.data && rules.data.items.length > 0 && (
        <Table.ScrollContainer minWidth={560}>
          <Table verticalSpacing="xs" data-testid="rules-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('automations.name')}</Table.Th>
                <Table.Th>{t('automations.when')}</Table.Th>
                <Table.Th>{t('automations.then')}</Table.Th>
                <Table.Th>{t('automations.active')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rules.data.items.map((r) => (
                <Table.Tr key={r.id} data-testid="rule-row">
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {r.name}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs">{describeConditions(r)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs">{describeActions(r)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Switch size="xs" checked={r.active} onChange={(e) => patch.mutate({ id: r.id, active: e.currentTarget.checked })} aria-label={t('automations.active')} />
                  </Table.Td>
                  <Table.Td>
                    <ActionIcon size="sm" variant="subtle" color="red" onClick={() => remove.mutate(r.id)} aria-label={t('automations.delete', { name: r.name })}>
                      <IconTrash size={14} />
                    </ActionIcon>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {(patch.error || remove.error) && (
        <Text size="xs" c="red" role="alert">
          {message(patch.error ?? remove.error)}
        </Text>
      )}
    </Card>
  );
}

interface RuleFormValues {
  name: string;
  trigger: (typeof TRIGGERS)[number];
  statuses: string[];
  idleHours: number | '';
  channels: string[];
  languages: string[];
  keywords: string[];
  categories: string[];
  minValue: number | '';
  addTags: string[];
  priority: string | null;
  assigneeId: string | null;
  queue: string;
}

function RuleForm({ team, onDone, onCancel }: { team: { id: string; name: string; role: string; active?: boolean }[]; onDone: () => void; onCancel: () => void }) {
  const { t } = useTranslation('settings');
  const { t: ti } = useTranslation('inbox');
  const message = useErrorMessage();
  const form = useForm<RuleFormValues>({ initialValues: { name: '', trigger: 'created', statuses: [], idleHours: '', channels: [], languages: [], keywords: [], categories: [], minValue: '', addTags: [], priority: null, assigneeId: null, queue: '' } });
  const create = useApiMutation({
    // Its error is shown beside the control (from .error), not as a toast.
    onError: () => undefined,
    mutationFn: (v: RuleFormValues) =>
      api.post('/api/automations/rules', {
        name: v.name,
        trigger: v.trigger,
        conditions: {
          ...(v.statuses.length ? { statuses: v.statuses } : {}),
          ...(v.trigger === 'idle' && v.idleHours !== '' ? { idleHours: Number(v.idleHours) } : {}),
          ...(v.channels.length ? { channels: v.channels } : {}),
          ...(v.languages.length ? { languages: v.languages } : {}),
          ...(v.keywords.length ? { keywords: v.keywords } : {}),
          ...(v.categories.length ? { categories: v.categories } : {}),
          ...(v.minValue !== '' ? { orderValueMin: Math.round(Number(v.minValue) * 100) } : {}),
        },
        actions: {
          ...(v.addTags.length ? { addTags: v.addTags } : {}),
          ...(v.priority ? { priority: v.priority } : {}),
          ...(v.assigneeId ? { assigneeId: v.assigneeId } : {}),
          ...(v.queue.trim() ? { queue: v.queue.trim() } : {}),
        },
      }),
    onSuccess: onDone,
  });
  return (
    <form onSubmit={form.onSubmit((v) => create.mutate(v))} data-testid="rule-form">
      <Stack gap="xs" mb="md">
        <TextInput label={t('automations.name')} required {...form.getInputProps('name')} data-testid="rule-name" />
        <Text size="sm" fw={600}>
          {t('automations.when')}
        </Text>
        <Group grow align="flex-start" wrap="wrap">
          <Select label={t('automations.trigger')} allowDeselect={false} data={TRIGGERS.map((x) => ({ value: x, label: t(`automations.triggers.${x}`) }))} {...form.getInputProps('trigger')} miw={200} data-testid="rule-trigger" comboboxProps={{ withinPortal: true }} />
          {form.values.trigger === 'idle' && <NumberInput label={t('automations.idleHours')} min={1} max={720} required {...form.getInputProps('idleHours')} miw={140} data-testid="rule-idle-hours" />}
          <MultiSelect label={t('automations.statuses')} data={STATUSES.map((s) => ({ value: s, label: ti(`statuses.${s}`, { defaultValue: s }) }))} {...form.getInputProps('statuses')} miw={200} />
        </Group>
        <Text size="xs" c="dimmed">
          {t('automations.loopHint')}
        </Text>
        <Group grow align="flex-start" wrap="wrap">
          <MultiSelect label={t('automations.channels')} data={CHANNELS.map((c) => ({ value: c, label: ti(`channels.${c}`) }))} {...form.getInputProps('channels')} miw={200} />
          <MultiSelect label={t('automations.languages')} data={LANGS.map((l) => ({ value: l, label: l.toUpperCase() }))} {...form.getInputProps('languages')} miw={160} />
        </Group>
        <Group grow align="flex-start" wrap="wrap">
          <TagsInput label={t('automations.keywords')} {...form.getInputProps('keywords')} miw={200} data-testid="rule-keywords" />
          <TagsInput label={t('automations.categories')} {...form.getInputProps('categories')} miw={200} />
          <NumberInput label={t('automations.orderValueMin')} min={0} decimalScale={2} {...form.getInputProps('minValue')} miw={160} />
        </Group>
        <Text size="sm" fw={600}>
          {t('automations.then')}
        </Text>
        <Group grow align="flex-start" wrap="wrap">
          <TagsInput label={t('automations.addTags')} {...form.getInputProps('addTags')} miw={200} data-testid="rule-tags" />
          <Select label={t('automations.priority')} clearable data={PRIORITIES.map((p) => ({ value: p, label: ti(`priorities.${p}`) }))} {...form.getInputProps('priority')} miw={140} data-testid="rule-priority" />
          <Select label={t('automations.assignee')} clearable data={team.filter((u) => u.role !== 'warehouse' && u.active !== false).map((u) => ({ value: u.id, label: u.name }))} {...form.getInputProps('assigneeId')} miw={180} />
          <TextInput label={t('automations.queue')} {...form.getInputProps('queue')} miw={140} />
        </Group>
        {create.error && (
          <Alert color="red" role="alert" p="xs">
            {message(create.error)}
          </Alert>
        )}
        <Group gap="xs">
          <Button type="submit" size="xs" loading={create.isPending} data-testid="save-rule">
            {t('automations.save')}
          </Button>
          <Button size="xs" variant="default" onClick={onCancel}>
            {t('automations.cancel')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function TranslationService() {
  const { t } = useTranslation('settings');
  const message = useErrorMessage();
  const qc = useQueryClient();
  const q = useQuery({ queryKey: keys.translation, queryFn: ({ signal }) => api.get<TranslationSettingsView>('/api/translation/settings', { signal }) });
  const [baseUrl, setBaseUrl] = useState<string | null>(null);
  const [apiKey, setApiKey] = useState('');
  const save = useApiMutation({
    // Its error is shown beside the control (from .error), not as a toast.
    onError: () => undefined,
    mutationFn: () => api.put<TranslationSettingsView>('/api/translation/settings', { baseUrl: baseUrl ?? q.data?.baseUrl ?? 'https://api-free.deepl.com', ...(apiKey ? { apiKey } : {}) }),
    onSuccess: (d) => {
      qc.setQueryData(keys.translation, d);
      setApiKey('');
    },
  });
  return (
    <Card withBorder padding="md">
      <Group gap="xs">
        <Title order={4}>{t('automations.translation')}</Title>
        {q.data && <Badge variant="light" color={q.data.hasKey ? 'teal' : 'gray'}>{q.data.hasKey ? t('automations.keyStored') : t('automations.noKey')}</Badge>}
      </Group>
      <Text size="sm" c="dimmed" mb="sm">
        {t('automations.translationHint')}
      </Text>
      <Group align="flex-end" gap="sm" wrap="wrap">
        <TextInput label={t('automations.baseUrl')} w={320} value={baseUrl ?? q.data?.baseUrl ?? 'https://api-free.deepl.com'} onChange={(e) => setBaseUrl(e.currentTarget.value)} data-testid="translation-url" />
        <PasswordInput label={t('automations.apiKey')} w={280} value={apiKey} onChange={(e) => setApiKey(e.currentTarget.value)} placeholder={q.data?.hasKey ? '••••••••' : ''} data-testid="translation-key" />
        <Button size="sm" onClick={() => save.mutate()} loading={save.isPending}>
          {t('automations.save')}
        </Button>
      </Group>
      {save.error && (
        <Text size="xs" c="red" role="alert" mt={4}>
          {message(save.error)}
        </Text>
      )}
    </Card>
  );
}
