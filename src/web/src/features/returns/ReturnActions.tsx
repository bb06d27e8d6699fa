import { Alert, Anchor, Button, Group, Image, Modal, Paper, SegmentedControl, Select, SimpleGrid, Stack, Text, Textarea, Timeline, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {useQuery, useQueryClient } from '@tanstack/react-query';
import { IconBuildingWarehouse, IconFileZip, IconGavel, IconMessage, IconPackage, IconSend, IconX } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router-dom';
import { api } from '../../lib/api';
import { useErrorMessage } from '../../lib/errors';
import { useSession } from '../../lib/session';
import { DISPUTE_REASONS, PACK_LANGUAGES, fileUrl, packUrl, useTimeline, type DisputeReason, type PackLanguage } from '../evidence/api';
import type { ReturnView } from './api';
import { formatterFor } from '../../lib/format';
import { useApiMutation } from '../../lib/mutation';

const isSha = (s: string) => /^[0-9a-f]{64}$/.test(s);

/** Every action the return's state allows, for the person's role. */
export function ReturnActionBar({ r }: { r: ReturnView }) {
  const { t } = useTranslation('returns');
  const { user } = useSession();
  const qc = useQueryClient();
  const message = useErrorMessage();
  const [cancelOpen, cancel] = useDisclosure(false);
  const [params] = useSearchParams();
  const [decideOpen, decide] = useDisclosure(params.get('decide') === '1' && r.status === 'inspection_failed');
  const [note, setNote] = useState('');
  const desk = user.role !== 'warehouse';
  const lead = user.role === 'owner' || user.role === 'supervisor';
  const waiting = ['requested', 'awaiting_parcel'].includes(r.status);
  const act = useApiMutation({
    // Its error is shown beside the control (from .error), not as a toast.
    onError: () => undefined,
    mutationFn: (a: { path: string; body?: unknown }) => api.post<ReturnView>(`/api/returns/${encodeURIComponent(r.id)}/${a.path}`, a.body ?? {}),
    onSuccess: () => {
      cancel.close();
      setNote('');
      void qc.invalidateQueries({ queryKey: ['returns'] });
    },
  });
  return (
    <Stack gap="xs">
      <Group gap="xs" data-testid="return-actions">
        {lead && r.status === 'inspection_failed' && (
          <Button color="red" leftSection={<IconGavel size={16} />} onClick={decide.open} data-testid="open-decision">
            {t('act.decide')}
          </Button>
        )}
        {desk && waiting && r.ticketId && (
          <Button variant="light" leftSection={<IconSend size={16} />} loading={act.isPending && act.variables?.path === 'resend-instructions'} onClick={() => act.mutate({ path: 'resend-instructions' })} data-testid="resend-instructions">
            {t('act.resend')}
          </Button>
        )}
        {user.role !== 'agent' && waiting && (
          <Button variant="default" component={Link} to={`/warehouse?code=${encodeURIComponent(r.rma)}`} leftSection={<IconBuildingWarehouse size={16} />} data-testid="receive-link">
            {t('act.receive')}
          </Button>
        )}
        {lead && r.appeal?.status === 'open' && (
          <>
            <Button variant="light" color="green" onClick={() => act.mutate({ path: 'appeal', body: { outcome: 'won' } })} data-testid="appeal-won">
              {t('act.appealWon')}
            </Button>
            <Button variant="light" color="red" onClick={() => act.mutate({ path: 'appeal', body: { outcome: 'lost' } })} data-testid="appeal-lost">
              {t('act.appealLost')}
            </Button>
          </>
        )}
        {desk && waiting && r.refund.status !== 'sent' && (
          <Button variant="subtle" color="gray" leftSection={<IconX size={16} />} onClick={cancel.open} data-testid="cancel-return">
            {t('act.cancel')}
          </Button>
        )}
      </Group>
      {act.isSuccess && act.variables?.path === 'resend-instructions' && (
        <Text size="xs" c="teal" data-testid="resent">
          {t('act.resent')}
        </Text>
      )}
      {act.error && (
        <Alert color="red" data-testid="return-action-error">
          {message(act.error)}
        </Alert>
      )}
      <Modal opened={cancelOpen} onClose={cancel.close} title={t('act.cancelTitle', { rma: r.rma })}>
        <Stack>
          <Textarea label={t('act.note')} value={note} onChange={(e) => setNote(e.currentTarget.value)} required autosize minRows={2} data-testid="cancel-note" />
          <Button color="red" disabled={!note.trim()} loading={act.isPending} onClick={() => act.mutate({ path: 'cancel', body: { note: note.trim() } })} data-testid="cancel-confirm">
            {t('act.cancelConfirm')}
          </Button>
        </Stack>
      </Modal>
      <Modal opened={decideOpen} onClose={decide.close} title={t('act.decideTitle', { rma: r.rma })} size="lg">
        {decideOpen && <DecisionForm r={r} onDone={decide.close} />}
      </Modal>
    </Stack>
  );
}

/** The supervisor's decision after a failed inspection: pay anyway, or reject with the platform's reason. */
export function DecisionForm({ r, onDone }: { r: ReturnView; onDone: () => void }) {
  const { t } = useTranslation('returns');
  const qc = useQueryClient();
  const message = useErrorMessage();
  const [decision, setDecision] = useState<'reject' | 'refund_anyway'>('reject');
  const [reason, setReason] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const tiktok = !!r.platformReturnId;
  const reasons = useQuery({
    queryKey: ['returns', r.id, 'reject-reasons'],
    enabled: tiktok,
    queryFn: ({ signal }) => api.get<{ items: { name: string; text: string | null }[] }>(`/api/returns/${encodeURIComponent(r.id)}/reject-reasons`, { signal }).then((x) => x.items),
  });
  const send = useApiMutation({
    // Its error is shown beside the control (from .error), not as a toast.
    onError: () => undefined,
    mutationFn: () => api.post<ReturnView>(`/api/returns/${encodeURIComponent(r.id)}/decide`, { decision, note: note.trim(), ...(decision === 'reject' && tiktok && reason ? { rejectReason: reason } : {}) }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['returns'] });
      onDone();
    },
  });
  return (
    <Stack data-testid="decision-form">
      <Text size="sm">
        {t('act.decideContext', { grade: r.inspection.grade ? t(`grades.${r.inspection.grade}`) : '—' })}
        {r.inspection.note ? ` — «${r.inspection.note}»` : ''}
      </Text>
      <SegmentedControl
        value={decision}
        onChange={(v) => setDecision(v as 'reject' | 'refund_anyway')}
        data={[
          { value: 'reject', label: t('act.reject') },
          { value: 'refund_anyway', label: t('act.refundAnyway') },
        ]}
        data-testid="decision-choice"
      />
      {decision === 'reject' && tiktok && (
        <Select
          label={t('act.platformReason')}
          placeholder={reasons.isPending ? t('act.loading') : undefined}
          data={(reasons.data ?? []).map((x) => ({ value: x.name, label: x.text ?? x.name }))}
          value={reason}
          onChange={setReason}
          required
          error={reasons.error ? message(reasons.error) : undefined}
          data-testid="decision-reason"
        />
      )}
      <Textarea label={t('act.note')} value={note} onChange={(e) => setNote(e.currentTarget.value)} required autosize minRows={2} data-testid="decision-note" />
      {send.error && <Alert color="red">{message(send.error)}</Alert>}
      <Button color={decision === 'reject' ? 'red' : 'green'} disabled={!note.trim() || (decision === 'reject' && tiktok && !reason)} loading={send.isPending} onClick={() => send.mutate()} data-testid="decision-confirm">
        {decision === 'reject' ? t('act.rejectConfirm') : t('act.refundConfirm')}
      </Button>
    </Stack>
  );
}

