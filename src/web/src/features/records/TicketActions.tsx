import { Alert, Badge, Button, Group, Modal, Select, Stack, Text, Textarea, Tooltip } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {useQuery, useQueryClient } from '@tanstack/react-query';
import { IconCheck, IconDiscount2, IconReceiptRefund, IconScale, IconX } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api } from '../../lib/api';
import { useErrorMessage } from '../../lib/errors';
import { formatMoney } from '../../lib/money';
import type { RemedyView } from '../../../../modules/remedies/remedies.dto';
import type { MessageView, TicketView } from '../../../../modules/helpdesk/helpdesk.dto';
import type { Page } from '../../../../platform/pagination.dto';
import type { LedgerView, SendableView } from '../../../../modules/coupons/coupons.dto';
import { formatCountdown, useNow } from '../inbox/sla';
import { RemedyPanel } from '../remedies/RemediesPage';
import { usePlatformReturns, type PlatformReturnView } from './api';
import { formatterFor } from '../../lib/format';
import { useApiMutation } from '../../lib/mutation';

/**
 * The order's actions beside the conversation: offer a remedy (order, the buyer's words and the
 * suggested category filled in), open a return, decide the platform's request with its deadline,
 * and every action's progress as lines that follow the outbox.
 */
export function TicketActions({ ticketId, orderId, orderLabel }: { ticketId: string; orderId: string | null; orderLabel: string | null }) {
  const { t } = useTranslation('records');
  const [remedyOpen, remedy] = useDisclosure(false);
  const [couponOpen, coupon] = useDisclosure(false);
  const ticket = useQuery({
    queryKey: ['inbox', 'ticket', ticketId],
    queryFn: ({ signal }) => api.get<{ ticket: TicketView; messages: MessageView[] }>(`/api/tickets/${encodeURIComponent(ticketId)}`, { signal }),
  });
  const tk = ticket.data?.ticket;
  const buyerWords = (ticket.data?.messages ?? []).filter((m) => m.direction === 'inbound' && m.kind === 'public').map((m) => m.text).slice(-3).join('\n');
  const platform = usePlatformReturns({ orderId: orderId ?? undefined });
  const thread = tk?.externalThreadId ?? '';
  const m = /^(return|cancel):(.+)$/.exec(thread);
  const request = m ? platform.data?.find((p) => p.externalId === m[2] && (m[1] === 'cancel') === (p.kind === 'cancellation')) : undefined;
  return (
    <div className="ad-side-section" data-testid="ticket-actions">
      <Text className="ad-side-title">{t('act.title')}</Text>
      {request && <PlatformRequest request={request} ticketId={ticketId} />}
      {orderId ? (
        <Group gap={6} mt={6}>
          <Button size="xs" leftSection={<IconScale size={14} />} onClick={remedy.open} data-testid="act-remedy">
            {t('act.remedy')}
          </Button>
          <Button size="xs" variant="default" component={Link} to={`/returns?newForOrder=${orderId}&ticketId=${ticketId}`} leftSection={<IconReceiptRefund size={14} />} data-testid="act-return">
            {t('act.return')}
          </Button>
          <Tooltip label={t('act.couponNoBuyer')} disabled={!!tk?.buyer.id}>
            <Button size="xs" variant="default" disabled={!tk?.buyer.id} onClick={coupon.open} leftSection={<IconDiscount2 size={14} />} data-testid="act-coupon">
              {t('act.coupon')}
            </Button>
          </Tooltip>
        </Group>
      ) : (
        <Text size="xs" c="dimmed">
          {t('act.noOrder')}
        </Text>
      )}
      <Progress ticketId={ticketId} />
      <Modal opened={remedyOpen} onClose={remedy.close} title={t('act.remedyTitle', { order: orderLabel ?? '' })} size="xl" fullScreen={typeof window !== 'undefined' && window.innerWidth < 600}>
        {remedyOpen && orderId && <RemedyPanel orderId={orderId} orderLabel={orderLabel} ticketId={ticketId} ticketLabel={tk ? `#${tk.number} ${tk.subject}` : null} text={buyerWords} platformReturnId={request && ['requested', 'buyer_shipped'].includes(request.status) ? request.id : null} />}
      </Modal>
      <Modal opened={couponOpen} onClose={coupon.close} title={t('act.couponTitle')} size="md">
        {couponOpen && tk?.buyer.id && <CouponSend shopId={tk.shopId} buyerId={tk.buyer.id} ticketId={ticketId} onDone={coupon.close} />}
      </Modal>
    </div>
  );
}

/**
 * Send one of the shop's platform coupons to the ticket's buyer as a chat card (coupons module:
 * `GET /api/coupons/sendable` with the contact policy's answer, `POST /api/coupons/issue`).
 */
