import { Alert, Badge, Button, CloseButton, Group, List, Menu, Modal, Popover, Radio, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconArrowMerge, IconChevronDown, IconFlag, IconProgressCheck, IconTag, IconUserShare } from '@tabler/icons-react';

import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useErrorMessage } from '../../lib/errors';
import { useSession } from '../../lib/session';
import { bulkAction, mergeTickets, PRIORITIES, SETTABLE_STATUSES, useRefreshInbox, useTeam, type BulkAction, type BulkResult, type TicketView } from './api';
import { ChannelIcon, StatusText } from './bits';
import { useApiMutation } from '../../lib/mutation';

type T = ReturnType<typeof useTranslation<'inbox'>>['t'];

function buyerOf(t: T, ticket: TicketView): string {
  return ticket.buyer.name ?? ticket.buyer.email ?? ticket.buyer.phone ?? t('ticket.unknownBuyer');
}

/** Refusal codes we word ourselves; anything else shows the server's own sentence. */
function reason(t: T, r: Extract<BulkResult, { ok: false }>): string {
  return t(`bulk.reasons.${r.code.replace(/\./g, '_')}`, { defaultValue: r.message });
}

/**
 * Shown above the list while tickets are selected: one action for all of them through
 * `POST /api/tickets/bulk` (a result per ticket), or a merge through the merge endpoint.
 */
