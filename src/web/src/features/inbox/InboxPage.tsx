import { ActionIcon, Badge, Center, Checkbox, CloseButton, Group, Kbd, Loader, Modal, NavLink, ScrollArea, Select, Stack, Table, Text, TextInput, Tooltip, UnstyledButton } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconInbox, IconKeyboard, IconSearch, IconStack2, IconUser, IconUserQuestion } from '@tabler/icons-react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Route, Routes, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { useErrorMessage } from '../../lib/errors';
import { useSession } from '../../lib/session';
import {useQueryClient } from '@tanstack/react-query';
import { IconAlarm, IconBookmark, IconBuildingStore, IconClockPause, IconDeviceFloppy } from '@tabler/icons-react';
import { api } from '../../lib/api';
import { filterOf, savedKey, useSavedViews, useShops } from './api';
import { BULK_MAX, LIVE_STATUSES, useCounts, type Counts, useSearch, useTeam, useTicketList, type TicketView, type ViewKey } from './api';
import { ChannelIcon, Highlighted, HighlightWords, LanguageTag, PriorityBadge, StatusText, TicketSla } from './bits';
import { BulkBar } from './BulkBar';
import { TicketPane, type ComposeRequest } from './TicketPane';
import { TicketSidebar } from './TicketSidebar';
import { PhoneOrderDrawer } from '../records/PhoneOrderDrawer';
import './inbox.css';
import { useApiMutation } from '../../lib/mutation';

/**
 * The agent workspace: views rail (with counts) | tickets sorted by SLA due | the open ticket |
 * order, buyer and SLA clocks. The URL holds the open ticket (`/inbox/:ticketId`) and the view
 * (`?view=mine|unassigned|queue:<q>|status:<s>`). Lists poll; countdowns tick locally every second.
 */
export function InboxPage() {
  return (
    <Routes>
      <Route path=":ticketId?" element={<Inbox />} />
    </Routes>
  );
}