function CouponSend({ shopId, buyerId, ticketId, onDone }: { shopId: string; buyerId: string; ticketId: string; onDone: () => void }) {
  const { t, i18n } = useTranslation('records');
  const qc = useQueryClient();
  const message = useErrorMessage();
  const [couponId, setCouponId] = useState<string | null>(null);
  const [text, setText] = useState('');
  const sendable = useQuery({
    queryKey: ['coupons', 'sendable', shopId, buyerId],
    queryFn: ({ signal }) => api.get<SendableView>(`/api/coupons/sendable?shopId=${encodeURIComponent(shopId)}&buyerId=${encodeURIComponent(buyerId)}`, { signal }),
  });
  const issue = useApiMutation({
    // Its error is shown beside the control (from .error), not as a toast.
    onError: () => undefined,
    mutationFn: () => api.post<LedgerView>('/api/coupons/issue', { shopId, buyerId, platformCouponId: couponId, ticketId, ...(text.trim() ? { text: text.trim() } : {}) }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['coupons'] });
      onDone();
    },
  });
  const items = sendable.data?.items ?? [];
  const contact = sendable.data?.contact;
  // Quiet hours only defer the send (to `notBefore`); any other reason refuses it.
  const refused = !!contact && !contact.allowed && !contact.notBefore;
  return (
    <Stack gap="sm" data-testid="coupon-send">
      {sendable.error && (
        <Alert color="red" p={6}>
          <Text size="xs">{message(sendable.error)}</Text>
        </Alert>
      )}
      {refused && (
        <Alert color="orange" p={6} data-testid="coupon-contact">
          <Text size="xs">{t('act.couponBlocked', { reasons: contact.reasons.map((r) => t(`contactReason.${r}`, { defaultValue: r })).join(', ') })}</Text>
        </Alert>
      )}
      {contact?.notBefore && (
        <Text size="xs" c="dimmed">
          {t('act.couponNotBefore', { at: formatterFor(i18n.language).dateTime(contact.notBefore) })}
        </Text>
      )}
      {sendable.isSuccess && items.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="coupon-none">
          {t('act.couponNone')}
        </Text>
      ) : (
        <Select
          label={t('act.couponPick')}
          placeholder={sendable.isPending ? t('picker.searching') : undefined}
          data={items.map((c) => ({ value: c.id, label: `${formatMoney(c.faceValue, c.currency, i18n.language)} · ${c.title}` }))}
          value={couponId}
          onChange={setCouponId}
          comboboxProps={{ withinPortal: true }}
          data-testid="coupon-pick"
        />
      )}
      <Textarea label={t('act.couponText')} value={text} onChange={(e) => setText(e.currentTarget.value)} maxLength={2000} autosize minRows={2} />
      {issue.error && (
        <Alert color="red" p={6} data-testid="coupon-error">
          <Text size="xs">{message(issue.error)}</Text>
        </Alert>
      )}
      <Group justify="flex-end">
        <Button disabled={!couponId || !contact || refused} loading={issue.isPending} onClick={() => issue.mutate()} data-testid="coupon-send-submit">
          {t('act.couponSend')}
        </Button>
      </Group>
    </Stack>
  );
}