export function BulkBar({ selected, onClear }: { selected: TicketView[]; onClear: () => void }) {
  const { t } = useTranslation('inbox');
  const { user, can } = useSession();
  const supervisor = can(['owner', 'supervisor']);
  const team = useTeam(supervisor);
  const refresh = useRefreshInbox();
  const message = useErrorMessage();
  const [tag, setTag] = useState('');
  const [tagsOpen, setTagsOpen] = useState(false);
  const [merging, setMerging] = useState(false);

  const run = useApiMutation({
    // The tickets' numbers are taken when the action starts: by the time the answer comes, a ticket
    // closed meanwhile may have left the list (and the selection) and could no longer be named.
    mutationFn: ({ tickets, action }: { tickets: TicketView[]; action: BulkAction; label: string }) => bulkAction(tickets.map((s) => s.id), action),
    onSuccess: async ({ results }, { tickets, label }) => {
      const numbers = new Map(tickets.map((s) => [s.id, s.number]));
      const refused = results.filter((r): r is Extract<BulkResult, { ok: false }> => !r.ok);
      const done = results.length - refused.length;
      notifications.show({
        color: refused.length ? (done ? 'yellow' : 'red') : 'teal',
        autoClose: refused.length ? 12_000 : 5_000,
        title: label,
        message: (
          <Stack gap={2} data-testid="bulk-summary">
            <Text size="sm" data-testid="bulk-summary-counts">
              {refused.length ? t('bulk.summaryRefused', { done, refused: refused.length }) : t('bulk.summaryDone', { count: done })}
            </Text>
            {refused.map((r) => (
              <Text key={r.ticketId} size="xs" c="dimmed" data-testid="bulk-refused" data-ticket-id={r.ticketId}>
                #{numbers.get(r.ticketId) ?? '?'} — {reason(t, r)}
              </Text>
            ))}
          </Stack>
        ),
      });
      setTag('');
      setTagsOpen(false);
      onClear();
      await refresh();
    },
  });
  const act = (action: BulkAction, label: string) => run.mutate({ tickets: selected, action, label });

  const assignees = supervisor
    ? (team.data?.items ?? []).filter((u) => u.role !== 'warehouse' && u.active !== false).map((u) => ({ id: u.id, label: u.id === user.id ? t('ticket.me', { name: u.name }) : u.name }))
    : [{ id: user.id, label: t('ticket.me', { name: user.name }) }];
  const trigger = (testId: string, icon: React.ReactNode, label: string) => (
    <Button size="compact-xs" variant="default" leftSection={icon} rightSection={<IconChevronDown size={12} />} loading={run.isPending} data-testid={testId}>
      {label}
    </Button>
  );

  return (
    <div className="ad-bulk-bar" role="toolbar" aria-label={t('bulk.label')} data-testid="bulk-bar">
      <Group gap={6} justify="space-between" wrap="nowrap">
        <Text size="sm" fw={600} data-testid="bulk-count">
          {t('bulk.selected', { count: selected.length })}
        </Text>
        <CloseButton size="sm" onClick={onClear} aria-label={t('bulk.clear')} data-testid="bulk-clear" />
      </Group>
      <Group gap={6} mt={6}>
        <Menu position="bottom-start" shadow="md" withinPortal>
          <Menu.Target>{trigger('bulk-status', <IconProgressCheck size={14} />, t('bulk.status'))}</Menu.Target>
          <Menu.Dropdown>
            <Menu.Label>{t('bulk.setStatus')}</Menu.Label>
            {SETTABLE_STATUSES.map((s) => (
              <Menu.Item key={s} onClick={() => act({ kind: 'status', status: s }, t('bulk.statusDone', { status: t(`statuses.${s}`) }))} data-testid={`bulk-status-${s}`}>
                {t(`statuses.${s}`)}
              </Menu.Item>
            ))}
          </Menu.Dropdown>
        </Menu>
        <Menu position="bottom-start" shadow="md" withinPortal>
          <Menu.Target>{trigger('bulk-priority', <IconFlag size={14} />, t('bulk.priority'))}</Menu.Target>
          <Menu.Dropdown>
            <Menu.Label>{t('bulk.setPriority')}</Menu.Label>
            {PRIORITIES.map((p) => (
              <Menu.Item key={p} onClick={() => act({ kind: 'priority', priority: p }, t('bulk.priorityDone', { priority: t(`priorities.${p}`) }))} data-testid={`bulk-priority-${p}`}>
                {t(`priorities.${p}`)}
              </Menu.Item>
            ))}
          </Menu.Dropdown>
        </Menu>
        <Menu position="bottom-start" shadow="md" withinPortal>
          <Menu.Target>{trigger('bulk-assign', <IconUserShare size={14} />, t('bulk.assign'))}</Menu.Target>
          <Menu.Dropdown mah={320} style={{ overflowY: 'auto' }}>
            <Menu.Label>{t('bulk.assignTo')}</Menu.Label>
            {assignees.map((a) => (
              <Menu.Item key={a.id} onClick={() => act({ kind: 'assign', assigneeId: a.id }, t('bulk.assignDone', { name: a.label }))} data-testid="bulk-assignee" data-user-id={a.id}>
                {a.label}
              </Menu.Item>
            ))}
            <Menu.Divider />
            <Menu.Item onClick={() => act({ kind: 'assign', assigneeId: null }, t('bulk.unassignDone'))} data-testid="bulk-unassign">
              {t('bulk.unassign')}
            </Menu.Item>
          </Menu.Dropdown>
        </Menu>
        <Popover opened={tagsOpen} onChange={setTagsOpen} position="bottom-start" shadow="md" withinPortal trapFocus>
          <Popover.Target>
            <Button size="compact-xs" variant="default" leftSection={<IconTag size={14} />} rightSection={<IconChevronDown size={12} />} onClick={() => setTagsOpen((o) => !o)} data-testid="bulk-tags">
              {t('bulk.tags')}
            </Button>
          </Popover.Target>
          <Popover.Dropdown>
            <Stack gap={6} w={220}>
              <TextInput size="xs" label={t('bulk.tag')} placeholder={t('bulk.tagPlaceholder')} value={tag} onChange={(e) => setTag(e.currentTarget.value)} maxLength={60} data-testid="bulk-tag-input" />
              <Group gap={6} grow>
                <Button size="compact-xs" disabled={!tag.trim()} loading={run.isPending} onClick={() => act({ kind: 'tags', add: [tag.trim()] }, t('bulk.tagAdded', { tag: tag.trim() }))} data-testid="bulk-tag-add">
                  {t('bulk.addTag')}
                </Button>
                <Button size="compact-xs" variant="light" color="red" disabled={!tag.trim()} loading={run.isPending} onClick={() => act({ kind: 'tags', remove: [tag.trim()] }, t('bulk.tagRemoved', { tag: tag.trim() }))} data-testid="bulk-tag-remove">
                  {t('bulk.removeTag')}
                </Button>
              </Group>
            </Stack>
          </Popover.Dropdown>
        </Popover>
        <Button size="compact-xs" variant="light" leftSection={<IconArrowMerge size={14} />} disabled={selected.length < 2} onClick={() => setMerging(true)} title={selected.length < 2 ? t('bulk.mergeNeedsTwo') : undefined} data-testid="bulk-merge">
          {t('bulk.merge')}
        </Button>
      </Group>
      {merging && (
        <MergeModal
          tickets={selected}
          onClose={() => setMerging(false)}
          onMerged={() => {
            setMerging(false);
            onClear();
          }}
        />
      )}
    </div>
  );
}