function isTyping(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

function isViewKey(v: string | null): v is ViewKey {
  return !!v && (['mine', 'unassigned', 'open', 'breached', 'waiting_on_platform'].includes(v) || /^(queue|status|channel|shop|saved):/.test(v));
}

interface Row {
  ticket: TicketView;
  snippet?: string | null;
}

function Inbox() {
  const { t } = useTranslation('inbox');
  const { user, can } = useSession();
  const navigate = useNavigate();
  const { ticketId } = useParams();
  const [params] = useSearchParams();
  // Owners and supervisors watch the whole desk: they land on "All open", agents on their own tickets.
  const home: ViewKey = can(['owner', 'supervisor']) ? 'open' : 'mine';
  const view: ViewKey = isViewKey(params.get('view')) ? (params.get('view') as ViewKey) : home;
  const [query, setQuery] = useState('');
  const [debounced] = useDebouncedValue(query.trim(), 250);
  const searching = debounced.length > 0;
  const list = useTicketList(view);
  const search = useSearch(debounced);
  const team = useTeam(can(['owner', 'supervisor']));
  const names = useMemo(() => new Map((team.data?.items ?? []).map((u) => [u.id, u.name])), [team.data]);
  names.set(user.id, user.name);
  const rows: Row[] = searching ? (search.data?.items ?? []).map((h) => ({ ticket: h.ticket, snippet: h.snippet })) : (list.data?.items ?? []).map((ticket) => ({ ticket }));
  // The keyboard cursor follows a ticket, not a position: polling may reorder the list under it.
  const [cursorId, setCursorId] = useState<string | null>(null);
  const found = rows.findIndex((r) => r.ticket.id === cursorId);
  const cursor = found >= 0 ? found : 0;
  const [help, setHelp] = useState(false);
  const [compose, setCompose] = useState<ComposeRequest | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLDivElement>(null);
  // Checked tickets for bulk actions. Only rows still on screen count, so a ticket that polling
  // moved out of the view is never changed by an action the agent cannot see it in.
  const [checked, setChecked] = useState<ReadonlySet<string>>(new Set());
  const selected = rows.filter((r) => checked.has(r.ticket.id)).map((r) => r.ticket);
  const toggle = useCallback((id: string) => setChecked((c) => {
    const next = new Set(c);
    if (!next.delete(id)) next.add(id);
    return next;
  }), []);
  const clearChecked = useCallback(() => setChecked(new Set()), []);
  const allChecked = rows.length > 0 && selected.length === Math.min(rows.length, BULK_MAX);
  const toggleAll = () => setChecked(allChecked || selected.length > 0 ? new Set() : new Set(rows.slice(0, BULK_MAX).map((r) => r.ticket.id)));
  // Another view or search is another list: a selection does not carry over.
  useEffect(() => setChecked(new Set()), [view, debounced]);

  // Switching views keeps the open ticket open.
  const pickView = (v: ViewKey) => navigate(`/inbox${ticketId ? `/${ticketId}` : ''}${v === home ? '' : `?${new URLSearchParams({ view: v })}`}`);
  const linkTo = useCallback((id?: string) => `/inbox${id ? `/${id}` : ''}${params.toString() ? `?${params}` : ''}`, [params]);
  const open = useCallback((id: string) => navigate(linkTo(id)), [navigate, linkTo]);

  // Opening a ticket (click, link, Enter) puts the cursor on it.
  useEffect(() => {
    if (ticketId) setCursorId(ticketId);
  }, [ticketId]);
  useEffect(() => {
    listRef.current?.querySelector(`[data-row-index="${cursor}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [cursor]);

  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      // Enter on a focused control (button, link, option) belongs to that control.
      if (e.key === 'Enter' && e.target instanceof HTMLElement && e.target.closest('button, a, [role="option"], [role="tab"]')) return;
      if (isTyping(e.target)) {
        if (e.key === 'Escape') (e.target as HTMLElement).blur();
        return;
      }
      if (document.querySelector('[role="dialog"]') && e.key !== '?') return;
      const move = (d: number) => {
        e.preventDefault();
        const next = rows[Math.max(0, Math.min(rows.length - 1, cursor + d))];
        if (next) setCursorId(next.ticket.id);
      };
      switch (e.key) {
        case 'j':
        case 'ArrowDown':
          return move(1);
        case 'k':
        case 'ArrowUp':
          return move(-1);
        case 'x': {
          const r = rows[cursor];
          if (r) {
            e.preventDefault();
            toggle(r.ticket.id);
          }
          return;
        }
        case 'Enter': {
          const r = rows[cursor];
          if (r) {
            e.preventDefault();
            open(r.ticket.id);
          }
          return;
        }
        case 'r':
        case 'n':
          if (ticketId) {
            e.preventDefault();
            setCompose({ mode: e.key === 'r' ? 'reply' : 'note', n: Date.now() });
          }
          return;
        case '/':
          e.preventDefault();
          searchRef.current?.focus();
          return;
        case '?':
          e.preventDefault();
          setHelp((h) => !h);
          return;
        case 'Escape':
          if (ticketId) {
            e.preventDefault();
            navigate(linkTo());
          } else if (checked.size) clearChecked();
          else if (query) setQuery('');
          return;
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [rows, cursor, ticketId, open, navigate, linkTo, query, toggle, checked, clearChecked]);

  const pending = searching ? search.isPending : list.isPending;
  const error = searching ? search.error : list.error;

  return (
    <div className={`ad-inbox ${ticketId ? 'ad-inbox--open' : ''}`} data-testid="inbox">
      <ViewsRail view={view} onPick={pickView} />
      <section className="ad-inbox-list" aria-label={t('list.label')}>
        <div className="ad-inbox-list-head">
          <Group justify="space-between" wrap="nowrap" gap="xs">
            <Group gap={10} wrap="nowrap" style={{ minWidth: 0 }}>
              <Checkbox
                size="xs"
                checked={allChecked}
                indeterminate={selected.length > 0 && !allChecked}
                disabled={rows.length === 0}
                onChange={toggleAll}
                aria-label={t('bulk.selectAll')}
                title={t('bulk.selectAll')}
                data-testid="select-all"
              />
              <Text fw={600} size="sm" truncate data-testid="list-title" className={searching ? undefined : 'ad-inbox-list-title'}>
                {searching ? t('search.title', { q: debounced }) : viewLabel(t, view)}
              </Text>
            </Group>
            {!searching && <ViewPicker view={view} onPick={pickView} />}
            <Group gap={4} wrap="nowrap">
              {(list.isFetching || search.isFetching) && <Loader size={12} />}
              <Tooltip label={t('shortcuts.title')}>
                <ActionIcon variant="subtle" color="gray" size="sm" onClick={() => setHelp(true)} aria-label={t('shortcuts.title')}>
                  <IconKeyboard size={16} />
                </ActionIcon>
              </Tooltip>
            </Group>
          </Group>
          <TextInput
            ref={searchRef}
            mt={6}
            size="xs"
            value={query}
            onChange={(e) => setQuery(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && rows[0]) {
                e.preventDefault();
                (e.target as HTMLInputElement).blur();
                setCursorId(rows[0].ticket.id);
              }
            }}
            placeholder={t('search.placeholder')}
            aria-label={t('search.label')}
            leftSection={<IconSearch size={14} />}
            rightSection={query ? <CloseButton size="xs" onClick={() => setQuery('')} aria-label={t('search.clear')} /> : <Kbd size="xs">/</Kbd>}
            data-testid="inbox-search"
          />
          {selected.length > 0 && <BulkBar selected={selected} onClear={clearChecked} />}
        </div>
        <ScrollArea className="ad-inbox-scroll" viewportRef={listRef}>
          {pending ? (
            <Center py="xl">
              <Loader size="sm" />
            </Center>
          ) : error ? (
            <ErrorText error={error} />
          ) : rows.length === 0 ? (
            <Text size="sm" c="dimmed" ta="center" py="xl" data-testid="list-empty">
              {searching ? t('search.none') : t('list.empty')}
            </Text>
          ) : ticketId ? (
            <CompactList rows={rows} cursor={cursor} openId={ticketId} q={searching ? debounced : ''} onOpen={open} names={names} checked={checked} onToggle={toggle} />
          ) : (
            <WideList rows={rows} cursor={cursor} q={searching ? debounced : ''} onOpen={open} names={names} checked={checked} onToggle={toggle} />
          )}
        </ScrollArea>
      </section>
      {ticketId && (
        <>
          <TicketPane key={ticketId} ticketId={ticketId} compose={compose} names={names} onClose={() => navigate(linkTo())} />
          <TicketSidebar key={`s-${ticketId}`} ticketId={ticketId} onOpen={open} />
          <PhoneOrderDrawer ticketId={ticketId} onOpen={open} />
        </>
      )}
      <ShortcutHelp opened={help} onClose={() => setHelp(false)} />
    </div>
  );
}

function ErrorText({ error }: { error: unknown }) {
  const message = useErrorMessage();
  return (
    <Text size="sm" c="red" p="md" role="alert">
      {message(error)}
    </Text>
  );
}

type T = ReturnType<typeof useTranslation<'inbox'>>['t'];

function viewLabel(t: T, view: ViewKey): string {
  if (view === 'mine') return t('views.mine');
  if (view === 'unassigned') return t('views.unassigned');
  if (view === 'open' || view === 'breached' || view === 'waiting_on_platform') return t(`views.${view}`);
  if (view.startsWith('channel:')) return t(`channels.${view.slice(8)}`);
  if (view.startsWith('shop:')) return t('views.shop');
  if (view.startsWith('saved:')) return t('views.saved');
  if (view.startsWith('queue:')) return t('views.queue', { queue: queueLabel(t, view.slice(6)) });
  return t(`statuses.${view.slice(7)}`);
}

// Queues are free text on the server; only the built-in ones have translations.
const KNOWN_QUEUES = new Set(['general', 'returns', 'livestream']);
function queueLabel(t: T, queue: string): string {
  return KNOWN_QUEUES.has(queue) ? t(`queues.${queue}`) : queue;
}

function viewKeys(c: Counts | undefined): ViewKey[] {
  const queues = Object.keys(c?.queues ?? {}).sort((a, b) => a.localeCompare(b));
  return ['open', 'mine', 'unassigned', 'breached', 'waiting_on_platform', ...queues.map((q) => `queue:${q}` as const), ...[...LIVE_STATUSES, 'solved' as const].map((s) => `status:${s}` as const)];
}

function countOf(c: Counts | undefined, key: ViewKey): number | undefined {
  if (!c) return 0;
  if (key === 'open') return LIVE_STATUSES.reduce((n, s) => n + (c.statuses[s] ?? 0), 0);
  if (key === 'waiting_on_platform') return c.statuses.waiting_on_platform ?? 0;
  if (key === 'breached' || !/^(mine|unassigned|queue:|status:)/.test(key)) return undefined;
  if (key === 'mine') return c.mine;
  if (key === 'unassigned') return c.unassigned;
  if (key.startsWith('queue:')) return c.queues[key.slice(6)] ?? 0;
  return c.statuses[key.slice(7)] ?? 0;
}

/** The rail as a drop-down, for when the rail is hidden (narrow screens, or beside an open ticket). */
function ViewPicker({ view, onPick }: { view: ViewKey; onPick: (v: ViewKey) => void }) {
  const { t } = useTranslation('inbox');
  const counts = useCounts();
  const keys = viewKeys(counts.data);
  if (!keys.includes(view)) keys.push(view);
  return (
    <Select
      className="ad-inbox-viewpicker"
      size="xs"
      w={210}
      aria-label={t('views.pick')}
      value={view}
      allowDeselect={false}
      onChange={(v) => v && onPick(v as ViewKey)}
      data={keys.map((k) => ({ value: k, label: countOf(counts.data, k) === undefined ? viewLabel(t, k) : `${viewLabel(t, k)} (${countOf(counts.data, k)})` }))}
      data-testid="view-picker"
    />
  );
}

function ViewsRail({ view, onPick }: { view: ViewKey; onPick: (v: ViewKey) => void }) {
  const { t } = useTranslation('inbox');
  const counts = useCounts();
  const c = counts.data;
  const item = (key: ViewKey, label: string, n: number | null | undefined, icon?: React.ReactNode) => (
    <NavLink
      key={key}
      label={label}
      leftSection={icon}
      active={view === key}
      onClick={() => onPick(key)}
      className="ad-inbox-view"
      data-testid={`view-${key}`}
      rightSection={
        n === null ? undefined : (
          <Badge size="xs" variant={view === key ? 'filled' : 'light'} color="gray" radius="sm" data-testid="view-count">
            {n ?? 0}
          </Badge>
        )
      }
    />
  );
  const saved = useSavedViews();
  const shops = useShops();
  const refresh = useQueryClient();
  const [naming, setNaming] = useState<string | null>(null);
  const save = useApiMutation({
    // Its error is shown beside the control (from .error), not as a toast.
    onError: () => undefined,
    mutationFn: (name: string) => api.post('/api/saved-views', { name, filter: filterOf(view) }),
    onSuccess: () => {
      setNaming(null);
      void refresh.invalidateQueries({ queryKey: ['inbox', 'saved-views'] });
    },
  });
  const remove = useApiMutation({ mutationFn: (id: string) => api.delete(`/api/saved-views/${id}`), onSuccess: () => refresh.invalidateQueries({ queryKey: ['inbox', 'saved-views'] }) });
  const errorText = useErrorMessage();
  const queues = Object.entries(c?.queues ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <nav className="ad-inbox-rail" aria-label={t('views.label')}>
      <ScrollArea h="100%">
        <Text className="ad-inbox-rail-title">{t('views.title')}</Text>
        {item('open', t('views.open'), countOf(c, 'open'), <IconInbox size={15} />)}
        {item('mine', t('views.mine'), c?.mine, <IconUser size={15} />)}
        {item('unassigned', t('views.unassigned'), c?.unassigned, <IconUserQuestion size={15} />)}
        {item('breached', t('views.breached'), null, <IconAlarm size={15} />)}
        {item('waiting_on_platform', t('views.waiting_on_platform'), countOf(c, 'waiting_on_platform'), <IconClockPause size={15} />)}
        <Text className="ad-inbox-rail-title">{t('views.channels')}</Text>
        {(['tiktok_chat', 'tiktok_return_request', 'email', 'whatsapp', 'video_comment'] as const).map((ch) => item(`channel:${ch}`, t(`channels.${ch}`), null, <ChannelIcon channel={ch} size={15} />))}
        {(shops.data?.items.length ?? 0) > 1 && <Text className="ad-inbox-rail-title">{t('views.shops')}</Text>}
        {(shops.data?.items.length ?? 0) > 1 && shops.data!.items.map((s) => item(`shop:${s.id}`, s.name, null, <IconBuildingStore size={15} />))}
        <Group justify="space-between" wrap="nowrap" pr={4}>
          <Text className="ad-inbox-rail-title">{t('views.savedTitle')}</Text>
          <Tooltip label={t('views.saveCurrent')}>
            <ActionIcon size="xs" variant="subtle" color="gray" onClick={() => setNaming('')} aria-label={t('views.saveCurrent')} data-testid="save-view">
              <IconDeviceFloppy size={13} />
            </ActionIcon>
          </Tooltip>
        </Group>
        {naming !== null && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (naming.trim()) save.mutate(naming.trim());
            }}
          >
            <TextInput size="xs" mx={6} autoFocus value={naming} onChange={(e) => setNaming(e.currentTarget.value)} placeholder={t('views.viewName')} aria-label={t('views.viewName')} data-testid="view-name" error={save.error ? errorText(save.error) : undefined} onKeyDown={(e) => e.key === 'Escape' && setNaming(null)} />
          </form>
        )}
        {saved.data?.items.map((sv) => (
          <NavLink
            key={sv.id}
            label={sv.name}
            leftSection={<IconBookmark size={15} />}
            active={view === savedKey(sv.filter)}
            onClick={() => onPick(savedKey(sv.filter))}
            className="ad-inbox-view"
            data-testid="saved-view"
            rightSection={
              <CloseButton size="xs" aria-label={t('views.deleteSaved', { name: sv.name })} onClick={(e) => { e.stopPropagation(); remove.mutate(sv.id); }} />
            }
          />
        ))}
        {queues.length > 0 && <Text className="ad-inbox-rail-title">{t('views.queues')}</Text>}
        {queues.map(([q, n]) => item(`queue:${q}`, queueLabel(t, q), n, <IconStack2 size={15} />))}
        <Text className="ad-inbox-rail-title">{t('views.statuses')}</Text>
        {[...LIVE_STATUSES, 'solved' as const].map((s) => item(`status:${s}`, t(`statuses.${s}`), c?.statuses[s], <IconInbox size={15} />))}
      </ScrollArea>
    </nav>
  );
}

interface ListProps {
  rows: Row[];
  cursor: number;
  q: string;
  onOpen: (id: string) => void;
  names: Map<string, string>;
  checked: ReadonlySet<string>;
  onToggle: (id: string) => void;
}

/** The row's checkbox; a click on it selects and never opens the ticket. */
function RowCheck({ ticket, checked, onToggle }: { ticket: TicketView; checked: boolean; onToggle: (id: string) => void }) {
  const { t } = useTranslation('inbox');
  return (
    <Checkbox
      size="xs"
      checked={checked}
      onChange={() => onToggle(ticket.id)}
      onClick={(e) => e.stopPropagation()}
      aria-label={t('bulk.selectOne', { number: ticket.number })}
      data-testid="row-check"
    />
  );
}

function Subject({ ticket, q }: { ticket: TicketView; q: string }) {
  return q ? <HighlightWords text={ticket.subject} q={q} /> : <>{ticket.subject}</>;
}

function BuyerName({ ticket, q }: { ticket: TicketView; q: string }) {
  const { t } = useTranslation('inbox');
  const name = ticket.buyer.name ?? ticket.buyer.email ?? ticket.buyer.phone ?? t('ticket.unknownBuyer');
  return q ? <HighlightWords text={name} q={q} /> : <>{name}</>;
}

/** The list on its own: a dense table with every column a triage needs. */
function WideList({ rows, cursor, q, onOpen, names, checked, onToggle }: ListProps) {
  const { t } = useTranslation('inbox');
  return (
    <Table className="ad-inbox-table" highlightOnHover verticalSpacing={6} data-testid="ticket-list">
      <Table.Thead>
        <Table.Tr>
          <Table.Th w={28} className="ad-inbox-check-cell" />
          <Table.Th w={110}>{t('list.columns.sla')}</Table.Th>
          <Table.Th w={28} />
          <Table.Th>{t('list.columns.subject')}</Table.Th>
          <Table.Th>{t('list.columns.buyer')}</Table.Th>
          <Table.Th w={64}>{t('list.columns.language')}</Table.Th>
          <Table.Th w={80}>{t('list.columns.priority')}</Table.Th>
          <Table.Th>{t('list.columns.status')}</Table.Th>
          <Table.Th>{t('list.columns.assignee')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map(({ ticket, snippet }, i) => (
          <Table.Tr
            key={ticket.id}
            className={`ad-clickable-row ${i === cursor ? 'ad-inbox-cursor' : ''}`}
            onClick={() => onOpen(ticket.id)}
            data-testid="ticket-row"
            data-ticket-id={ticket.id}
            data-row-index={i}
            aria-selected={i === cursor}
            data-checked={checked.has(ticket.id) || undefined}
          >
            <Table.Td onClick={(e) => e.stopPropagation()} className="ad-inbox-check-cell">
              <RowCheck ticket={ticket} checked={checked.has(ticket.id)} onToggle={onToggle} />
            </Table.Td>
            <Table.Td>
              <TicketSla ticket={ticket} />
            </Table.Td>
            <Table.Td>
              <ChannelIcon channel={ticket.channel} />
            </Table.Td>
            <Table.Td maw={420}>
              <Text size="sm" fw={ticket.status === 'new' ? 600 : 500} truncate data-testid="ticket-subject">
                <Subject ticket={ticket} q={q} />
              </Text>
              <Text size="xs" c="dimmed" truncate data-testid="ticket-preview">
                {snippet ? <Highlighted text={snippet} /> : `#${ticket.number} · ${ticket.lastMessagePreview ?? ''}`}
              </Text>
            </Table.Td>
            <Table.Td maw={180}>
              <Text size="sm" truncate data-testid="ticket-buyer">
                <BuyerName ticket={ticket} q={q} />
              </Text>
            </Table.Td>
            <Table.Td>
              <LanguageTag language={ticket.language} />
            </Table.Td>
            <Table.Td className="ad-inbox-priority-cell">
              <PriorityBadge priority={ticket.priority} />
            </Table.Td>
            <Table.Td>
              <StatusText status={ticket.status} />
            </Table.Td>
            <Table.Td maw={140}>
              <Text size="xs" c={ticket.assigneeId ? undefined : 'dimmed'} truncate>
                {ticket.assigneeId ? (names.get(ticket.assigneeId) ?? t('ticket.someone')) : t('ticket.unassigned')}
              </Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** Beside an open ticket: two lines per ticket so the thread keeps its width. */
function CompactList({ rows, cursor, openId, q, onOpen, names, checked, onToggle }: ListProps & { openId: string }) {
  const { t } = useTranslation('inbox');
  return (
    <Stack gap={0} data-testid="ticket-list">
      {rows.map(({ ticket, snippet }, i) => (
        <div key={ticket.id} className="ad-inbox-item-wrap" data-checked={checked.has(ticket.id) || undefined}>
        <div className="ad-inbox-item-check">
          <RowCheck ticket={ticket} checked={checked.has(ticket.id)} onToggle={onToggle} />
        </div>
        <UnstyledButton
          className={`ad-inbox-item ${i === cursor ? 'ad-inbox-cursor' : ''} ${ticket.id === openId ? 'ad-inbox-item--open' : ''}`}
          onClick={() => onOpen(ticket.id)}
          data-testid="ticket-row"
          data-ticket-id={ticket.id}
          data-row-index={i}
          aria-current={ticket.id === openId ? 'true' : undefined}
        >
          <Group gap={6} wrap="nowrap" justify="space-between">
            <Group gap={6} wrap="nowrap" style={{ minWidth: 0 }}>
              <ChannelIcon channel={ticket.channel} size={14} />
              <Text size="xs" fw={600} truncate data-testid="ticket-buyer">
                <BuyerName ticket={ticket} q={q} />
              </Text>
              <LanguageTag language={ticket.language} />
            </Group>
            <TicketSla size="xs" ticket={ticket} />
          </Group>
          <Text size="sm" fw={ticket.status === 'new' ? 600 : 500} truncate mt={2} data-testid="ticket-subject">
            <Subject ticket={ticket} q={q} />
          </Text>
          {snippet && (
            <Text size="xs" c="dimmed" lineClamp={2} data-testid="ticket-preview">
              <Highlighted text={snippet} />
            </Text>
          )}
          <Group gap={6} mt={3} wrap="nowrap">
            <PriorityBadge priority={ticket.priority} />
            <StatusText status={ticket.status} />
            <Text size="xs" c="dimmed" truncate>
              · {ticket.assigneeId ? (names.get(ticket.assigneeId) ?? t('ticket.someone')) : t('ticket.unassigned')}
            </Text>
          </Group>
        </UnstyledButton>
        </div>
      ))}
    </Stack>
  );
}

const SHORTCUTS: [string[], string][] = [
  [['j', '↓'], 'next'],
  [['k', '↑'], 'previous'],
  [['Enter'], 'open'],
  [['x'], 'select'],
  [['r'], 'reply'],
  [['n'], 'note'],
  [['/'], 'search'],
  [['Ctrl', 'Enter'], 'send'],
  [['Esc'], 'back'],
  [['?'], 'help'],
];

function ShortcutHelp({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation('inbox');
  return (
    <Modal opened={opened} onClose={onClose} title={t('shortcuts.title')} size="sm" data-testid="shortcut-help">
      <Table verticalSpacing={4}>
        <Table.Tbody>
          {SHORTCUTS.map(([keys, action]) => (
            <Table.Tr key={action}>
              <Table.Td w={110}>
                <Group gap={4}>
                  {keys.map((k) => (
                    <Kbd key={k} size="xs">
                      {k}
                    </Kbd>
                  ))}
                </Group>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{t(`shortcuts.${action}`)}</Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Modal>
  );
}
