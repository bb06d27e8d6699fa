import { Alert, Badge, Button, Code, Group, Image, Modal, MultiSelect, Paper, PasswordInput, PinInput, SegmentedControl, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconAlertTriangle, IconDeviceDesktop, IconKey, IconLogout, IconShieldLock, IconUser } from '@tabler/icons-react';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { useFormat } from '../../lib/format';
import { useApiMutation } from '../../lib/mutation';
import { ME_KEY, type UserView } from '../../lib/session';
import { applyLocale } from '../../i18n';
import { PageHeader } from '../../shell/PageHeader';
import { ACCOUNT_KEY, keys, useAccount, useSessions, type AccountView, type TotpSetupView } from './api';

const WORK_LANGUAGES = ['en', 'de', 'fr', 'it', 'es', 'zh-CN'];

function Section({ icon, title, children, testId }: { icon: ReactNode; title: string; children: ReactNode; testId?: string }) {
  return (
    <Paper withBorder radius="md" p="lg" data-testid={testId}>
      <Group gap={8} mb="md">
        {icon}
        <Title order={2} fz={16} fw={600}>
          {title}
        </Title>
      </Group>
      {children}
    </Paper>
  );
}

/** The signed-in person's own account: profile, password, two-factor sign-in, sessions. */
export function AccountPage({ only }: { only?: 'password' | 'twoFactor' } = {}) {
  const { t } = useTranslation('account');
  const account = useAccount();
  if (!account.data) return null;
  const a = account.data;
  return (
    <Stack gap="lg" maw={880}>
      {!only && <PageHeader title={t('title')} description={t('description')} />}
      {a.restriction && (
        <Alert color="orange" icon={<IconAlertTriangle size={18} />} title={t(`restriction.${a.restriction}.title`)} data-testid="restriction">
          {t(`restriction.${a.restriction}.body`)}
        </Alert>
      )}
      {!only && <ProfileSection account={a} />}
      {only !== 'twoFactor' && <PasswordSection mustChange={a.mustChangePassword} />}
      {only !== 'password' && <TwoFactorSection account={a} />}
      {!only && <SessionsSection />}
    </Stack>
  );
}