/** Choose the ticket that stays; the others are merged into it by the merge endpoint in one step. */
function MergeModal({ tickets, onClose, onMerged }: { tickets: TicketView[]; onClose: () => void; onMerged: () => void }) {
  const { t } = useTranslation('inbox');
  const message = useErrorMessage();
  const refresh = useRefreshInbox();
  // A closed ticket can neither stay nor be merged (the server refuses both), so it is left out.
  const mergeable = tickets.filter((x) => x.status !== 'closed');
  const left = tickets.filter((x) => x.status === 'closed');
  const oldest = [...mergeable].sort((a, b) => a.number - b.number)[0];
  const [target, setTarget] = useState<string | null>(oldest?.id ?? null);
  const survivor = mergeable.find((x) => x.id === target);
  const sources = mergeable.filter((x) => x.id !== target);
  const merge = useApiMutation({
    // Its error is shown beside the control (from .error), not as a toast.
    onError: () => undefined,
    mutationFn: () => mergeTickets(target!, sources.map((s) => s.id)),
    onSuccess: async (kept) => {
      notifications.show({ color: 'teal', message: <span data-testid="merge-summary">{t('merge.done', { count: sources.length, numbers: sources.map((s) => `#${s.number}`).join(', '), target: `#${kept.number}` })}</span> });
      onMerged();
      await refresh();
    },
  });

  return (
    <Modal opened onClose={onClose} title={t('merge.title', { count: tickets.length })} size="lg" data-testid="merge-modal">
      <Stack gap="sm">
        <Text size="sm">{t('merge.intro')}</Text>
        <List size="sm" spacing={2} data-testid="merge-explain">
          <List.Item>{t('merge.explainMessages')}</List.Item>
          <List.Item>{t('merge.explainClose')}</List.Item>
          <List.Item>{t('merge.explainTags')}</List.Item>
          <List.Item>{t('merge.explainFinal')}</List.Item>
        </List>
        {left.length > 0 && (
          <Alert color="yellow" variant="light" p="xs" data-testid="merge-closed">
            {t('merge.closedLeftOut', { numbers: left.map((x) => `#${x.number}`).join(', ') })}
          </Alert>
        )}
        {mergeable.length < 2 ? (
          <Alert color="red" variant="light" p="xs" data-testid="merge-too-few">
            {t('merge.tooFew')}
          </Alert>
        ) : (
          <Radio.Group value={target} onChange={setTarget} label={t('merge.keep')} data-testid="merge-targets">
            <Stack gap={6} mt={6}>
              {mergeable.map((x) => (
                <Radio.Card key={x.id} value={x.id} className="ad-merge-option" data-testid="merge-target" data-ticket-id={x.id} data-checked={x.id === target || undefined}>
                  <Group gap="sm" wrap="nowrap" align="flex-start">
                    <Radio.Indicator mt={2} />
                    <div style={{ minWidth: 0, flex: 1 }}>
                      <Group gap={6} wrap="nowrap" justify="space-between">
                        <Group gap={6} wrap="nowrap" style={{ minWidth: 0 }}>
                          <ChannelIcon channel={x.channel} size={14} />
                          <Text size="sm" fw={600} truncate>
                            #{x.number} · {x.subject}
                          </Text>
                        </Group>
                        {x.id === target ? (
                          <Badge size="xs" color="teal" variant="light" style={{ flexShrink: 0 }}>
                            {t('merge.stays')}
                          </Badge>
                        ) : (
                          <Badge size="xs" color="gray" variant="light" style={{ flexShrink: 0 }}>
                            {t('merge.mergedIn')}
                          </Badge>
                        )}
                      </Group>
                      <Group gap={6} mt={2} wrap="nowrap">
                        <Text size="xs" c="dimmed" truncate>
                          {buyerOf(t, x)} · {t('merge.messages', { count: x.messageCount })} ·
                        </Text>
                        <StatusText status={x.status} />
                      </Group>
                    </div>
                  </Group>
                </Radio.Card>
              ))}
            </Stack>
          </Radio.Group>
        )}
        {merge.error && (
          <Alert color="red" variant="light" p="xs" role="alert">
            {message(merge.error)}
          </Alert>
        )}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onClose}>
            {t('merge.cancel')}
          </Button>
          <Button color="indigo" leftSection={<IconArrowMerge size={16} />} disabled={!survivor || sources.length === 0} loading={merge.isPending} onClick={() => merge.mutate()} data-testid="merge-confirm">
            {survivor ? t('merge.confirm', { count: sources.length, target: `#${survivor.number}` }) : t('merge.confirmPlain')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
