import { ActionIcon, Alert, Badge, Button, Checkbox, Group, Modal, MultiSelect, NumberInput, PasswordInput, Select, Stack, Switch, Table, TagsInput, Text, TextInput, Tooltip } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconInfoCircle, IconPencil, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { formatMoney, toMajor, toMinor } from '../../lib/money';
import { ROLES, useSession, type Role, type UserView } from '../../lib/session';
import { CreateUser, UpdateUser } from '../../../../modules/auth/auth.dto';
import { contractValidator } from '../../lib/form';
import { useApiMutation } from '../../lib/mutation';
import { keys, useBrands, useUsers } from './api';
import { InvitationsPanel } from '../agency/InvitationsPanel';
import { FormAlert, QueryState } from './common';
import { AGENT_LANGUAGES, CURRENCIES } from './types';
import { MemberPasswordReset } from '../account/MemberPasswordReset';

type Limits = UserView['remedyLimits'];

export function TeamPanel() {
  const { t, i18n } = useTranslation('settings');
  const { can, user: me } = useSession();
  const isOwner = can(['owner']);
  const users = useUsers();
  const brands = useBrands();
  const [editing, setEditing] = useState<UserView | 'new' | null>(null);

  const limitsSummary = (l: Limits) => {
    const pct = l.percent === null ? t('team.limits.noPercent') : `≤ ${l.percent}%`;
    if (l.amounts === null) return `${pct} · ${t('team.limits.noAmount')}`;
    const list = sortCurrencies(Object.keys(l.amounts)).map((c) => formatMoney(l.amounts![c]!, c, i18n.language));
    return `${pct} · ${list.length ? list.join(', ') : t('team.limits.noCurrencies')}`;
  };

  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="nowrap">
        <Text size="sm" c="dimmed">
          {t('team.intro')}
        </Text>
        {isOwner && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')}>
            {t('team.add')}
          </Button>
        )}
      </Group>
      {!isOwner && (
        <Alert variant="light" color="blue" icon={<IconInfoCircle size={18} />}>
          {t('team.viewOnly')}
        </Alert>
      )}
      <QueryState isPending={users.isPending} error={users.error} empty={!users.data?.length} emptyText={t('team.empty')}>
        <div className="ad-table-wrap" style={{ overflowX: 'auto' }}>
          <Table highlightOnHover data-testid="users-table" miw={820}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('team.columns.name')}</Table.Th>
                <Table.Th>{t('team.columns.role')}</Table.Th>
                <Table.Th>{t('team.columns.languages')}</Table.Th>
                <Table.Th>{t('team.columns.skills')}</Table.Th>
                <Table.Th>{t('team.columns.limits')}</Table.Th>
                <Table.Th>{t('team.columns.status')}</Table.Th>
                {isOwner && <Table.Th w={44} />}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {users.data?.map((u) => (
                <Table.Tr key={u.id} data-testid={`user-row-${u.email}`}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {u.name}
                      {u.id === me.id && (
                        <Text span size="xs" c="dimmed" ml={6}>
                          ({t('team.you')})
                        </Text>
                      )}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {u.email}
                    </Text>
                    {u.brandIds && (
                      <Badge size="xs" variant="outline" color="orange" tt="none" mt={2} data-testid={`user-brands-${u.email}`}>
                        {u.brandIds.map((b) => brands.data?.find((x) => x.id === b)?.name ?? b).join(', ')}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    <Badge variant="light" style={{ overflow: 'visible' }} color={u.role === 'owner' ? 'indigo' : u.role === 'supervisor' ? 'violet' : u.role === 'agent' ? 'teal' : 'orange'} size="sm" tt="none">
                      {t(`common:roles.${u.role}`)}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      {u.languages.map((l) => (
                        <Badge key={l} size="xs" variant="outline" color="gray">
                          {l}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs" c={u.skills.length ? undefined : 'dimmed'}>
                      {u.skills.length ? u.skills.join(', ') : '—'}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs">{limitsSummary(u.remedyLimits)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge size="sm" variant="dot" color={u.active ? 'teal' : 'gray'} tt="none">
                      {u.active ? t('team.active') : t('team.inactive')}
                    </Badge>
                  </Table.Td>
                  {isOwner && (
                    <Table.Td>
                      <Tooltip label={t('team.edit')}>
                        <ActionIcon variant="subtle" color="gray" onClick={() => setEditing(u)} aria-label={`${t('team.edit')} ${u.name}`}>
                          <IconPencil size={16} />
                        </ActionIcon>
                      </Tooltip>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      </QueryState>
      {isOwner && <InvitationsPanel />}
      {editing && <UserModal key={editing === 'new' ? 'new' : editing.id} user={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
    </Stack>
  );
}

/** Our markets' currencies first in a fixed order (the database returns JSON keys sorted), then any others. */
function sortCurrencies(list: string[]): string[] {
  const rank = (c: string) => {
    const i = (CURRENCIES as readonly string[]).indexOf(c);
    return i === -1 ? CURRENCIES.length : i;
  };
  return [...list].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

interface LimitsDraft {
  percentCapped: boolean;
  percent: number;
  amountsCapped: boolean;
  amounts: Record<string, number | ''>;
}

function limitsDraft(l: Limits | undefined): LimitsDraft {
  const amounts: Record<string, number | ''> = {};
  const currencies = sortCurrencies([...new Set<string>([...CURRENCIES, ...Object.keys(l?.amounts ?? {})])]);
  for (const c of currencies) {
    const v = l?.amounts?.[c];
    amounts[c] = v === undefined ? '' : toMajor(v, c);
  }
  return { percentCapped: l ? l.percent !== null : true, percent: l?.percent ?? 0, amountsCapped: l ? l.amounts !== null : true, amounts };
}

function limitsBody(d: LimitsDraft): Limits {
  let amounts: Record<string, number> | null = null;
  if (d.amountsCapped) {
    amounts = {};
    for (const [c, v] of Object.entries(d.amounts)) if (v !== '') amounts[c] = toMinor(v, c);
  }
  return { percent: d.percentCapped ? d.percent : null, amounts };
}

function UserModal({ user, onClose }: { user: UserView | null; onClose: () => void }) {
  const { user: me } = useSession();
  const { t } = useTranslation('settings');
  const { t: tAll } = useTranslation();
  const isNew = user === null;
  const brands = useBrands();
  const [formError, setFormError] = useState<string | null>(null);
  type Values = { email: string; password: string; name: string; role: Role; languages: string[]; skills: string[]; active: boolean; brandIds: string[]; customLimits: boolean; limits: LimitsDraft };
  const toBody = (v: Values) => {
    // Owners see the whole organisation; an empty choice means every brand.
    const limit = v.role !== 'owner' && v.brandIds.length ? v.brandIds : null;
    const common = { name: v.name.trim(), role: v.role, languages: v.languages, skills: v.skills, ...(v.customLimits ? { remedyLimits: limitsBody(v.limits) } : {}) };
    return isNew ? { email: v.email.trim(), password: v.password, ...common, ...(limit ? { brandIds: limit } : {}) } : { ...common, brandIds: limit, active: v.active };
  };
  const form = useForm<Values>({
    initialValues: {
      email: '',
      password: '',
      name: user?.name ?? '',
      role: user?.role ?? 'agent',
      languages: user?.languages ?? [],
      skills: user?.skills ?? [],
      active: user?.active ?? true,
      brandIds: user?.brandIds ?? [],
      // New users get the server's defaults for their role unless the owner sets limits explicitly.
      customLimits: !isNew,
      limits: limitsDraft(user?.remedyLimits),
    },
    validate: contractValidator(tAll, isNew ? CreateUser : UpdateUser, toBody),
  });
  const { email, password, name, role, languages, skills, active, brandIds, customLimits, limits } = form.values;
  const field = <K extends keyof Values>(k: K) => (v: Values[K]) => form.setFieldValue(k, v as never);
  const [setEmail, setPassword, setName, setLanguages, setSkills, setActive, setBrandIds, setCustomLimits] = [field('email'), field('password'), field('name'), field('languages'), field('skills'), field('active'), field('brandIds'), field('customLimits')];
  const setRole = field('role');
  const setLimits = (f: (l: LimitsDraft) => LimitsDraft) => form.setFieldValue('limits', f(form.getValues().limits));
  const err = (f: string) => form.errors[f] as string | undefined;
  const save = useApiMutation({
    mutationFn: (v: Values) => (isNew ? api.post<UserView>('/api/users', toBody(v)) : api.patch<UserView>(`/api/users/${encodeURIComponent(user.id)}`, toBody(v))),
    invalidate: [keys.users],
    success: (saved) => t(isNew ? 'team.created' : 'team.saved', { name: saved.name }),
    onMutate: () => setFormError(null),
    onSuccess: () => onClose(),
    onError: (presented) => {
      form.setErrors(presented.fields);
      setFormError(Object.keys(presented.fields).length ? t('common:form.fixErrors') : presented.message);
    },
  });

  return (
    <Modal opened onClose={onClose} size="lg" title={<Text fw={600}>{isNew ? t('team.addTitle') : t('team.editTitle', { name: user.name })}</Text>}>
      <form onSubmit={form.onSubmit((v) => save.mutate(v), () => setFormError(t('common:form.fixErrors')))} noValidate>
        <Stack gap="sm">
          <FormAlert message={formError} />
          {isNew ? (
            <Group grow align="flex-start">
              <TextInput label={t('team.fields.email')} type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={err('email')} autoComplete="off" />
              <PasswordInput
                label={t('team.fields.password')}
                description={t('team.fields.passwordHint')}
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
                error={err('password')}
                autoComplete="new-password"
              />
            </Group>
          ) : (
            <TextInput label={t('team.fields.email')} value={user.email} readOnly variant="filled" />
          )}
          <Group grow align="flex-start">
            <TextInput label={t('team.fields.name')} value={name} onChange={(e) => setName(e.currentTarget.value)} error={err('name')} />
            <Select
              label={t('team.fields.role')}
              data={ROLES.map((r) => ({ value: r, label: t(`common:roles.${r}`) }))}
              value={role}
              onChange={(v) => v && setRole(v as Role)}
              allowDeselect={false}
              error={err('role')}
              comboboxProps={{ withinPortal: true }}
            />
          </Group>
          <MultiSelect
            label={t('team.fields.languages')}
            data={AGENT_LANGUAGES.map((l) => ({ value: l, label: t(`common:languages.${l}`) }))}
            value={languages}
            onChange={setLanguages}
            error={err('languages')}
            comboboxProps={{ withinPortal: true }}
          />
          {role !== 'owner' && (
            <MultiSelect
              label={t('agency:team.brands')}
              description={t('agency:team.brandsHint')}
              placeholder={brandIds.length ? undefined : t('agency:team.allBrands')}
              data={(brands.data ?? []).map((b) => ({ value: b.id, label: b.name }))}
              value={brandIds}
              onChange={setBrandIds}
              error={err('brandIds')}
              comboboxProps={{ withinPortal: true }}
              data-testid="user-brands"
            />
          )}
          <TagsInput label={t('team.fields.skills')} description={t('team.fields.skillsHint')} value={skills} onChange={setSkills} error={err('skills')} clearable />

          <Stack gap={6} mt="xs">
            <Text size="sm" fw={600}>
              {t('team.limits.title')}
            </Text>
            <Text size="xs" c="dimmed">
              {t('team.limits.hint')}
            </Text>
            {isNew && <Checkbox label={t('team.limits.custom')} checked={customLimits} onChange={(e) => setCustomLimits(e.currentTarget.checked)} />}
            {customLimits && (
              <Stack gap="xs">
                <Group align="flex-end" gap="sm">
                  <NumberInput
                    w={200}
                    label={t('team.limits.percent')}
                    value={limits.percent}
                    onChange={(v) => setLimits((l) => ({ ...l, percent: typeof v === 'number' ? v : Number(v) || 0 }))}
                    min={0}
                    max={100}
                    allowDecimal={false}
                    suffix=" %"
                    disabled={!limits.percentCapped}
                    error={err('remedyLimits.percent')}
                  />
                  <Checkbox mb={8} label={t('team.limits.noPercent')} checked={!limits.percentCapped} onChange={(e) => setLimits((l) => ({ ...l, percentCapped: !e.currentTarget.checked }))} />
                </Group>
                <Group justify="space-between" mt={4}>
                  <Text size="sm" fw={500}>
                    {t('team.limits.amounts')}
                  </Text>
                  <Checkbox label={t('team.limits.noAmount')} checked={!limits.amountsCapped} onChange={(e) => setLimits((l) => ({ ...l, amountsCapped: !e.currentTarget.checked }))} />
                </Group>
                {limits.amountsCapped && (
                  <Group gap="xs" grow>
                    {Object.keys(limits.amounts).map((c) => (
                      <NumberInput
                        key={c}
                        label={c}
                        value={limits.amounts[c]}
                        onChange={(v) => setLimits((l) => ({ ...l, amounts: { ...l.amounts, [c]: v === '' ? '' : typeof v === 'number' ? v : Number(v) } }))}
                        min={0}
                        decimalScale={2}
                        thousandSeparator=","
                        error={err(`remedyLimits.amounts.${c}`) ?? err('remedyLimits.amounts')}
                      />
                    ))}
                  </Group>
                )}
              </Stack>
            )}
          </Stack>

          {!isNew && user.id !== me.id && <MemberPasswordReset user={user} />}
          {!isNew && <Switch mt="xs" label={t('team.fields.active')} description={t('team.fields.activeHint')} checked={active} onChange={(e) => setActive(e.currentTarget.checked)} error={err('active')} />}

          <Group justify="flex-end" mt="sm">
            <Button variant="default" onClick={onClose}>
              {t('common:actions.cancel')}
            </Button>
            <Button type="submit" loading={save.isPending}>
              {isNew ? t('team.addSubmit') : t('common:actions.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
