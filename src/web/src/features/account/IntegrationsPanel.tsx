import { ActionIcon, Alert, Badge, Button, Checkbox, Code, CopyButton, Drawer, Group, Modal, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconAlertTriangle, IconCopy, IconKey, IconList, IconPlus, IconSend, IconTrash, IconWebhook } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { useFormat } from '../../lib/format';
import { useApiMutation } from '../../lib/mutation';
import { QueryState } from '../settings/common';
import { keys, TOKEN_SCOPES, WEBHOOK_EVENTS, type ApiTokenView, type WebhookDeliveryView, type WebhookEndpointView } from './api';

/** Settings → Integrations: API tokens and outgoing webhooks (owners). */
export function IntegrationsPanel() {
  return (
    <Stack gap="xl">
      <TokensSection />
      <WebhooksSection />
    </Stack>
  );
}

function ShownOnce({ title, value, hint, onClose }: { title: string; value: string; hint: string; onClose: () => void }) {
  const { t } = useTranslation('account');
  return (
    <Modal opened onClose={onClose} title={title} closeOnClickOutside={false} size="lg">
      <Stack gap="sm">
        <Alert color="orange" variant="light" icon={<IconAlertTriangle size={18} />}>
          {hint}
        </Alert>
        <Group gap="xs" wrap="nowrap">
          <Code fz="sm" style={{ wordBreak: 'break-all', flex: 1 }} data-testid="shown-once">
            {value}
          </Code>
          <CopyButton value={value}>
            {({ copied, copy }) => (
              <Tooltip label={copied ? t('copied') : t('copy')}>
                <ActionIcon variant="light" onClick={copy} aria-label={t('copy')}>
                  <IconCopy size={16} />
                </ActionIcon>
              </Tooltip>
            )}
          </CopyButton>
        </Group>
        <Group justify="flex-end">
          <Button onClick={onClose}>{t('done')}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function TokensSection() {
  const { t } = useTranslation('account');
  const f = useFormat();
  const tokens = useQuery({ queryKey: keys.tokens, queryFn: ({ signal }) => api.get<{ items: ApiTokenView[] }>('/api/integrations/tokens', { signal }).then((r) => r.items) });
  const [creating, setCreating] = useState(false);
  const [shown, setShown] = useState<string | null>(null);
  const revoke = useApiMutation({ mutationFn: (id: string) => api.post(`/api/integrations/tokens/${id}/revoke`), invalidate: [keys.tokens], success: t('tokens.revoked') });
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Group gap={8}>
          <IconKey size={18} />
          <Title order={2} fz={16} fw={600}>
            {t('tokens.title')}
          </Title>
        </Group>
        <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)} data-testid="token-new">
          {t('tokens.new')}
        </Button>
      </Group>
      <Text size="sm" c="dimmed">
        {t('tokens.intro')}
      </Text>
      <QueryState isPending={tokens.isPending} error={tokens.error} empty={!tokens.data?.length} emptyText={t('tokens.empty')}>
        <div style={{ overflowX: 'auto' }}>
          <Table miw={720} data-testid="tokens-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('tokens.name')}</Table.Th>
                <Table.Th>{t('tokens.scopes')}</Table.Th>
                <Table.Th>{t('tokens.lastUsed')}</Table.Th>
                <Table.Th>{t('tokens.expires')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {tokens.data?.map((tk) => (
                <Table.Tr key={tk.id} opacity={tk.status === 'active' ? 1 : 0.55}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {tk.name}
                    </Text>
                    <Code fz="xs">{tk.prefix}…</Code>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {tk.scopes.map((s) => (
                        <Badge key={s} size="xs" variant="outline" tt="none">
                          {s}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{tk.lastUsedAt ? f.relative(tk.lastUsedAt) : t('tokens.never')}</Text>
                  </Table.Td>
                  <Table.Td>
                    {tk.status === 'active' ? <Text size="sm">{tk.expiresAt ? f.date(tk.expiresAt) : t('tokens.noExpiry')}</Text> : <Badge color="gray" size="sm">{t(`tokens.status.${tk.status}`)}</Badge>}
                  </Table.Td>
                  <Table.Td ta="right">
                    {tk.status === 'active' && (
                      <Button size="xs" variant="subtle" color="red" onClick={() => revoke.mutate(tk.id)}>
                        {t('tokens.revoke')}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      </QueryState>
      {creating && <NewToken onClose={() => setCreating(false)} onCreated={(tok) => (setCreating(false), setShown(tok))} />}
      {shown && <ShownOnce title={t('tokens.createdTitle')} value={shown} hint={t('tokens.createdHint')} onClose={() => setShown(null)} />}
    </Stack>
  );
}

function NewToken({ onClose, onCreated }: { onClose: () => void; onCreated: (token: string) => void }) {
  const { t } = useTranslation('account');
  const form = useForm({ initialValues: { name: '', scopes: ['tickets:read'] as string[], expiresAt: '' } });
  const create = useApiMutation({
    mutationFn: (v: typeof form.values) => api.post<{ token: string }>('/api/integrations/tokens', { name: v.name, scopes: v.scopes, expiresAt: v.expiresAt ? new Date(`${v.expiresAt}T23:59:59Z`).toISOString() : null }),
    form,
    invalidate: [keys.tokens],
    onSuccess: (r) => onCreated(r.token),
  });
  return (
    <Modal opened onClose={onClose} title={t('tokens.new')} size="lg">
      <form onSubmit={form.onSubmit((v) => create.mutate(v))}>
        <Stack gap="sm">
          <TextInput label={t('tokens.name')} placeholder={t('tokens.namePlaceholder')} {...form.getInputProps('name')} />
          <Checkbox.Group label={t('tokens.scopes')} description={t('tokens.scopesHint')} {...form.getInputProps('scopes')}>
            <SimpleGrid cols={{ base: 1, xs: 2 }} mt="xs" spacing={6}>
              {TOKEN_SCOPES.map((s) => (
                <Checkbox key={s} value={s} label={<Text size="sm">{t(`scopes.${s.replace(':', '_')}`)} <Code fz="xs">{s}</Code></Text>} />
              ))}
            </SimpleGrid>
          </Checkbox.Group>
          <TextInput type="date" label={t('tokens.expires')} description={t('tokens.expiresHint')} {...form.getInputProps('expiresAt')} w={200} />
          <Group justify="flex-end">
            <Button variant="subtle" color="gray" onClick={onClose}>
              {t('cancel')}
            </Button>
            <Button type="submit" loading={create.isPending}>
              {t('tokens.create')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function WebhooksSection() {
  const { t } = useTranslation('account');
  const hooks = useQuery({ queryKey: keys.webhooks, queryFn: ({ signal }) => api.get<{ items: WebhookEndpointView[] }>('/api/integrations/webhooks', { signal }).then((r) => r.items) });
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [log, setLog] = useState<WebhookEndpointView | null>(null);
  const toggle = useApiMutation({ mutationFn: (v: { id: string; active: boolean }) => api.patch(`/api/integrations/webhooks/${v.id}`, { active: v.active }), invalidate: [keys.webhooks] });
  const remove = useApiMutation({ mutationFn: (id: string) => api.delete(`/api/integrations/webhooks/${id}`), invalidate: [keys.webhooks], success: t('webhooks.deleted') });
  const test = useApiMutation({ mutationFn: (id: string) => api.post(`/api/integrations/webhooks/${id}/test`), success: t('webhooks.testQueued') });
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Group gap={8}>
          <IconWebhook size={18} />
          <Title order={2} fz={16} fw={600}>
            {t('webhooks.title')}
          </Title>
        </Group>
        <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)} data-testid="webhook-new">
          {t('webhooks.new')}
        </Button>
      </Group>
      <Text size="sm" c="dimmed">
        {t('webhooks.intro')}
      </Text>
      <QueryState isPending={hooks.isPending} error={hooks.error} empty={!hooks.data?.length} emptyText={t('webhooks.empty')}>
        <Stack gap="sm">
          {hooks.data?.map((h) => (
            <Paper key={h.id} withBorder radius="md" p="md" data-testid="webhook-card">
              <Stack gap={6}>
                <Group justify="space-between" wrap="nowrap" align="flex-start">
                  <Stack gap={2} style={{ minWidth: 0 }}>
                    <Text size="sm" fw={500} style={{ wordBreak: 'break-all' }}>
                      {h.url}
                    </Text>
                    {h.description && (
                      <Text size="xs" c="dimmed">
                        {h.description}
                      </Text>
                    )}
                    <Group gap={4}>
                      {h.events.map((e) => (
                        <Badge key={e} size="xs" variant="outline" tt="none">
                          {e}
                        </Badge>
                      ))}
                    </Group>
                  </Stack>
                  <Badge color={h.active ? 'teal' : 'gray'} variant="light" style={{ flexShrink: 0 }}>
                    {h.active ? t('webhooks.on') : t('webhooks.off')}
                  </Badge>
                </Group>
                {h.disabledReason && (
                  <Alert color="orange" variant="light" p="xs" icon={<IconAlertTriangle size={16} />} data-testid="webhook-notice">
                    {t('webhooks.autoDisabled', { reason: h.disabledReason })}
                  </Alert>
                )}
                <Group gap="xs">
                  <Button size="xs" variant="light" leftSection={<IconSend size={14} />} onClick={() => test.mutate(h.id)}>
                    {t('webhooks.test')}
                  </Button>
                  <Button size="xs" variant="light" color="gray" leftSection={<IconList size={14} />} onClick={() => setLog(h)}>
                    {t('webhooks.log')}
                  </Button>
                  <Button size="xs" variant="subtle" onClick={() => toggle.mutate({ id: h.id, active: !h.active })}>
                    {h.active ? t('webhooks.turnOff') : t('webhooks.turnOn')}
                  </Button>
                  <ActionIcon variant="subtle" color="red" onClick={() => remove.mutate(h.id)} aria-label={t('webhooks.delete')}>
                    <IconTrash size={16} />
                  </ActionIcon>
                </Group>
              </Stack>
            </Paper>
          ))}
        </Stack>
      </QueryState>
      <Text size="xs" c="dimmed">
        {t('webhooks.signing')}
      </Text>
      {creating && <NewWebhook onClose={() => setCreating(false)} onCreated={(s) => (setCreating(false), setSecret(s))} />}
      {secret && <ShownOnce title={t('webhooks.createdTitle')} value={secret} hint={t('webhooks.createdHint')} onClose={() => setSecret(null)} />}
      {log && <DeliveryLog endpoint={log} onClose={() => setLog(null)} />}
    </Stack>
  );
}

function NewWebhook({ onClose, onCreated }: { onClose: () => void; onCreated: (secret: string) => void }) {
  const { t } = useTranslation('account');
  const form = useForm({ initialValues: { url: 'https://', description: '', events: [...WEBHOOK_EVENTS] as string[] } });
  const create = useApiMutation({ mutationFn: (v: typeof form.values) => api.post<{ secret: string }>('/api/integrations/webhooks', v), form, invalidate: [keys.webhooks], onSuccess: (r) => onCreated(r.secret) });
  return (
    <Modal opened onClose={onClose} title={t('webhooks.new')} size="lg">
      <form onSubmit={form.onSubmit((v) => create.mutate(v))}>
        <Stack gap="sm">
          <TextInput label={t('webhooks.url')} description={t('webhooks.urlHint')} {...form.getInputProps('url')} />
          <TextInput label={t('webhooks.description')} {...form.getInputProps('description')} />
          <Checkbox.Group label={t('webhooks.events')} {...form.getInputProps('events')}>
            <Stack gap={6} mt="xs">
              {WEBHOOK_EVENTS.map((e) => (
                <Checkbox key={e} value={e} label={<Text size="sm">{t(`events.${e.replace('.', '_')}`)} <Code fz="xs">{e}</Code></Text>} />
              ))}
            </Stack>
          </Checkbox.Group>
          <Group justify="flex-end">
            <Button variant="subtle" color="gray" onClick={onClose}>
              {t('cancel')}
            </Button>
            <Button type="submit" loading={create.isPending}>
              {t('webhooks.create')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function DeliveryLog({ endpoint, onClose }: { endpoint: WebhookEndpointView; onClose: () => void }) {
  const { t } = useTranslation('account');
  const f = useFormat();
  const log = useQuery({
    queryKey: keys.deliveries(endpoint.id),
    queryFn: ({ signal }) => api.get<{ items: WebhookDeliveryView[] }>(`/api/integrations/webhooks/${endpoint.id}/deliveries?limit=100`, { signal }).then((r) => r.items),
    refetchInterval: 5000,
  });
  return (
    <Drawer opened onClose={onClose} position="right" size="lg" title={t('webhooks.logTitle')}>
      <Text size="xs" c="dimmed" mb="sm" style={{ wordBreak: 'break-all' }}>
        {endpoint.url}
      </Text>
      <QueryState isPending={log.isPending} error={log.error} empty={!log.data?.length} emptyText={t('webhooks.logEmpty')}>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('webhooks.when')}</Table.Th>
              <Table.Th>{t('webhooks.event')}</Table.Th>
              <Table.Th>{t('webhooks.result')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {log.data?.map((d) => (
              <Table.Tr key={d.id}>
                <Table.Td>
                  <Text size="xs">{f.shortDateTime(d.at)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="xs">{d.eventType}</Text>
                  <Text size="xs" c="dimmed">
                    {t('webhooks.attempt', { n: d.attempt })}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge size="sm" color={d.ok ? 'teal' : 'red'} variant="light" tt="none">
                    {d.httpStatus ?? '—'} · {d.durationMs} ms
                  </Badge>
                  {d.error && (
                    <Text size="xs" c="red.7">
                      {d.error}
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </QueryState>
    </Drawer>
  );
}