function PlatformRequest({ request: p, ticketId }: { request: PlatformReturnView; ticketId: string }) {
  const { t, i18n } = useTranslation('records');
  const now = useNow();
  const qc = useQueryClient();
  const message = useErrorMessage();
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState<string | null>(null);
  const [comment, setComment] = useState('');
  const open = ['requested', 'buyer_shipped'].includes(p.status);
  const reasons = useQuery({
    queryKey: ['platform-returns', p.id, 'reject-reasons'],
    enabled: rejecting,
    queryFn: ({ signal }) => api.get<{ items: { name: string; text: string | null }[] }>(`/api/platform-returns/${encodeURIComponent(p.id)}/reject-reasons`, { signal }).then((r) => r.items),
  });
  const decide = useApiMutation({
    // Its error is shown beside the control (from .error), not as a toast.
    onError: () => undefined,
    mutationFn: (body: { decision: 'approve' | 'reject'; rejectReason?: string; comment?: string }) => api.post<{ decision: string }>(`/api/platform-returns/${encodeURIComponent(p.id)}/decide`, { ...body, ticketId }),
    onSuccess: () => {
      setRejecting(false);
      void qc.invalidateQueries({ queryKey: ['platform-returns'] });
      void qc.invalidateQueries({ queryKey: ['inbox'] });
    },
  });
  const left = p.sellerDeadline ? Date.parse(p.sellerDeadline) - now : null;
  return (
    <Stack gap={6} mb={8} data-testid="platform-request">
      <Group justify="space-between" wrap="nowrap" gap={6}>
        <Text size="xs" fw={600}>
          {t('act.request', { type: t(`platformType.${p.type}`, { defaultValue: p.type }) })}
        </Text>
        <Badge size="xs" variant="light" color={open ? 'orange' : 'gray'} data-testid="platform-request-status">
          {t(`platformStatus.${p.status}`, { defaultValue: p.status })}
        </Badge>
      </Group>
      <Text size="xs" c="dimmed">
        {[p.reasonText, p.refundAmount !== null && p.currency ? formatMoney(p.refundAmount, p.currency, i18n.language) : null, p.photos.length ? t('act.photos', { count: p.photos.length }) : null].filter(Boolean).join(' · ')}
      </Text>
      {open && left !== null && (
        <Text size="xs" fw={600} c={left < 0 ? 'red' : left < 24 * 3_600_000 ? 'orange' : 'teal'} data-testid="seller-deadline">
          {left < 0 ? t('act.deadlinePassed', { d: formatCountdown(-left) }) : t('act.deadline', { d: formatCountdown(left) })}
        </Text>
      )}
      {decide.isSuccess && (
        <Text size="xs" c="teal" data-testid="platform-decision-sent">
          {t('act.decisionSent')}
        </Text>
      )}
      {decide.error && (
        <Alert color="red" p={6} data-testid="platform-decision-error">
          <Text size="xs">{message(decide.error)}</Text>
        </Alert>
      )}
      {open && !decide.isSuccess && !rejecting && (
        <Group gap={6}>
          <Button size="xs" color="green" leftSection={<IconCheck size={14} />} loading={decide.isPending} onClick={() => decide.mutate({ decision: 'approve' })} data-testid="request-approve">
            {t('act.approve')}
          </Button>
          <Button size="xs" color="red" variant="light" leftSection={<IconX size={14} />} onClick={() => setRejecting(true)} data-testid="request-reject">
            {t('act.reject')}
          </Button>
        </Group>
      )}
      {rejecting && (
        <Stack gap={6}>
          <Select
            size="xs"
            label={t('act.rejectReason')}
            placeholder={reasons.isPending ? t('picker.searching') : undefined}
            data={(reasons.data ?? []).map((r) => ({ value: r.name, label: r.text ?? r.name }))}
            value={reason}
            onChange={setReason}
            comboboxProps={{ withinPortal: true }}
            data-testid="request-reject-reason"
          />
          <Textarea size="xs" label={t('act.comment')} value={comment} onChange={(e) => setComment(e.currentTarget.value)} autosize minRows={2} />
          <Group gap={6}>
            <Button size="xs" color="red" disabled={!reason} loading={decide.isPending} onClick={() => decide.mutate({ decision: 'reject', rejectReason: reason!, ...(comment.trim() ? { comment: comment.trim() } : {}) })} data-testid="request-reject-confirm">
              {t('act.rejectConfirm')}
            </Button>
            <Button size="xs" variant="default" onClick={() => setRejecting(false)}>
              {t('act.cancel')}
            </Button>
          </Group>
        </Stack>
      )}
    </Stack>
  );
}

const STEP_COLOR: Record<string, string> = { pending: 'gray', running: 'blue', done: 'green', failed: 'red', cancelled: 'gray', held: 'orange' };

/** One line per action on this ticket, following its outbox steps: queued → sent (or failed). */
function Progress({ ticketId }: { ticketId: string }) {
  const { t, i18n } = useTranslation('records');
  const rem = useQuery({
    queryKey: ['remedies', 'ticket', ticketId],
    refetchInterval: 3_000,
    queryFn: ({ signal }) => api.get<Page<RemedyView>>(`/api/remedies?ticketId=${encodeURIComponent(ticketId)}`, { signal }).then((r) => r.items),
  });
  const items = rem.data ?? [];
  if (items.length === 0) return null;
  return (
    <Stack gap={4} mt={8} data-testid="action-progress">
      {items.map((r) => {
        const what = `${t(`remedyKind.${r.kind}`, { defaultValue: r.kind })}${r.refundAmount ? ` ${formatMoney(r.refundAmount, r.currency, i18n.language)}` : ''}`;
        const money = r.steps.find((s) => s.step === 'refund' || s.step === 'approve_return');
        const state = r.status === 'pending_approval' ? 'awaiting_approval' : r.status === 'rejected' ? 'declined' : money ? (money.status === 'done' ? 'sent' : money.status === 'failed' ? 'failed' : money.status === 'held' ? 'held' : 'queued') : r.status === 'completed' ? 'sent' : 'queued';
        return (
          <Group key={r.id} gap={6} wrap="nowrap" justify="space-between" data-testid="progress-line">
            <Text size="xs" truncate>
              {what}
            </Text>
            <Badge size="xs" variant="light" color={state === 'sent' ? 'green' : state === 'failed' ? 'red' : state === 'awaiting_approval' || state === 'held' ? 'orange' : STEP_COLOR.pending} data-testid="progress-state">
              {t(`progress.${state}`)}
            </Badge>
          </Group>
        );
      })}
    </Stack>
  );
}