/** Links to the conversation, the order and the evidence case; photos; the inspection note; every recorded step. */
export function ReturnContext({ r }: { r: ReturnView }) {
  const { t, i18n } = useTranslation('returns');
  const { user } = useSession();
  const desk = user.role !== 'warehouse';
  const timeline = useTimeline(r.id);
  const [reason, setReason] = useState<DisputeReason>('not_as_described');
  const [language, setLanguage] = useState<PackLanguage>(i18n.language === 'zh-CN' ? 'zh-CN' : 'en');
  const photos = [...r.photos.map((p) => ({ p, who: 'buyer' })), ...r.inspection.photos.map((p) => ({ p, who: 'inspection' }))];
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }}>
      <Paper withBorder radius="md" p="md" data-testid="return-links">
        <Title order={4} fz={15} mb="sm">
          {t('ctx.title')}
        </Title>
        <Stack gap={6}>
          {desk && r.ticketId && (
            <Anchor component={Link} to={`/inbox/${r.ticketId}`} data-testid="link-ticket">
              <Group gap={6}>
                <IconMessage size={14} />
                {t('ctx.conversation')}
              </Group>
            </Anchor>
          )}
          {desk && (
            <Anchor component={Link} to={`/orders/${r.orderId}`} data-testid="link-order">
              <Group gap={6}>
                <IconPackage size={14} />
                {t('ctx.order')}
              </Group>
            </Anchor>
          )}
          {desk && (
            <Anchor component={Link} to={`/evidence/${r.id}`} data-testid="link-evidence">
              <Group gap={6}>
                <IconFileZip size={14} />
                {t('ctx.evidence')}
              </Group>
            </Anchor>
          )}
        </Stack>
        {r.inspection.note && (
          <Text size="sm" mt="sm" data-testid="inspection-note">
            {t('ctx.inspectionNote')}: «{r.inspection.note}»
          </Text>
        )}
        {r.buyerNote && (
          <Text size="sm" mt="xs">
            {t('ctx.buyerNote')}: «{r.buyerNote}»
          </Text>
        )}
        {photos.length > 0 && (
          <SimpleGrid cols={4} mt="sm" data-testid="return-photos">
            {photos.map(({ p, who }) => (
              <Anchor key={`${who}-${p}`} href={isSha(p) ? fileUrl(p) : p} target="_blank" rel="noreferrer" title={t(`ctx.photo.${who}`)} size="xs">
                {/* Only our stored copies are shown inline (the page's policy loads images from here alone); a platform link opens in a tab. */}
                {isSha(p) ? <Image src={fileUrl(p)} h={64} radius="sm" fit="cover" alt={t(`ctx.photo.${who}`)} /> : t(`ctx.photo.${who}`)}
              </Anchor>
            ))}
          </SimpleGrid>
        )}
        {desk && (
          <Group mt="md" gap="xs" align="flex-end" wrap="wrap">
            <Select size="xs" w={190} label={t('ctx.packReason')} value={reason} onChange={(v) => v && setReason(v as DisputeReason)} data={DISPUTE_REASONS.map((x) => ({ value: x, label: t(`ctx.reasons.${x}`) }))} data-testid="pack-reason" />
            <Select size="xs" w={120} label={t('ctx.packLanguage')} value={language} onChange={(v) => v && setLanguage(v as PackLanguage)} data={PACK_LANGUAGES.map((x) => ({ value: x, label: x }))} data-testid="pack-language" />
            <Button size="xs" variant="default" component="a" href={packUrl(r.id, reason, language)} data-testid="pack-download">
              {t('appeal.pack')}
            </Button>
          </Group>
        )}
      </Paper>
      {desk && (
        <Paper withBorder radius="md" p="md" data-testid="return-timeline">
          <Title order={4} fz={15} mb="sm">
            {t('ctx.timeline')}
          </Title>
          <Timeline bulletSize={12} lineWidth={2}>
            {(timeline.data?.records ?? []).map((x) => (
              <Timeline.Item key={x.id} title={<Text size="xs" fw={600}>{t(`ctx.kinds.${x.kind}`, { defaultValue: x.kind })}</Text>}>
                <Text size="xs">{x.summary}</Text>
                <Text size="xs" c="dimmed">
                  {formatterFor(i18n.language).dateTime(x.occurredAt)}
                </Text>
              </Timeline.Item>
            ))}
          </Timeline>
        </Paper>
      )}
    </SimpleGrid>
  );
}