function ProfileSection({ account }: { account: AccountView }) {
  const { t } = useTranslation('account');
  const form = useForm({ initialValues: { name: account.user.name, uiLocale: account.user.uiLocale as 'en' | 'zh-CN', languages: account.user.languages } });
  const save = useApiMutation({
    mutationFn: (v: typeof form.values) => api.patch<AccountView>('/api/account', v),
    form,
    invalidate: [ACCOUNT_KEY, ME_KEY],
    success: t('profile.saved'),
    onSuccess: async (r) => {
      if (r.user.uiLocale === 'en' || r.user.uiLocale === 'zh-CN') await applyLocale(r.user.uiLocale);
    },
  });
  return (
    <Section icon={<IconUser size={18} />} title={t('profile.title')} testId="profile">
      <form onSubmit={form.onSubmit((v) => save.mutate(v))}>
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label={t('profile.name')} {...form.getInputProps('name')} />
            <TextInput label={t('profile.email')} value={account.user.email} readOnly disabled />
          </SimpleGrid>
          <Stack gap={4}>
            <Text size="sm" fw={500}>
              {t('profile.uiLocale')}
            </Text>
            <SegmentedControl
              w="fit-content"
              data={[
                { value: 'en', label: 'English' },
                { value: 'zh-CN', label: '简体中文' },
              ]}
              {...form.getInputProps('uiLocale')}
            />
          </Stack>
          <MultiSelect label={t('profile.languages')} description={t('profile.languagesHint')} data={WORK_LANGUAGES.map((l) => ({ value: l, label: t(`languages.${l}`) }))} {...form.getInputProps('languages')} />
          <Group>
            <Button type="submit" loading={save.isPending}>
              {t('save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}

function PasswordSection({ mustChange }: { mustChange: boolean }) {
  const { t } = useTranslation('account');
  const form = useForm({ initialValues: { currentPassword: '', newPassword: '' } });
  const change = useApiMutation({
    mutationFn: (v: typeof form.values) => api.post<void>('/api/account/password', v),
    form,
    invalidate: [ACCOUNT_KEY, keys.sessions],
    success: t('password.changed'),
    onSuccess: () => form.reset(),
  });
  return (
    <Section icon={<IconKey size={18} />} title={t('password.title')} testId="password">
      <form onSubmit={form.onSubmit((v) => change.mutate(v))}>
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            {mustChange ? t('password.mustChange') : t('password.hint')}
          </Text>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <PasswordInput label={t('password.current')} autoComplete="current-password" {...form.getInputProps('currentPassword')} />
            <PasswordInput label={t('password.new')} autoComplete="new-password" {...form.getInputProps('newPassword')} />
          </SimpleGrid>
          <Group>
            <Button type="submit" loading={change.isPending}>
              {t('password.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}

function RecoveryCodes({ codes, onClose }: { codes: string[]; onClose: () => void }) {
  const { t } = useTranslation('account');
  return (
    <Modal opened onClose={onClose} title={t('twoFactor.codesTitle')} size="md" closeOnClickOutside={false}>
      <Stack gap="sm">
        <Text size="sm">{t('twoFactor.codesHint')}</Text>
        <SimpleGrid cols={2} spacing={6} data-testid="recovery-codes">
          {codes.map((c) => (
            <Code key={c} fz="sm" ta="center" py={4}>
              {c}
            </Code>
          ))}
        </SimpleGrid>
        <Group justify="space-between">
          <Button variant="light" onClick={() => void navigator.clipboard?.writeText(codes.join('\n'))}>
            {t('copy')}
          </Button>
          <Button onClick={onClose} data-testid="codes-done">
            {t('twoFactor.codesDone')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function TwoFactorSection({ account }: { account: AccountView }) {
  const { t } = useTranslation('account');
  const f = useFormat();
  const [setup, setSetup] = useState<TotpSetupView | null>(null);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [disabling, setDisabling] = useState(false);
  const start = useApiMutation({ mutationFn: () => api.post<TotpSetupView>('/api/account/two-factor/setup'), onSuccess: (s) => setSetup(s) });
  const confirm = useApiMutation({
    mutationFn: (c: string) => api.post<{ recoveryCodes: string[] }>('/api/account/two-factor/confirm', { code: c }),
    invalidate: [ACCOUNT_KEY],
    onSuccess: (r) => {
      setSetup(null);
      setCode('');
      setCodes(r.recoveryCodes);
    },
  });
  const tf = account.twoFactor;
  return (
    <Section icon={<IconShieldLock size={18} />} title={t('twoFactor.title')} testId="two-factor">
      <Stack gap="sm">
        <Group gap="xs">
          <Badge color={tf.enabled ? 'teal' : 'gray'} variant="light" data-testid="two-factor-status">
            {tf.enabled ? t('twoFactor.on') : t('twoFactor.off')}
          </Badge>
          {tf.required && <Badge color="orange" variant="light">{t('twoFactor.required')}</Badge>}
        </Group>
        <Text size="sm" c="dimmed">
          {tf.enabled ? t('twoFactor.onHint', { date: f.date(tf.enabledAt), left: tf.recoveryCodesLeft }) : t('twoFactor.offHint')}
        </Text>
        {!tf.enabled && !setup && (
          <Group>
            <Button onClick={() => start.mutate()} loading={start.isPending} data-testid="two-factor-start">
              {t('twoFactor.start')}
            </Button>
          </Group>
        )}
        {setup && (
          <Paper withBorder p="md" radius="md" bg="var(--mantine-color-gray-0)">
            <Stack gap="sm">
              <Text size="sm">{t('twoFactor.scan')}</Text>
              <Group align="flex-start" gap="lg" wrap="wrap">
                <Image src={setup.qrDataUrl} w={180} h={180} alt={t('twoFactor.qrAlt')} radius="sm" />
                <Stack gap={6} maw={360}>
                  <Text size="xs" c="dimmed">
                    {t('twoFactor.manual')}
                  </Text>
                  <Code fz="sm" data-testid="totp-secret" style={{ wordBreak: 'break-all' }}>
                    {setup.secret}
                  </Code>
                  <Text size="sm" fw={500} mt="xs">
                    {t('twoFactor.enterCode')}
                  </Text>
                  <PinInput length={6} type="number" oneTimeCode value={code} onChange={setCode} aria-label={t('twoFactor.code')} data-testid="totp-code" />
                  <Group mt="xs">
                    <Button onClick={() => confirm.mutate(code)} loading={confirm.isPending} disabled={code.length !== 6} data-testid="two-factor-confirm">
                      {t('twoFactor.confirm')}
                    </Button>
                    <Button variant="subtle" color="gray" onClick={() => setSetup(null)}>
                      {t('cancel')}
                    </Button>
                  </Group>
                </Stack>
              </Group>
            </Stack>
          </Paper>
        )}
        {tf.enabled && (
          <Group>
            <Button variant="light" color="red" onClick={() => setDisabling(true)}>
              {t('twoFactor.disable')}
            </Button>
            <NewCodesButton onCodes={setCodes} />
          </Group>
        )}
      </Stack>
      {codes && <RecoveryCodes codes={codes} onClose={() => setCodes(null)} />}
      {disabling && <PasswordAndCode title={t('twoFactor.disable')} url="/api/account/two-factor/disable" onClose={() => setDisabling(false)} />}
    </Section>
  );
}

function NewCodesButton({ onCodes }: { onCodes: (c: string[]) => void }) {
  const { t } = useTranslation('account');
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant="subtle" onClick={() => setOpen(true)}>
        {t('twoFactor.newCodes')}
      </Button>
      {open && (
        <PasswordAndCode
          title={t('twoFactor.newCodes')}
          url="/api/account/two-factor/recovery-codes"
          onClose={() => setOpen(false)}
          onDone={(r) => onCodes((r as { recoveryCodes: string[] }).recoveryCodes)}
        />
      )}
    </>
  );
}

function PasswordAndCode({ title, url, onClose, onDone }: { title: string; url: string; onClose: () => void; onDone?: (r: unknown) => void }) {
  const { t } = useTranslation('account');
  const form = useForm({ initialValues: { password: '', code: '' } });
  const run = useApiMutation({
    mutationFn: (v: typeof form.values) => api.post<unknown>(url, v),
    form,
    invalidate: [ACCOUNT_KEY],
    onSuccess: (r) => {
      onDone?.(r);
      onClose();
    },
  });
  return (
    <Modal opened onClose={onClose} title={title}>
      <form onSubmit={form.onSubmit((v) => run.mutate(v))}>
        <Stack gap="sm">
          <PasswordInput label={t('password.current')} {...form.getInputProps('password')} />
          <TextInput label={t('twoFactor.codeOrRecovery')} {...form.getInputProps('code')} autoComplete="one-time-code" />
          <Group justify="flex-end">
            <Button variant="subtle" color="gray" onClick={onClose}>
              {t('cancel')}
            </Button>
            <Button type="submit" loading={run.isPending} color="red">
              {t('confirm')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function SessionsSection() {
  const { t } = useTranslation('account');
  const f = useFormat();
  const sessions = useSessions();
  const revoke = useApiMutation({ mutationFn: (id: string) => api.delete(`/api/account/sessions/${id}`), invalidate: [keys.sessions], success: t('sessions.revoked') });
  const others = useApiMutation({
    mutationFn: () => api.post<{ revoked: number }>('/api/account/sessions/revoke-others'),
    invalidate: [keys.sessions],
    success: (r) => t('sessions.revokedOthers', { count: r.revoked }),
  });
  const list = sessions.data ?? [];
  return (
    <Section icon={<IconDeviceDesktop size={18} />} title={t('sessions.title')} testId="sessions">
      <Stack gap="sm">
        <div style={{ overflowX: 'auto' }}>
          <Table miw={560}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('sessions.device')}</Table.Th>
                <Table.Th>{t('sessions.network')}</Table.Th>
                <Table.Th>{t('sessions.started')}</Table.Th>
                <Table.Th>{t('sessions.lastSeen')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((s) => (
                <Table.Tr key={s.id}>
                  <Table.Td>
                    <Text size="sm">{s.device}</Text>
                    {s.current && (
                      <Badge size="xs" variant="light" color="teal">
                        {t('sessions.current')}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c="dimmed">
                      {s.network ?? '—'}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{f.shortDateTime(s.createdAt)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{f.relative(s.lastSeenAt)}</Text>
                  </Table.Td>
                  <Table.Td ta="right">
                    {!s.current && (
                      <Button size="xs" variant="subtle" color="red" onClick={() => revoke.mutate(s.id)}>
                        {t('sessions.revoke')}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
        <Group>
          <Button variant="light" color="red" leftSection={<IconLogout size={16} />} onClick={() => others.mutate()} disabled={list.length <= 1} loading={others.isPending}>
            {t('sessions.revokeOthers')}
          </Button>
        </Group>
      </Stack>
    </Section>
  );
}

export type { UserView };
