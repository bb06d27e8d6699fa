import { Badge, Button, Code, Group, Paper, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { useFormat } from '../../lib/format';
import type { UserView } from '../../lib/session';
import { QueryState } from '../settings/common';
import { keys, type AuditEventView } from './api';

const show = (v: unknown): string => (v === null || v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

/** Settings → Audit: who changed what, when, with before → after (owners). */
export function AuditPanel() {
  const { t, i18n } = useTranslation('account');
  const f = useFormat();
  const [actorId, setActorId] = useState<string | null>(null);
  const [action, setAction] = useState<string | null>(null);
  const [from, setFrom] = useState<string | null>(null);
  const [to, setTo] = useState<string | null>(null);
  const users = useQuery({ queryKey: ['users'], queryFn: ({ signal }) => api.get<{ items: UserView[] }>('/api/users', { signal }).then((r) => r.items) });
  const actions = useQuery({ queryKey: ['audit', 'actions'], queryFn: ({ signal }) => api.get<{ items: string[] }>('/api/audit/actions', { signal }).then((r) => r.items), staleTime: Infinity });
  const phone = useMediaQuery('(max-width: 48em)');
  const filters = { actorId, action, from, to };
  const log = useInfiniteQuery({
    queryKey: [...keys.audit, filters],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => {
      const q = new URLSearchParams({ limit: '50' });
      if (actorId) q.set('actorId', actorId);
      if (action) q.set('action', action);
      if (from) q.set('from', from);
      if (to) q.set('to', new Date(Date.parse(to) + 86_400_000).toISOString().slice(0, 10));
      if (pageParam) q.set('cursor', pageParam);
      return api.get<{ items: AuditEventView[]; nextCursor: string | null }>(`/api/audit?${q}`, { signal });
    },
    getNextPageParam: (p) => p.nextCursor,
  });
  const names = new Map((users.data ?? []).map((u) => [u.id, u.name]));
  const actorName = (e: AuditEventView) =>
    e.actorType === 'system' ? t('audit.system') : e.actorType === 'anonymous' ? t('audit.anonymous') : e.actorType === 'token' ? `${t('audit.token')} ${e.actorLabel ?? e.actorId ?? ''}` : (names.get(e.actorId ?? '') ?? e.actorLabel ?? e.actorId ?? '—');
  const actionLabel = (a: string) => (i18n.exists(`account:actions.${a.replace('.', '_')}`) ? t(`actions.${a.replace('.', '_')}`) : a);
  const items = log.data?.pages.flatMap((p) => p.items) ?? [];
  const who = (e: AuditEventView) => (
    <>
      <Text size="sm">{actorName(e)}</Text>
      {typeof e.context.network === 'string' && (
        <Text size="xs" c="dimmed">
          {e.context.network} · {String(e.context.device ?? '')}
        </Text>
      )}
    </>
  );
  const what = (e: AuditEventView) => (
    <>
      <Badge variant="light" size="sm" tt="none" color={e.action.includes('failed') ? 'red' : e.action.startsWith('auth.') ? 'gray' : 'indigo'}>
        {actionLabel(e.action)}
      </Badge>
      {e.subjectType && e.subjectType !== 'organisation' && (
        <Text size="xs" c="dimmed" mt={2}>
          {e.subjectType === 'user' ? (names.get(e.subjectId ?? '') ?? e.subjectId) : `${e.subjectType} ${e.subjectId ?? ''}`}
        </Text>
      )}
    </>
  );
  const change = (e: AuditEventView) =>
    e.changes.length ? (
      <Stack gap={2}>
        {e.changes.map((c) => (
          <Text key={c.path} size="xs" style={{ wordBreak: 'break-word' }}>
            <Code fz="xs">{c.path}</Code>{' '}
            <Text span c="red.7" td="line-through">
              {show(c.before)}
            </Text>{' '}
            →{' '}
            <Text span c="teal.8">
              {show(c.after)}
            </Text>
          </Text>
        ))}
      </Stack>
    ) : (
      <Text size="xs" c="dimmed">
        {Object.entries(e.context)
          .filter(([k]) => k !== 'network' && k !== 'device')
          .map(([k, v]) => (i18n.exists(`account:audit.ctx.${k}.${show(v)}`) ? t(`audit.ctx.${k}.${show(v)}`) : i18n.exists(`account:audit.ctx.${k}.n`) ? t(`audit.ctx.${k}.n`, { n: show(v) }) : `${k}: ${show(v)}`))
          .join(' · ') || '—'}
      </Text>
    );
  return (
    <Stack gap="md">
      <Paper withBorder radius="md" p="md">
        <Group gap="sm" align="flex-end" wrap="wrap">
          <Select label={t('audit.actor')} placeholder={t('audit.anyone')} clearable searchable w={{ base: '100%', sm: 200 }} data={(users.data ?? []).map((u) => ({ value: u.id, label: u.name }))} value={actorId} onChange={setActorId} />
          <Select label={t('audit.action')} placeholder={t('audit.anyAction')} clearable searchable w={{ base: '100%', sm: 240 }} data={(actions.data ?? []).map((a) => ({ value: a, label: actionLabel(a) }))} value={action} onChange={setAction} data-testid="audit-action" />
          <TextInput type="date" label={t('audit.from')} w={{ base: '100%', xs: 160 }} value={from ?? ''} onChange={(e) => setFrom(e.currentTarget.value || null)} />
          <TextInput type="date" label={t('audit.to')} w={{ base: '100%', xs: 160 }} value={to ?? ''} onChange={(e) => setTo(e.currentTarget.value || null)} />
        </Group>
      </Paper>
      <QueryState isPending={log.isPending} error={log.error} empty={!items.length} emptyText={t('audit.empty')}>
        {phone ? (
          <Stack gap="xs" data-testid="audit-table">
            {items.map((e) => (
              <Paper key={e.id} withBorder radius="md" p="sm">
                <Stack gap={4}>
                  <Group justify="space-between" align="flex-start" wrap="nowrap">
                    <div>{what(e)}</div>
                    <Text size="xs" c="dimmed" style={{ flexShrink: 0 }}>
                      {f.shortDateTime(e.at)}
                    </Text>
                  </Group>
                  {who(e)}
                  {change(e)}
                </Stack>
              </Paper>
            ))}
          </Stack>
        ) : (
          <div style={{ overflowX: 'auto' }}>
            <Table verticalSpacing="sm" miw={760} data-testid="audit-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={150}>{t('audit.when')}</Table.Th>
                  <Table.Th w={170}>{t('audit.who')}</Table.Th>
                  <Table.Th w={220}>{t('audit.what')}</Table.Th>
                  <Table.Th>{t('audit.change')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((e) => (
                  <Table.Tr key={e.id}>
                    <Table.Td>
                      <Text size="sm">{f.dateTime(e.at)}</Text>
                    </Table.Td>
                    <Table.Td>{who(e)}</Table.Td>
                    <Table.Td>{what(e)}</Table.Td>
                    <Table.Td>{change(e)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
        )}
        {log.hasNextPage && (
          <Group justify="center">
            <Button variant="light" onClick={() => void log.fetchNextPage()} loading={log.isFetchingNextPage}>
              {t('audit.more')}
            </Button>
          </Group>
        )}
      </QueryState>
    </Stack>
  );
}
