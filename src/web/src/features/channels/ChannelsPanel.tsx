import { Alert, Badge, Button, Card, Code, Collapse, CopyButton, Group, NumberInput, PasswordInput, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconBrandTiktok, IconBrandWhatsapp, IconCheck, IconMail, IconRefresh, IconX } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../../lib/format';
import { useApiMutation } from '../../lib/mutation';
import { useSession } from '../../lib/session';
import { useShops } from '../settings/api';
import { QueryState } from '../settings/common';
import { ShopPicker } from '../setup/ShopPicker';
import { channelKeys, channelsApi, useMailbox, useTikTokCommentsAccount, useWhatsAppNumber, type BusinessAccountView, type BusinessTestView, type ConnectionTestView, type MailboxView, type WhatsAppNumberView } from './api';

type Tls = 'implicit' | 'starttls' | 'none';

/** Settings → Channels: a shop's own mailbox (IMAP/SMTP) and its WhatsApp Business number. */
export function ChannelsPanel() {
  const { t } = useTranslation('channels');
  const shops = useShops();
  const [params, setParams] = useSearchParams();
  // Back from "Connect with TikTok": the shop it was for is picked, and the outcome said once.
  const [shopId, setShopId] = useState<string | null>(params.get('shop'));
  const [oauthError] = useState(params.get('tiktokBusinessError'));
  useEffect(() => {
    if (params.get('tiktokBusiness') === 'connected') notifications.show({ color: 'teal', message: t('tc.connected') });
    if (params.has('tiktokBusiness') || params.has('tiktokBusinessError') || params.has('shop')) {
      const next = new URLSearchParams(params);
      for (const k of ['tiktokBusiness', 'tiktokBusinessError', 'shop']) next.delete(k);
      setParams(next, { replace: true });
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return (
    <QueryState isPending={shops.isPending} error={shops.error} empty={!shops.data?.length} emptyText={t('noShops')}>
      <Stack gap="lg">
        {oauthError && (
          <Alert variant="light" color="red" data-testid="tiktok-oauth-error">
            {t(`errors:${oauthError}`, { defaultValue: oauthError })}
          </Alert>
        )}
        <Text size="sm" c="dimmed" maw={760}>
          {t('intro')}
        </Text>
        <ShopPicker shops={shops.data ?? []} value={shopId} onChange={setShopId} />
        {shopId && (
          <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
            <MailboxCard key={`m-${shopId}`} shopId={shopId} />
            <WhatsAppCard key={`w-${shopId}`} shopId={shopId} />
            <TikTokCommentsCard key={`c-${shopId}`} shopId={shopId} />
          </SimpleGrid>
        )}
      </Stack>
    </QueryState>
  );
}

const STATUS_COLOR = { active: 'teal', failing: 'red', paused: 'gray' } as const;

function MailboxCard({ shopId }: { shopId: string }) {
  const { t } = useTranslation('channels');
  const fmt = useFormat();
  const { can } = useSession();
  const isOwner = can(['owner']);
  const mailbox = useMailbox(shopId);
  const [test, setTest] = useState<ConnectionTestView | null>(null);
  const form = useForm({
    mode: 'controlled',
    initialValues: { address: '', imap: { host: '', port: 993, tls: 'implicit' as Tls, user: '', password: '', folder: 'INBOX' }, smtp: { host: '', port: 465, tls: 'implicit' as Tls, user: '', password: '' } },
    validate: {
      address: (v) => (/^\S+@\S+\.\S+$/.test(v) ? null : t('v.email')),
      imap: { host: (v) => (v.trim() ? null : t('v.required')), user: (v) => (v.trim() ? null : t('v.required')) },
      smtp: { host: (v) => (v.trim() ? null : t('v.required')), user: (v) => (v.trim() ? null : t('v.required')) },
    },
  });
  const current = mailbox.data;
  useEffect(() => {
    if (!current) return;
    form.setValues({ address: current.address, imap: { ...current.imap, password: '' }, smtp: { ...current.smtp, password: '' } });
    form.resetDirty();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [current?.id, current?.updatedAt]);

  const save = useApiMutation({
    mutationFn: (v: typeof form.values) =>
      channelsApi.saveMailbox(shopId, {
        address: v.address,
        imap: { host: v.imap.host, port: v.imap.port, tls: v.imap.tls, user: v.imap.user, folder: v.imap.folder, ...(v.imap.password ? { password: v.imap.password } : {}) },
        smtp: { host: v.smtp.host, port: v.smtp.port, tls: v.smtp.tls, user: v.smtp.user, ...(v.smtp.password ? { password: v.smtp.password } : {}) },
      }),
    form,
    invalidate: [channelKeys.mailbox(shopId)],
    success: t('mail.saved'),
  });
  const runTest = useApiMutation({ mutationFn: () => channelsApi.testMailbox(shopId), onSuccess: (r) => setTest(r) });
  const sync = useApiMutation({
    mutationFn: () => channelsApi.syncMailbox(shopId),
    invalidate: [channelKeys.mailbox(shopId)],
    success: (r) => (r.busy ? t('mail.busy') : t('mail.synced', { fetched: r.fetched, ingested: r.ingested, automated: r.automated })),
  });
  const tlsData = (['implicit', 'starttls', 'none'] as const).map((v) => ({ value: v, label: t(`tls.${v}`) }));

  return (
    <Card withBorder radius="md" padding="lg" data-testid="mailbox-card">
      <Stack gap="sm">
        <Group justify="space-between">
          <Group gap="xs">
            <IconMail size={20} />
            <Title order={4}>{t('mail.title')}</Title>
          </Group>
          {current && <Badge color={STATUS_COLOR[current.status]}>{t(`status.${current.status}`)}</Badge>}
        </Group>
        <QueryState isPending={mailbox.isPending} error={mailbox.error} empty={false} emptyText="">
          {((m: MailboxView | null) => (
            <Stack gap="sm">
              {m ? (
                <Text size="sm" c="dimmed">
                  {t('mail.state', { at: m.lastSyncAt ? fmt.dateTime(m.lastSyncAt) : t('never'), count: m.messagesIngested })}
                </Text>
              ) : (
                <Text size="sm" c="dimmed">
                  {t('mail.none')}
                </Text>
              )}
              {m?.lastError && (
                <Alert color="red" title={t('mail.lastError', { step: t(`steps.${m.lastErrorStep ?? 'connect'}`) })}>
                  <Text size="sm">{m.lastError}</Text>
                </Alert>
              )}
              <form onSubmit={form.onSubmit((v) => save.mutate(v))}>
                <Stack gap="xs">
                  <TextInput label={t('mail.address')} placeholder="support@shop.example" disabled={!isOwner} {...form.getInputProps('address')} />
                  <Text fw={600} size="sm" mt="xs">
                    {t('mail.imap')}
                  </Text>
                  <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="xs">
                    <TextInput label={t('mail.host')} disabled={!isOwner} {...form.getInputProps('imap.host')} />
                    <NumberInput label={t('mail.port')} min={1} max={65535} disabled={!isOwner} {...form.getInputProps('imap.port')} />
                    <Select label={t('mail.tls')} data={tlsData} allowDeselect={false} disabled={!isOwner} {...form.getInputProps('imap.tls')} />
                  </SimpleGrid>
                  <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="xs">
                    <TextInput label={t('mail.user')} disabled={!isOwner} {...form.getInputProps('imap.user')} />
                    <PasswordInput label={t('mail.password')} placeholder={m ? t('mail.keep') : ''} disabled={!isOwner} {...form.getInputProps('imap.password')} />
                    <TextInput label={t('mail.folder')} disabled={!isOwner} {...form.getInputProps('imap.folder')} />
                  </SimpleGrid>
                  <Text fw={600} size="sm" mt="xs">
                    {t('mail.smtp')}
                  </Text>
                  <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="xs">
                    <TextInput label={t('mail.host')} disabled={!isOwner} {...form.getInputProps('smtp.host')} />
                    <NumberInput label={t('mail.port')} min={1} max={65535} disabled={!isOwner} {...form.getInputProps('smtp.port')} />
                    <Select label={t('mail.tls')} data={tlsData} allowDeselect={false} disabled={!isOwner} {...form.getInputProps('smtp.tls')} />
                  </SimpleGrid>
                  <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
                    <TextInput label={t('mail.user')} disabled={!isOwner} {...form.getInputProps('smtp.user')} />
                    <PasswordInput label={t('mail.password')} placeholder={m ? t('mail.keep') : ''} disabled={!isOwner} {...form.getInputProps('smtp.password')} />
                  </SimpleGrid>
                  <Group gap="xs" mt="xs">
                    {isOwner && (
                      <Button type="submit" loading={save.isPending} data-testid="mailbox-save">
                        {t('save')}
                      </Button>
                    )}
                    {m && (
                      <Button variant="light" onClick={() => runTest.mutate()} loading={runTest.isPending} data-testid="mailbox-test">
                        {t('mail.test')}
                      </Button>
                    )}
                    {m && (
                      <Button variant="subtle" leftSection={<IconRefresh size={16} />} onClick={() => sync.mutate()} loading={sync.isPending}>
                        {t('mail.sync')}
                      </Button>
                    )}
                  </Group>
                </Stack>
              </form>
              {test && <TestResult result={test} />}
            </Stack>
          ))(mailbox.data ?? null)}
        </QueryState>
      </Stack>
    </Card>
  );
}

function TestResult({ result }: { result: ConnectionTestView }) {
  const { t } = useTranslation('channels');
  return (
    <Stack gap={4} data-testid="mailbox-test-result">
      <Text fw={600} size="sm" c={result.ok ? 'teal' : 'red'}>
        {result.ok ? t('mail.testOk') : t('mail.testFailed')}
      </Text>
      {result.steps.map((s) => (
        <Group key={s.step} gap={6} wrap="nowrap" align="flex-start">
          {s.ok ? <IconCheck size={16} color="var(--mantine-color-teal-6)" /> : <IconX size={16} color="var(--mantine-color-red-6)" />}
          <Text size="sm">
            {t(`steps.${s.step}`)}
            {s.detail ? ` — ${s.detail}` : ''}
          </Text>
        </Group>
      ))}
      {result.idle !== null && (
        <Text size="xs" c="dimmed">
          {result.idle ? t('mail.idleYes') : t('mail.idleNo')}
        </Text>
      )}
    </Stack>
  );
}

function WhatsAppCard({ shopId }: { shopId: string }) {
  const { t } = useTranslation('channels');
  const fmt = useFormat();
  const { can } = useSession();
  const isOwner = can(['owner']);
  const number = useWhatsAppNumber(shopId);
  const form = useForm({
    mode: 'controlled',
    initialValues: { phoneNumberId: '', displayNumber: '', businessAccountId: '', accessToken: '', appSecret: '', verifyToken: '' },
    validate: {
      phoneNumberId: (v) => (/^\d{5,30}$/.test(v.trim()) ? null : t('v.digits')),
      displayNumber: (v) => (/^\+?[\d\s()-]{6,30}$/.test(v.trim()) ? null : t('v.phone')),
    },
  });
  const current = number.data;
  useEffect(() => {
    if (!current) return;
    form.setValues({ phoneNumberId: current.phoneNumberId, displayNumber: current.displayNumber, businessAccountId: current.businessAccountId ?? '', accessToken: '', appSecret: '', verifyToken: '' });
    form.resetDirty();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [current?.id, current?.updatedAt]);
  const save = useApiMutation({
    mutationFn: (v: typeof form.values) =>
      channelsApi.saveWhatsApp(shopId, {
        phoneNumberId: v.phoneNumberId.trim(),
        displayNumber: v.displayNumber.trim(),
        ...(v.businessAccountId.trim() ? { businessAccountId: v.businessAccountId.trim() } : {}),
        ...(v.accessToken ? { accessToken: v.accessToken } : {}),
        ...(v.appSecret ? { appSecret: v.appSecret } : {}),
        ...(v.verifyToken ? { verifyToken: v.verifyToken } : {}),
      }),
    form,
    invalidate: [channelKeys.whatsapp(shopId)],
    success: t('wa.saved'),
  });

  return (
    <Card withBorder radius="md" padding="lg" data-testid="whatsapp-card">
      <Stack gap="sm">
        <Group justify="space-between">
          <Group gap="xs">
            <IconBrandWhatsapp size={20} />
            <Title order={4}>{t('wa.title')}</Title>
          </Group>
          {current && <Badge color={current.status === 'active' ? 'teal' : 'gray'}>{t(`status.${current.status}`)}</Badge>}
        </Group>
        <QueryState isPending={number.isPending} error={number.error} empty={false} emptyText="">
          {((n: WhatsAppNumberView | null) => (
            <Stack gap="sm">
              <Text size="sm" c="dimmed">
                {n ? t('wa.state', { at: n.lastWebhookAt ? fmt.dateTime(n.lastWebhookAt) : t('never') }) : t('wa.none')}
              </Text>
              {n?.lastError && (
                <Alert variant="light" color="red" title={t('wa.failing')} data-testid="whatsapp-last-error">
                  <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                    {n.lastError}
                  </Text>
                </Alert>
              )}
              {n && (
                <Stack gap={4}>
                  <Text size="sm" fw={600}>
                    {t('wa.webhookUrl')}
                  </Text>
                  <Group gap="xs" wrap="nowrap">
                    <Code style={{ overflowWrap: 'anywhere' }}>{n.webhookUrl}</Code>
                    <CopyButton value={n.webhookUrl}>{({ copied, copy }) => <Button size="compact-xs" variant="light" onClick={copy}>{copied ? t('copied') : t('copy')}</Button>}</CopyButton>
                  </Group>
                  <Text size="xs" c="dimmed">
                    {t('wa.webhookHelp')}
                  </Text>
                </Stack>
              )}
              <Alert variant="light" color="yellow">
                <Text size="sm">{t('wa.window')}</Text>
              </Alert>
              <form onSubmit={form.onSubmit((v) => save.mutate(v))}>
                <Stack gap="xs">
                  <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
                    <TextInput label={t('wa.phoneNumberId')} disabled={!isOwner} {...form.getInputProps('phoneNumberId')} />
                    <TextInput label={t('wa.displayNumber')} placeholder="+49 89 555 0100" disabled={!isOwner} {...form.getInputProps('displayNumber')} />
                  </SimpleGrid>
                  <TextInput label={t('wa.businessAccountId')} disabled={!isOwner} {...form.getInputProps('businessAccountId')} />
                  <PasswordInput label={t('wa.accessToken')} placeholder={n ? t('mail.keep') : ''} disabled={!isOwner} {...form.getInputProps('accessToken')} />
                  <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
                    <PasswordInput label={t('wa.appSecret')} placeholder={n ? t('mail.keep') : ''} disabled={!isOwner} {...form.getInputProps('appSecret')} />
                    <PasswordInput label={t('wa.verifyToken')} placeholder={n ? t('mail.keep') : ''} disabled={!isOwner} {...form.getInputProps('verifyToken')} />
                  </SimpleGrid>
                  {isOwner && (
                    <Group mt="xs">
                      <Button type="submit" loading={save.isPending} data-testid="whatsapp-save">
                        {t('save')}
                      </Button>
                    </Group>
                  )}
                </Stack>
              </form>
            </Stack>
          ))(number.data ?? null)}
        </QueryState>
      </Stack>
    </Card>
  );
}

/** The shop's TikTok business account (API for Business): comments under its videos become tickets. */
function TikTokCommentsCard({ shopId }: { shopId: string }) {
  const { t } = useTranslation('channels');
  const fmt = useFormat();
  const { can } = useSession();
  const isOwner = can(['owner']);
  const account = useTikTokCommentsAccount(shopId);
  const [test, setTest] = useState<BusinessTestView | null>(null);
  const [advanced, setAdvanced] = useState(false);
  const oauthAvailable = account.data?.oauthAvailable ?? false;
  const connect = useApiMutation({ mutationFn: () => channelsApi.authorizeTikTokComments(shopId), onSuccess: (r) => window.location.assign(r.url) });
  const form = useForm({
    mode: 'controlled',
    initialValues: { businessId: '', displayName: '', accessToken: '' },
    validate: {
      businessId: (v) => (v.trim().length >= 3 ? null : t('v.required')),
      displayName: (v) => (v.trim() ? null : t('v.required')),
    },
  });
  const current = account.data?.account;
  useEffect(() => {
    if (!current) return;
    form.setValues({ businessId: current.businessId, displayName: current.displayName, accessToken: '' });
    form.resetDirty();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [current?.id, current?.updatedAt]);
  const save = useApiMutation({
    mutationFn: (v: typeof form.values) => channelsApi.saveTikTokComments(shopId, { businessId: v.businessId.trim(), displayName: v.displayName.trim(), ...(v.accessToken ? { accessToken: v.accessToken } : {}) }),
    form,
    invalidate: [channelKeys.tiktokComments(shopId)],
    success: t('tc.saved'),
  });
  const runTest = useApiMutation({ mutationFn: () => channelsApi.testTikTokComments(shopId), onSuccess: (r) => setTest(r) });
  const poll = useApiMutation({
    mutationFn: () => channelsApi.pollTikTokComments(shopId),
    invalidate: [channelKeys.tiktokComments(shopId)],
    success: (r) => (r.busy ? t('tc.busy') : t('tc.polled', { seen: r.seen, tickets: r.tickets, ignored: r.ignored })),
  });

  return (
    <Card withBorder radius="md" padding="lg" data-testid="tiktok-comments-card">
      <Stack gap="sm">
        <Group justify="space-between">
          <Group gap="xs">
            <IconBrandTiktok size={20} />
            <Title order={4}>{t('tc.title')}</Title>
          </Group>
          {current && <Badge color={STATUS_COLOR[current.status]}>{t(`status.${current.status}`)}</Badge>}
        </Group>
        <QueryState isPending={account.isPending} error={account.error} empty={false} emptyText="">
          {((a: BusinessAccountView | null) => (
            <Stack gap="sm">
              <Text size="sm" c="dimmed">
                {a ? t('tc.state', { at: a.lastPollAt ? fmt.dateTime(a.lastPollAt) : t('never'), seen: a.commentsSeen, tickets: a.ticketsOpened }) : t('tc.none')}
              </Text>
              {a?.lastError && (
                <Alert variant="light" color="red">
                  <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                    {a.lastError}
                  </Text>
                </Alert>
              )}
              <Text size="xs" c="dimmed">
                {t('tc.how')}
              </Text>
              {a && (
                <Text size="xs" data-testid="tiktok-comments-via">
                  {a.connectedVia === 'oauth' ? t('tc.viaOauth', { until: a.refreshExpiresAt ? fmt.date(a.refreshExpiresAt) : '—' }) : t('tc.viaToken')}
                </Text>
              )}
              {oauthAvailable && isOwner && (
                <Stack gap={4}>
                  <Group>
                    <Button leftSection={<IconBrandTiktok size={16} />} color="dark" onClick={() => connect.mutate()} loading={connect.isPending} data-testid="tiktok-connect">
                      {a ? t('tc.reconnect') : t('tc.connect')}
                    </Button>
                  </Group>
                  <Text size="xs" c="dimmed">
                    {t('tc.connectHow')}
                  </Text>
                </Stack>
              )}
              {!oauthAvailable && isOwner && (
                <Text size="xs" c="dimmed" data-testid="tiktok-no-oauth">
                  {t('tc.noOauth')}
                </Text>
              )}
              {oauthAvailable && (
                <Button variant="subtle" size="compact-xs" color="gray" w="fit-content" onClick={() => setAdvanced((x) => !x)} data-testid="tiktok-advanced">
                  {t('tc.advanced')}
                </Button>
              )}
              <Collapse expanded={!oauthAvailable || advanced}>
              <form onSubmit={form.onSubmit((v) => save.mutate(v))}>
                <Stack gap="xs">
                  <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
                    <TextInput label={t('tc.businessId')} disabled={!isOwner} {...form.getInputProps('businessId')} />
                    <TextInput label={t('tc.displayName')} placeholder="@voltix.official" disabled={!isOwner} {...form.getInputProps('displayName')} />
                  </SimpleGrid>
                  <PasswordInput label={t('tc.accessToken')} placeholder={a ? t('mail.keep') : ''} disabled={!isOwner} {...form.getInputProps('accessToken')} />
                  <Group mt="xs" gap="xs">
                    {isOwner && (
                      <Button type="submit" loading={save.isPending} data-testid="tiktok-comments-save">
                        {t('save')}
                      </Button>
                    )}
                    {a && (
                      <>
                        <Button variant="light" onClick={() => runTest.mutate()} loading={runTest.isPending}>
                          {t('tc.test')}
                        </Button>
                        <Button variant="subtle" leftSection={<IconRefresh size={16} />} onClick={() => poll.mutate()} loading={poll.isPending}>
                          {t('tc.poll')}
                        </Button>
                      </>
                    )}
                  </Group>
                </Stack>
              </form>
              </Collapse>
              {a && oauthAvailable && !advanced && (
                <Group gap="xs">
                  <Button variant="light" onClick={() => runTest.mutate()} loading={runTest.isPending}>
                    {t('tc.test')}
                  </Button>
                  <Button variant="subtle" leftSection={<IconRefresh size={16} />} onClick={() => poll.mutate()} loading={poll.isPending}>
                    {t('tc.poll')}
                  </Button>
                </Group>
              )}
              {test && (
                <Group gap="xs" wrap="nowrap" align="flex-start">
                  {test.ok ? <IconCheck size={16} color="var(--mantine-color-teal-7)" /> : <IconX size={16} color="var(--mantine-color-red-7)" />}
                  <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                    {test.ok ? t('tc.testOk', { count: test.videos }) : t('tc.testFailed', { error: test.error ?? '' })}
                  </Text>
                </Group>
              )}
            </Stack>
          ))(account.data?.account ?? null)}
        </QueryState>
      </Stack>
    </Card>
  );
}
