import { Alert, Anchor, Badge, Button, Group, Paper, Radio, Select, SimpleGrid, Stack, Table, Tabs, Text, Textarea, TextInput, Title } from '@mantine/core';
import { IconCheck, IconGavel, IconScale, IconX } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router-dom';
import { api } from '../../lib/api';
import { useFormat } from '../../lib/format';
import { presentError, useApiMutation } from '../../lib/mutation';
import { formatMoney } from '../../lib/money';
import { useSession } from '../../lib/session';
import { PageHeader } from '../../shell/PageHeader';
import { QueryState } from '../settings/common';
import { LookupPicker } from '../records/LookupPicker';
import { caseTitle, useLabels } from '../records/api';
import { CATEGORIES, useRemedies, type Category, type Quote, type RemedyView } from './api';

const STATUS_COLOR: Record<RemedyView['status'], string> = { proposed: 'gray', pending_approval: 'yellow', rejected: 'dark', executing: 'blue', attention: 'red', completed: 'green', abandoned: 'gray', on_hold: 'orange' };

export function RemediesPage() {
  const { t } = useTranslation('remedies');
  const { user } = useSession();
  const approver = user.role === 'owner' || user.role === 'supervisor';
  const [params] = useSearchParams();
  const [tab, setTab] = useState<string | null>(approver && !params.get('orderId') ? 'approvals' : 'offer');
  return (
    <Stack gap="md">
      <PageHeader title={t('title')} description={t('description')} />
      <Tabs value={tab} onChange={setTab}>
        <Tabs.List>
          <Tabs.Tab value="offer" leftSection={<IconScale size={16} />}>
            {t('tabs.offer')}
          </Tabs.Tab>
          {approver && (
            <Tabs.Tab value="approvals" leftSection={<IconGavel size={16} />} data-testid="tab-approvals">
              {t('tabs.approvals')}
            </Tabs.Tab>
          )}
          <Tabs.Tab value="recent">{t('tabs.recent')}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="offer" pt="md">
          <RemedyPanel orderId={params.get('orderId') ?? ''} ticketId={params.get('ticketId') ?? ''} text={params.get('text') ?? ''} />
        </Tabs.Panel>
        {approver && (
          <Tabs.Panel value="approvals" pt="md">
            <ApprovalQueue />
          </Tabs.Panel>
        )}
        <Tabs.Panel value="recent" pt="md">
          <RemedyTable />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

/** Classify, see the ladder with its economics, offer. Embeddable beside a ticket (pass its ids). */
/**
 * `platformReturnId`: the platform request the ticket is about; a refund then goes through that
 * request (TikTok refuses a second request on an order while one is open).
 */
export function RemedyPanel(props: { orderId?: string; ticketId?: string; text?: string; orderLabel?: string | null; ticketLabel?: string | null; platformReturnId?: string | null; onDone?: (r: RemedyView) => void }) {
  const { t, i18n } = useTranslation('remedies');
  const { t: tAll } = useTranslation();
  const [orderId, setOrderId] = useState(props.orderId ?? '');
  const [ticketId, setTicketId] = useState(props.ticketId ?? '');
  const [orderLabel, setOrderLabel] = useState<string | null>(props.orderLabel ?? (props.orderId ? props.orderId : null));
  const [ticketLabel, setTicketLabel] = useState<string | null>(props.ticketLabel ?? (props.ticketId ? props.ticketId : null));
  const [text, setText] = useState(props.text ?? '');
  const [category, setCategory] = useState<Category | null>(null);
  const [quote, setQuote] = useState<Quote | null>(null);
  const [choice, setChoice] = useState<string>('');
  const [reason, setReason] = useState('');
  const [personal, setPersonal] = useState('');
  const [done, setDone] = useState<RemedyView | null>(null);
  const m = (n: number) => (quote ? formatMoney(n, quote.economics.currency, i18n.language) : '');
  // Opened with ids (from a ticket or an order page): show the numbers people know instead.
  const orderName = useQuery({ queryKey: ['orders', orderId], enabled: !!orderId && orderLabel === orderId, queryFn: ({ signal }) => api.get<{ externalId: string }>(`/api/orders/${encodeURIComponent(orderId)}`, { signal }) });
  const ticketName = useQuery({ queryKey: ['inbox', 'ticket', ticketId], enabled: !!ticketId && ticketLabel === ticketId, queryFn: ({ signal }) => api.get<{ ticket: { number: number; subject: string } }>(`/api/tickets/${encodeURIComponent(ticketId)}`, { signal }) });
  useEffect(() => {
    if (orderName.data && orderLabel === orderId) setOrderLabel(orderName.data.externalId);
  }, [orderName.data, orderLabel, orderId]);
  useEffect(() => {
    if (ticketName.data && ticketLabel === ticketId) setTicketLabel(`#${ticketName.data.ticket.number} ${ticketName.data.ticket.subject}`);
  }, [ticketName.data, ticketLabel, ticketId]);

  const quoteM = useApiMutation({
    mutationFn: (cat: Category | null | undefined) =>
      api.post<Quote>('/api/remedies/quote', { orderId: orderId.trim(), ...(ticketId.trim() ? { ticketId: ticketId.trim() } : {}), ...(text.trim() ? { text } : {}), ...((cat ?? category) ? { category: cat ?? category } : {}) }),
    onMutate: () => setDone(null),
    onSuccess: (q) => {
      setQuote(q);
      setCategory(q.category);
      setChoice(q.recommendedKey);
    },
    onError: () => undefined,
  });
  const offerM = useApiMutation({
    mutationFn: ({ quote: q, choice: key }: { quote: Quote; choice: string }) =>
      api.post<RemedyView>('/api/remedies', {
        orderId: orderId.trim(),
        ...(ticketId.trim() ? { ticketId: ticketId.trim() } : {}),
        category: q.category,
        ...(q.suggestion ? { suggestedCategory: q.suggestion.category } : {}),
        optionKey: key,
        ...(props.platformReturnId && orderId === props.orderId ? { platformReturnId: props.platformReturnId } : {}),
        ...(reason.trim() ? { reason: reason.trim() } : {}),
        ...(personal.trim() ? { message: personal.trim() } : {}),
      }),
    invalidate: [['remedies']],
    onSuccess: (r) => {
      setDone(r);
      props.onDone?.(r);
    },
    onError: () => undefined,
  });
  const busy = quoteM.isPending || offerM.isPending;
  const failed = offerM.error ?? quoteM.error;
  const error = failed ? presentError(tAll, failed).message : null;
  function load(e?: FormEvent, cat?: Category | null) {
    e?.preventDefault();
    offerM.reset();
    quoteM.mutate(cat);
  }
  function offer() {
    if (quote && choice) offerM.mutate({ quote, choice });
  }

  const selected = quote?.options.find((o) => o.key === choice);
  return (
    <Stack gap="md">
      <form onSubmit={(e) => load(e)}>
        <Paper withBorder radius="md" p="md">
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <LookupPicker
              kind="order"
              label={t('form.orderId')}
              required
              selectedLabel={orderLabel}
              onPick={(h) => {
                setOrderId(h?.id ?? '');
                setOrderLabel(h ? h.title : null);
                setQuote(null);
              }}
              testId="remedy-order"
            />
            <LookupPicker
              kind="ticket"
              label={t('form.ticketId')}
              selectedLabel={ticketLabel}
              onPick={(h) => {
                setTicketId(h?.id ?? '');
                setTicketLabel(h ? `${h.title} ${h.subtitle ?? ''}`.trim() : null);
                if (h?.orderId && !orderId) setOrderId(h.orderId);
              }}
              testId="remedy-ticket"
            />
          </SimpleGrid>
          <Textarea mt="sm" label={t('form.text')} description={t('form.textHint')} value={text} onChange={(e) => setText(e.currentTarget.value)} autosize minRows={2} data-testid="remedy-text" />
          <Group mt="sm" justify="space-between">
            <Select
              w={280}
              label={t('form.category')}
              placeholder={t('form.categoryAuto')}
              clearable
              value={category}
              onChange={(v) => {
                setCategory(v as Category | null);
                if (quote) load(undefined, v as Category | null);
              }}
              data={CATEGORIES.map((c) => ({ value: c, label: t(`categories.${c}`) }))}
              data-testid="remedy-category"
            />
            <Button type="submit" loading={busy && !quote} mt="lg" data-testid="remedy-quote">
              {t('form.quote')}
            </Button>
          </Group>
        </Paper>
      </form>
      {error && (
        <Alert color="red" data-testid="remedy-error">
          {error}
        </Alert>
      )}
      {quote && (
        <Paper withBorder radius="md" p="md" data-testid="remedy-options">
          <Group justify="space-between" mb="sm">
            <Stack gap={0}>
              <Title order={4} fz={15}>
                {t('options.title', { category: t(`categories.${quote.category}`) })}
              </Title>
              {quote.suggestion && quote.suggestion.matched.length > 0 && (
                <Text size="xs" c="dimmed">
                  {t('options.suggested', { category: t(`categories.${quote.suggestion.category}`), cues: quote.suggestion.matched.join(', ') })}
                </Text>
              )}
            </Stack>
            <Group gap="lg">
              <Econ label={t('econ.paid')} value={m(quote.economics.paid)} />
              <Econ label={t('econ.itemCost')} value={m(quote.economics.itemCost)} />
              <Econ label={t('econ.returnShipping')} value={quote.economics.sellerPaysReturn ? m(quote.economics.returnShipping) : t('econ.buyerPays')} />
              <Econ label={t('econ.resale')} value={m(quote.economics.expectedResale)} />
              <Econ label={t('econ.ltv')} value={m(quote.economics.buyerLifetimeValue)} />
            </Group>
          </Group>
          <Radio.Group value={choice} onChange={setChoice}>
            <Table verticalSpacing="xs" highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th />
                  <Table.Th>{t('options.option')}</Table.Th>
                  <Table.Th ta="right">{t('options.refund')}</Table.Th>
                  <Table.Th ta="right">{t('options.coupon')}</Table.Th>
                  <Table.Th ta="right">{t('options.netCost')}</Table.Th>
                  <Table.Th>{t('options.authority')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {quote.options.map((o) => (
                  <Table.Tr key={o.key} data-testid={`option-${o.key}`} onClick={() => setChoice(o.key)} style={{ cursor: 'pointer' }}>
                    <Table.Td>
                      <Radio value={o.key} aria-label={o.key} />
                    </Table.Td>
                    <Table.Td>
                      <Group gap={6}>
                        <Badge variant="light" color={['teal', 'yellow', 'red'][o.tier - 1]}>
                          {t('options.tier', { n: o.tier })}
                        </Badge>
                        <Text size="sm">{t(`kinds.${o.kind}`)}</Text>
                        {o.reship && <Badge variant="outline">{t('options.reship')}</Badge>}
                        {o.apologyCard && <Badge variant="outline">{t('options.card')}</Badge>}
                        {o.key === quote.recommendedKey && <Badge color="grape">{t('options.recommended')}</Badge>}
                      </Group>
                    </Table.Td>
                    <Table.Td ta="right">{o.refundAmount ? m(o.refundAmount) : '—'}</Table.Td>
                    <Table.Td ta="right">{o.coupon ? `${m(o.coupon.amount)}${o.coupon.vip ? ' VIP' : ''}` : '—'}</Table.Td>
                    <Table.Td ta="right" fw={600}>
                      {m(o.netCost)}
                    </Table.Td>
                    <Table.Td>{o.needsApproval ? <Badge color="orange">{t('options.needsApproval')}</Badge> : <Badge color="green">{t('options.withinLimit')}</Badge>}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Radio.Group>
          <Textarea mt="sm" label={t('form.message')} description={t('form.messageHint')} value={personal} onChange={(e) => setPersonal(e.currentTarget.value)} autosize minRows={2} data-testid="remedy-message" />
          {selected?.needsApproval && (
            <Textarea mt="sm" label={t('form.reason')} description={t('form.reasonHint')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} required data-testid="remedy-reason" />
          )}
          <Group justify="flex-end" mt="md">
            <Button onClick={offer} loading={busy} disabled={!selected} data-testid="remedy-offer">
              {selected?.needsApproval ? t('form.askApproval') : t('form.offer')}
            </Button>
          </Group>
        </Paper>
      )}
      {done && (
        <Alert color={done.status === 'pending_approval' ? 'yellow' : 'green'} data-testid="remedy-result" title={t(`status.${done.status}`)}>
          {done.status === 'pending_approval' ? t('result.pending') : t('result.executing')}
        </Alert>
      )}
    </Stack>
  );
}

function Econ({ label, value }: { label: string; value: string }) {
  return (
    <Stack gap={0} align="flex-end">
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" fw={600}>
        {value}
      </Text>
    </Stack>
  );
}

/** Which order (number, buyer) and ticket a remedy is for, each a link. */
function RemedyFor({ r, labels }: { r: RemedyView; labels: ReturnType<typeof useLabels>['data'] }) {
  const { t } = useTranslation('records');
  const order = labels?.cases.find((c) => c.id === r.orderId);
  const ticket = r.ticketId ? labels?.cases.find((c) => c.id === r.ticketId) : undefined;
  return (
    <Group gap={8} wrap="wrap">
      <Anchor component={Link} to={`/orders/${r.orderId}`} size="xs" data-testid="remedy-order-link">
        {caseTitle(order, t) ?? t('cases.openOrder')}
      </Anchor>
      {ticket?.ticketNumber != null && (
        <Anchor component={Link} to={`/inbox/${ticket.id}`} size="xs">
          {t('cases.ticket', { number: ticket.ticketNumber })}
        </Anchor>
      )}
    </Group>
  );
}

function ApprovalQueue() {
  const { t, i18n } = useTranslation('remedies');
  const q = useRemedies('pending_approval');
  const labels = useLabels((q.data ?? []).flatMap((r) => [r.orderId, r.ticketId ?? '']));
  const [notes, setNotes] = useState<Record<string, string>>({});
  const decideM = useApiMutation({
    mutationFn: ({ r, approve }: { r: RemedyView; approve: boolean }) =>
      approve ? api.post(`/api/remedies/${r.id}/approve`, notes[r.id] ? { note: notes[r.id] } : {}) : api.post(`/api/remedies/${r.id}/reject`, { note: notes[r.id] || t('approvals.defaultReject') }),
    invalidate: [['remedies']],
  });
  const decide = (r: RemedyView, approve: boolean) => decideM.mutate({ r, approve });
  return (
    <Stack gap="sm">
      <QueryState isPending={q.isPending} error={q.error} empty={(q.data ?? []).length === 0} emptyText={t('approvals.empty')}>
        {(q.data ?? []).map((r) => (
          <Paper key={r.id} withBorder radius="md" p="md" data-testid="approval-item">
            <Group justify="space-between" align="flex-start">
              <Stack gap={2}>
                <Text fw={600}>
                  {t(`kinds.${r.kind}`)} · {t(`categories.${r.category}`)}
                </Text>
                <Text size="sm">
                  {t('approvals.amounts', { refund: formatMoney(r.refundAmount, r.currency, i18n.language), coupon: formatMoney(r.coupon?.amount ?? 0, r.currency, i18n.language), paid: formatMoney(r.paidBase, r.currency, i18n.language) })}
                </Text>
                <Text size="sm" c="dimmed">
                  {t('approvals.over', { check: t(`checks.${r.limitCheck}`, { defaultValue: r.limitCheck }) })}
                </Text>
                <Text size="sm" data-testid="approval-reason">
                  «{r.approvalReason}»
                </Text>
                <RemedyFor r={r} labels={labels.data} />
              </Stack>
              <Stack gap="xs" w={{ base: '100%', sm: 320 }}>
                <TextInput size="xs" placeholder={t('approvals.note')} value={notes[r.id] ?? ''} onChange={(e) => setNotes({ ...notes, [r.id]: e.currentTarget.value })} />
                <Group gap="xs" grow>
                  <Button color="green" leftSection={<IconCheck size={16} />} onClick={() => decide(r, true)} loading={decideM.isPending && decideM.variables?.r.id === r.id && decideM.variables.approve} data-testid="approve">
                    {t('approvals.approve')}
                  </Button>
                  <Button color="red" variant="light" leftSection={<IconX size={16} />} onClick={() => decide(r, false)} loading={decideM.isPending && decideM.variables?.r.id === r.id && !decideM.variables.approve}>
                    {t('approvals.reject')}
                  </Button>
                </Group>
              </Stack>
            </Group>
          </Paper>
        ))}
      </QueryState>
    </Stack>
  );
}

function RemedyTable() {
  const { t, i18n } = useTranslation('remedies');
  const { user } = useSession();
  const q = useRemedies();
  const labels = useLabels((q.data ?? []).flatMap((r) => [r.orderId, r.ticketId ?? '']));
  const fmt = useFormat();
  const abandonM = useApiMutation({ mutationFn: (r: RemedyView) => api.post(`/api/remedies/${r.id}/abandon`, { note: t('recent.abandonNote') }), invalidate: [['remedies']] });
  const retryM = useApiMutation({ mutationFn: (r: RemedyView) => api.post(`/api/remedies/${r.id}/steps/${r.failedStep}/retry`, {}), invalidate: [['remedies']] });
  return (
    <Stack gap="sm">
      <QueryState isPending={q.isPending} error={q.error} empty={(q.data ?? []).length === 0} emptyText={t('recent.empty')}>
        <Paper withBorder radius="md">
          <Table.ScrollContainer minWidth={560}>
          <Table verticalSpacing="sm" data-testid="remedy-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('recent.remedy')}</Table.Th>
                <Table.Th>{t('recent.status')}</Table.Th>
                <Table.Th ta="right">{t('options.refund')}</Table.Th>
                <Table.Th>{t('recent.steps')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(q.data ?? []).map((r) => (
                <Table.Tr key={r.id}>
                  <Table.Td>
                    {t(`kinds.${r.kind}`)} · {t(`categories.${r.category}`)}
                    <Text size="xs" c="dimmed">
                      {fmt.dateTime(r.createdAt)}
                    </Text>
                    <RemedyFor r={r} labels={labels.data} />
                  </Table.Td>
                  <Table.Td>
                    <Badge color={STATUS_COLOR[r.status]} data-testid="remedy-status">
                      {t(`status.${r.status}`)}
                    </Badge>
                  </Table.Td>
                  <Table.Td ta="right">{r.refundAmount ? formatMoney(r.refundAmount, r.currency, i18n.language) : '—'}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {r.steps.map((s) => (
                        <Badge key={s.step} variant="dot" color={s.status === 'done' ? 'green' : s.status === 'failed' ? 'red' : 'gray'} title={s.lastError ?? ''}>
                          {t(`steps.${s.step}`)}
                        </Badge>
                      ))}
                      {r.status === 'attention' && r.failedStep && (
                        <Button size="compact-xs" color="red" variant="light" onClick={() => retryM.mutate(r)} loading={retryM.isPending && retryM.variables?.id === r.id}>
                          {t('recent.retry')}
                        </Button>
                      )}
                      {r.status === 'attention' && (user.role === 'owner' || user.role === 'supervisor') && (
                        <Button size="compact-xs" color="gray" variant="light" onClick={() => abandonM.mutate(r)} loading={abandonM.isPending && abandonM.variables?.id === r.id} title={t('recent.abandonHint')}>
                          {t('recent.abandon')}
                        </Button>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          </Table.ScrollContainer>
        </Paper>
      </QueryState>
    </Stack>
  );
}
