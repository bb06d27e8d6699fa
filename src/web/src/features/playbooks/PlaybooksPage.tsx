import { ActionIcon, Badge, Button, Card, Divider, Group, Modal, NumberInput, Select, Stack, Switch, Table, Tabs, Text, Textarea, TextInput, Title, Tooltip } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconHistory, IconPlus, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CreateMacro, UpdateMacro } from '../../../../modules/helpdesk/helpdesk.dto';
import { SaveProcedure } from '../../../../modules/playbooks/playbooks.dto';
import { api } from '../../lib/api';
import { contractValidator } from '../../lib/form';
import { useApiMutation } from '../../lib/mutation';
import { useSession } from '../../lib/session';
import { BUYER_LANGS, local, pbKeys, PROBLEM_CATEGORIES, unknownIn, useAllMacros, useMacroVersions, useProcedures, useProcedureVersions, useShopList, useTeamList, useVariables, type MacroView, type ProcedureView } from './api';
import { formatterFor } from '../../lib/format';

/** Playbooks: the team's reply macros (per language and shop, versioned) and the standard procedure per problem category. */
export function PlaybooksPage() {
  const { t } = useTranslation('playbooks');
  const [tab, setTab] = useState<string | null>('macros');
  return (
    <Stack gap="md" p="md" data-testid="playbooks-page">
      <Title order={2}>{t('title')}</Title>
      <Text c="dimmed" size="sm">
        {t('intro')}
      </Text>
      <Tabs value={tab} onChange={setTab} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="macros" data-testid="tab-macros">
            {t('tabs.macros')}
          </Tabs.Tab>
          <Tabs.Tab value="procedures" data-testid="tab-procedures">
            {t('tabs.procedures')}
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="macros" pt="md">
          <MacrosTab />
        </Tabs.Panel>
        <Tabs.Panel value="procedures" pt="md">
          <ProceduresTab />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

// ---------------------------------------------------------------------------------------------
// Macros

function MacrosTab() {
  const { t, i18n } = useTranslation('playbooks');
  const macros = useAllMacros();
  const shops = useShopList();
  const team = useTeamList();
  const [editing, setEditing] = useState<MacroView | 'new' | null>(null);
  const shopName = (id: string | null) => (id ? (shops.data?.find((s) => s.id === id)?.name ?? id) : t('macros.allShops'));
  const userName = (id: string | null) => (id ? (team.data?.find((u) => u.id === id)?.name ?? '—') : '—');
  return (
    <Stack gap="sm">
      <Group justify="flex-end">
        <Button leftSection={<IconPlus size={14} />} onClick={() => setEditing('new')} data-testid="macro-new">
          {t('macros.new')}
        </Button>
      </Group>
      <Table.ScrollContainer minWidth={640}>
        <Table striped highlightOnHover data-testid="macro-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('macros.name')}</Table.Th>
              <Table.Th>{t('macros.category')}</Table.Th>
              <Table.Th>{t('macros.languages')}</Table.Th>
              <Table.Th>{t('macros.shop')}</Table.Th>
              <Table.Th>{t('macros.owner')}</Table.Th>
              <Table.Th>{t('macros.version')}</Table.Th>
              <Table.Th>{t('macros.state')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(macros.data ?? []).map((m) => (
              <Table.Tr key={m.id} onClick={() => setEditing(m)} style={{ cursor: 'pointer' }} data-testid="macro-row">
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {m.name}
                  </Text>
                  {Object.keys(m.unknownVariables).length > 0 && (
                    <Badge size="xs" color="red" variant="light">
                      {t('macros.hasUnknown')}
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>{t(`categories.${m.category}`, { defaultValue: m.category })}</Table.Td>
                <Table.Td>{m.languages.map((l) => l.toUpperCase()).join(' · ')}</Table.Td>
                <Table.Td>{shopName(m.shopId)}</Table.Td>
                <Table.Td>{userName(m.ownerUserId)}</Table.Td>
                <Table.Td>v{m.version}</Table.Td>
                <Table.Td>
                  <Badge size="sm" variant="light" color={m.active ? 'teal' : 'gray'}>
                    {m.active ? t('macros.active') : t('macros.inactive')}
                  </Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {editing && <MacroEditor macro={editing === 'new' ? null : editing} onClose={() => setEditing(null)} lang={i18n.language} />}
    </Stack>
  );
}

interface MacroForm {
  key: string;
  name: string;
  category: string;
  shopId: string;
  ownerUserId: string;
  active: boolean;
  bodies: Record<string, string>;
}

function macroBody(v: MacroForm, existing: boolean) {
  const common = { name: v.name, category: v.category, bodies: Object.fromEntries(Object.entries(v.bodies).filter(([, x]) => x.trim())), shopId: v.shopId || null, ownerUserId: v.ownerUserId || null };
  return existing ? { ...common, active: v.active } : { ...common, key: v.key };
}

function MacroEditor({ macro, onClose, lang }: { macro: MacroView | null; onClose: () => void; lang: string }) {
  const { t } = useTranslation('playbooks');
  const { t: tAll } = useTranslation();
  const shops = useShopList();
  const team = useTeamList();
  const known = useVariables().data ?? [];
  const versions = useMacroVersions(macro?.id ?? null);
  const [bodyLang, setBodyLang] = useState<string>('en');
  const form = useForm<MacroForm>({
    initialValues: {
      key: macro?.key ?? '',
      name: macro?.name ?? '',
      category: macro?.category ?? 'general',
      shopId: macro?.shopId ?? '',
      ownerUserId: macro?.ownerUserId ?? '',
      active: macro?.active ?? true,
      bodies: Object.fromEntries(BUYER_LANGS.map((l) => [l, macro?.bodies[l] ?? ''])),
    },
    // The server's own schema checks the form before it is sent.
    validate: contractValidator(tAll, macro ? UpdateMacro : CreateMacro, (v: MacroForm) => macroBody(v, !!macro)),
  });
  const save = useApiMutation({
    form,
    invalidate: [pbKeys.macros, ['inbox', 'macros']],
    success: t('macros.saved'),
    mutationFn: () => (macro ? api.patch<MacroView>(`/api/macros/${macro.id}`, macroBody(form.values, true)) : api.post<MacroView>('/api/macros', macroBody(form.values, false))),
    onSuccess: () => onClose(),
  });
  const restore = useApiMutation({
    invalidate: [pbKeys.macros, ['inbox', 'macros']],
    success: t('macros.restored'),
    mutationFn: (version: number) => api.post<MacroView>(`/api/macros/${macro!.id}/restore`, { version }),
    onSuccess: () => onClose(),
  });
  const body = form.values.bodies[bodyLang] ?? '';
  const unknown = unknownIn(body, known);
  const insert = (name: string) => form.setFieldValue(`bodies.${bodyLang}`, `${body}{{${name}}}`);
  const cats = ['general', ...PROBLEM_CATEGORIES];
  return (
    <Modal opened onClose={onClose} title={macro ? t('macros.edit', { name: macro.name }) : t('macros.new')} size="lg" data-testid="macro-editor">
      <form onSubmit={form.onSubmit(() => save.mutate())}>
        <Stack gap="sm">
          {!macro && <TextInput label={t('macros.key')} description={t('macros.keyHint')} required {...form.getInputProps('key')} data-testid="macro-key" />}
          <TextInput label={t('macros.name')} required {...form.getInputProps('name')} data-testid="macro-name" />
          <Group grow align="flex-start" wrap="wrap">
            <Select label={t('macros.category')} data={cats.map((c) => ({ value: c, label: t(`categories.${c}`, { defaultValue: c }) }))} {...form.getInputProps('category')} allowDeselect={false} />
            <Select label={t('macros.shop')} data={[{ value: '', label: t('macros.allShops') }, ...(shops.data ?? []).map((s) => ({ value: s.id, label: s.name }))]} {...form.getInputProps('shopId')} allowDeselect={false} data-testid="macro-shop" />
            <Select label={t('macros.owner')} data={[{ value: '', label: '—' }, ...(team.data ?? []).map((u) => ({ value: u.id, label: u.name }))]} {...form.getInputProps('ownerUserId')} allowDeselect={false} />
          </Group>
          <Tabs value={bodyLang} onChange={(v) => setBodyLang(v ?? 'en')}>
            <Tabs.List>
              {BUYER_LANGS.map((l) => (
                <Tabs.Tab key={l} value={l} data-testid={`macro-lang-${l}`}>
                  {l.toUpperCase()}
                  {form.values.bodies[l]?.trim() ? ' ●' : ''}
                </Tabs.Tab>
              ))}
            </Tabs.List>
          </Tabs>
          <Textarea
            label={t('macros.body', { language: bodyLang.toUpperCase() })}
            description={bodyLang === 'en' ? t('macros.enRequired') : t('macros.fallback')}
            autosize
            minRows={4}
            {...form.getInputProps(`bodies.${bodyLang}`)}
            error={form.errors[`bodies.${bodyLang}`] ?? form.errors[`bodies`]}
            data-testid="macro-body"
          />
          <Group gap={4} wrap="wrap" data-testid="macro-variables">
            <Text size="xs" c="dimmed">
              {t('macros.variables')}
            </Text>
            {known.map((v) => (
              <Badge key={v} size="sm" variant="outline" style={{ cursor: 'pointer', textTransform: 'none' }} onClick={() => insert(v)}>
                {`{{${v}}}`}
              </Badge>
            ))}
          </Group>
          {unknown.length > 0 && (
            <Text size="xs" c="red" data-testid="macro-unknown">
              {t('macros.unknown', { names: unknown.map((u) => `{{${u}}}`).join(', ') })}
            </Text>
          )}
          {macro && <Switch label={t('macros.activeSwitch')} {...form.getInputProps('active', { type: 'checkbox' })} data-testid="macro-active" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('cancel')}
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="macro-save">
              {t('save')}
            </Button>
          </Group>
        </Stack>
      </form>
      {macro && (
        <>
          <Divider my="md" label={t('history')} labelPosition="left" />
          <Stack gap={4} data-testid="macro-history">
            {(versions.data ?? []).map((v) => (
              <Group key={v.version} justify="space-between" wrap="nowrap" data-testid="macro-version">
                <Text size="xs">
                  v{v.version} · {v.authorName ?? t('system')} · {formatterFor(lang).dateTime(v.createdAt)}
                  {!v.active ? ` · ${t('macros.inactive')}` : ''}
                </Text>
                {v.version !== macro.version && (
                  <Button size="compact-xs" variant="subtle" leftSection={<IconHistory size={12} />} onClick={() => restore.mutate(v.version)} data-testid="macro-restore">
                    {t('restore')}
                  </Button>
                )}
              </Group>
            ))}
          </Stack>
        </>
      )}
    </Modal>
  );
}

// ---------------------------------------------------------------------------------------------
// Procedures

function ProceduresTab() {
  const { t, i18n } = useTranslation('playbooks');
  const procedures = useProcedures();
  const [editing, setEditing] = useState<string | null>(null);
  const byCat = new Map((procedures.data ?? []).map((p) => [p.category, p]));
  return (
    <Stack gap="sm">
      {PROBLEM_CATEGORIES.map((c) => {
        const p = byCat.get(c);
        return (
          <Card key={c} withBorder padding="sm" data-testid={`procedure-card-${c}`}>
            <Group justify="space-between" wrap="wrap">
              <div>
                <Text size="xs" c="dimmed">
                  {t(`categories.${c}`)}
                </Text>
                <Text fw={600} data-testid="procedure-title">
                  {p ? local(p.title, i18n.language) : t('procedures.none')}
                </Text>
                {p && (
                  <Text size="xs" c="dimmed">
                    {t('procedures.summary', { steps: p.steps.length, version: p.version })}
                    {p.remedyTier ? ` · ${t('procedures.tierN', { tier: p.remedyTier })}` : ''}
                    {!p.active ? ` · ${t('macros.inactive')}` : ''}
                  </Text>
                )}
              </div>
              <Button size="xs" variant="light" onClick={() => setEditing(c)} data-testid={`procedure-edit-${c}`}>
                {p ? t('edit') : t('procedures.write')}
              </Button>
            </Group>
          </Card>
        );
      })}
      {editing && <ProcedureEditor category={editing} procedure={byCat.get(editing as ProcedureView['category']) ?? null} onClose={() => setEditing(null)} />}
    </Stack>
  );
}

interface StepForm {
  titleEn: string;
  titleZh: string;
  checks: { en: string; zh: string }[];
}
interface ProcedureForm {
  titleEn: string;
  titleZh: string;
  steps: StepForm[];
  remedyTier: string;
  escalateEn: string;
  escalateZh: string;
  escalateAfterHours: number | string;
  active: boolean;
}

const text = (en: string, zh: string) => (zh.trim() ? { en: en.trim(), 'zh-CN': zh.trim() } : { en: en.trim() });

function procedureBody(v: ProcedureForm) {
  return {
    title: text(v.titleEn, v.titleZh),
    steps: v.steps.map((s) => ({ title: text(s.titleEn, s.titleZh), checks: s.checks.filter((c) => c.en.trim()).map((c) => text(c.en, c.zh)) })),
    remedyTier: v.remedyTier ? Number(v.remedyTier) : null,
    escalateWhen: text(v.escalateEn, v.escalateZh),
    escalateAfterHours: v.escalateAfterHours === '' ? null : Number(v.escalateAfterHours),
    active: v.active,
  };
}

/** Where a problem in the request body sits on the form (steps by index). */
function procedureFields(v: ProcedureForm): Record<string, string> {
  const out: Record<string, string> = { 'title.en': 'titleEn', 'title.zh-CN': 'titleZh', 'escalateWhen.en': 'escalateEn', 'escalateWhen.zh-CN': 'escalateZh' };
  v.steps.forEach((_, i) => {
    out[`steps.${i}.title.en`] = `steps.${i}.titleEn`;
    out[`steps.${i}.title.zh-CN`] = `steps.${i}.titleZh`;
  });
  return out;
}

function ProcedureEditor({ category, procedure, onClose }: { category: string; procedure: ProcedureView | null; onClose: () => void }) {
  const { t, i18n } = useTranslation('playbooks');
  const { t: tAll } = useTranslation();
  const versions = useProcedureVersions(procedure ? category : null);
  const form = useForm<ProcedureForm>({
    initialValues: {
      titleEn: procedure?.title.en ?? '',
      titleZh: procedure?.title['zh-CN'] ?? '',
      steps: procedure?.steps.map((s) => ({ titleEn: s.title.en ?? '', titleZh: s.title['zh-CN'] ?? '', checks: s.checks.map((c) => ({ en: c.en ?? '', zh: c['zh-CN'] ?? '' })) })) ?? [{ titleEn: '', titleZh: '', checks: [{ en: '', zh: '' }] }],
      remedyTier: procedure?.remedyTier ? String(procedure.remedyTier) : '',
      escalateEn: procedure?.escalateWhen.en ?? '',
      escalateZh: procedure?.escalateWhen['zh-CN'] ?? '',
      escalateAfterHours: procedure?.escalateAfterHours ?? '',
      active: procedure?.active ?? true,
    },
    validate: (v) => contractValidator(tAll, SaveProcedure, procedureBody, procedureFields(v))(v),
  });
  const save = useApiMutation({
    form,
    rename: { 'title.en': 'titleEn', 'escalateWhen.en': 'escalateEn' },
    invalidate: [pbKeys.procedures, ['playbooks', 'ticket'], pbKeys.procedureVersions(category)],
    success: t('procedures.saved'),
    mutationFn: () => api.put<ProcedureView>(`/api/procedures/${category}`, procedureBody(form.values)),
    onSuccess: () => onClose(),
  });
  const restore = useApiMutation({
    invalidate: [pbKeys.procedures, ['playbooks', 'ticket'], pbKeys.procedureVersions(category)],
    success: t('procedures.restored'),
    mutationFn: (version: number) => api.post<ProcedureView>(`/api/procedures/${category}/restore`, { version }),
    onSuccess: () => onClose(),
  });
  return (
    <Modal opened onClose={onClose} title={t('procedures.editTitle', { category: t(`categories.${category}`) })} size="xl" data-testid="procedure-editor">
      <form onSubmit={form.onSubmit(() => save.mutate())}>
        <Stack gap="sm">
          <Group grow wrap="wrap">
            <TextInput label={t('procedures.titleEn')} required {...form.getInputProps('titleEn')} data-testid="procedure-title-en" />
            <TextInput label={t('procedures.titleZh')} {...form.getInputProps('titleZh')} data-testid="procedure-title-zh" />
          </Group>
          {form.values.steps.map((s, i) => (
            <Card key={i} withBorder padding="xs" data-testid="procedure-step-edit">
              <Group justify="space-between" mb={4}>
                <Text size="sm" fw={600}>
                  {t('procedures.stepN', { n: i + 1 })}
                </Text>
                {form.values.steps.length > 1 && (
                  <ActionIcon variant="subtle" color="red" aria-label={t('procedures.removeStep')} onClick={() => form.removeListItem('steps', i)}>
                    <IconTrash size={14} />
                  </ActionIcon>
                )}
              </Group>
              <Group grow wrap="wrap">
                <TextInput size="xs" label={t('procedures.stepTitleEn')} required {...form.getInputProps(`steps.${i}.titleEn`)} />
                <TextInput size="xs" label={t('procedures.stepTitleZh')} {...form.getInputProps(`steps.${i}.titleZh`)} />
              </Group>
              {s.checks.map((_, j) => (
                <Group key={j} grow wrap="wrap" mt={4}>
                  <TextInput size="xs" placeholder={t('procedures.checkEn')} aria-label={t('procedures.checkEn')} {...form.getInputProps(`steps.${i}.checks.${j}.en`)} />
                  <TextInput size="xs" placeholder={t('procedures.checkZh')} aria-label={t('procedures.checkZh')} {...form.getInputProps(`steps.${i}.checks.${j}.zh`)} data-testid="procedure-check-zh" />
                </Group>
              ))}
              <Button size="compact-xs" variant="subtle" mt={4} leftSection={<IconPlus size={12} />} onClick={() => form.insertListItem(`steps.${i}.checks`, { en: '', zh: '' })}>
                {t('procedures.addCheck')}
              </Button>
            </Card>
          ))}
          <Button size="xs" variant="light" leftSection={<IconPlus size={12} />} onClick={() => form.insertListItem('steps', { titleEn: '', titleZh: '', checks: [{ en: '', zh: '' }] })} disabled={form.values.steps.length >= 12}>
            {t('procedures.addStep')}
          </Button>
          <Group grow wrap="wrap" align="flex-start">
            <Select label={t('procedures.tier')} data={[{ value: '', label: t('procedures.noTier') }, ...[1, 2, 3].map((n) => ({ value: String(n), label: t('procedures.tierN', { tier: n }) }))]} {...form.getInputProps('remedyTier')} allowDeselect={false} />
            <NumberInput label={t('procedures.escalateAfter')} min={1} max={720} {...form.getInputProps('escalateAfterHours')} />
          </Group>
          <Group grow wrap="wrap">
            <TextInput label={t('procedures.escalateEn')} required {...form.getInputProps('escalateEn')} />
            <TextInput label={t('procedures.escalateZh')} {...form.getInputProps('escalateZh')} />
          </Group>
          <Switch label={t('procedures.activeSwitch')} {...form.getInputProps('active', { type: 'checkbox' })} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('cancel')}
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="procedure-save">
              {t('save')}
            </Button>
          </Group>
        </Stack>
      </form>
      {procedure && (
        <>
          <Divider my="md" label={t('history')} labelPosition="left" />
          <Stack gap={4} data-testid="procedure-history">
            {(versions.data ?? []).map((v) => (
              <Group key={v.version} justify="space-between" wrap="nowrap">
                <Text size="xs">
                  v{v.version} · {local(v.title, i18n.language)} · {v.authorName ?? t('system')} · {formatterFor(i18n.language).dateTime(v.createdAt)}
                </Text>
                {v.version !== procedure.version && (
                  <Tooltip label={t('restoreHint')}>
                    <Button size="compact-xs" variant="subtle" leftSection={<IconHistory size={12} />} onClick={() => restore.mutate(v.version)}>
                      {t('restore')}
                    </Button>
                  </Tooltip>
                )}
              </Group>
            ))}
          </Stack>
        </>
      )}
    </Modal>
  );
}

export function useCanLead() {
  return useSession().can(['owner', 'supervisor']);
}
