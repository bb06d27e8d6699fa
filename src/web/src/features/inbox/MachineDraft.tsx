import { Badge, Button, Group, Modal, Text, Tooltip } from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconLanguage } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { useErrorMessage } from '../../lib/errors';
import { useTicketMutation, type MessageView } from './api';

/** A reply draft a machine translated, as the composer holds it until it is sent. */
export interface ComposerDraft {
  provider: string;
  to: string;
  reviewed: boolean;
}

/**
 * In the composer: the draft is a machine translation nobody has checked yet, until the sender says
 * they did ("Reviewed"). Sending it unchecked asks first (`ConfirmUnreviewed`).
 */
export function DraftReviewNotice({ draft, onReviewed }: { draft: ComposerDraft; onReviewed: () => void }) {
  const { t } = useTranslation('inbox');
  return (
    <Group gap={6} mb={4} wrap="wrap" data-testid="machine-draft" data-reviewed={draft.reviewed}>
      <Badge size="xs" variant="light" radius="sm" color={draft.reviewed ? 'teal' : 'orange'} leftSection={<IconLanguage size={11} />} data-testid="machine-draft-state">
        {draft.reviewed ? t('machineDraft.reviewedShort', { language: draft.to.toUpperCase() }) : t('machineDraft.unreviewed', { language: draft.to.toUpperCase(), provider: draft.provider })}
      </Badge>
      {!draft.reviewed && (
        <Button size="compact-xs" variant="light" color="teal" leftSection={<IconCheck size={12} />} onClick={onReviewed} data-testid="machine-draft-review">
          {t('machineDraft.markReviewed')}
        </Button>
      )}
    </Group>
  );
}

export function ConfirmUnreviewed({ opened, onCancel, onConfirm }: { opened: boolean; onCancel: () => void; onConfirm: () => void }) {
  const { t } = useTranslation('inbox');
  return (
    <Modal opened={opened} onClose={onCancel} title={t('machineDraft.confirmTitle')} centered size="sm">
      <Group gap={8} wrap="nowrap" align="flex-start" mb="md">
        <IconAlertTriangle size={18} color="var(--mantine-color-orange-6)" />
        <Text size="sm">{t('machineDraft.confirmText')}</Text>
      </Group>
      <Group justify="flex-end" gap="xs">
        <Button size="xs" variant="default" onClick={onCancel} data-testid="machine-draft-cancel">
          {t('machineDraft.back')}
        </Button>
        <Button size="xs" color="orange" onClick={onConfirm} data-testid="machine-draft-send-anyway">
          {t('machineDraft.sendAnyway')}
        </Button>
      </Group>
    </Modal>
  );
}

/** On a sent reply: machine translated, and whether a person checked it (anyone may confirm it later). */
export function MessageDraftBadge({ m, names }: { m: MessageView; names?: Map<string, string> }) {
  const { t } = useTranslation('inbox');
  const message = useErrorMessage();
  const review = useTicketMutation(m.ticketId, () => api.post(`/api/tickets/${m.ticketId}/messages/${m.id}/review`, {}));
  const d = m.machineDraft;
  if (!d) return null;
  if (d.reviewed) {
    const who = d.reviewedBy ? (names?.get(d.reviewedBy) ?? t('ticket.someone')) : t('ticket.someone');
    return (
      <Tooltip label={t('machineDraft.reviewedBy', { name: who })}>
        <Badge size="xs" variant="light" color="teal" radius="sm" leftSection={<IconLanguage size={11} />} data-testid="message-machine-draft" data-reviewed="true">
          {t('machineDraft.reviewedShort', { language: d.to.toUpperCase() })}
        </Badge>
      </Tooltip>
    );
  }
  return (
    <Group gap={4} wrap="nowrap">
      <Badge size="xs" variant="light" color="orange" radius="sm" leftSection={<IconLanguage size={11} />} data-testid="message-machine-draft" data-reviewed="false">
        {t('machineDraft.sentUnreviewed')}
      </Badge>
      <Tooltip label={review.error ? message(review.error) : t('machineDraft.markReviewed')}>
        <Button size="compact-xs" variant="subtle" color="teal" loading={review.isPending} onClick={() => review.mutate(undefined)} data-testid="message-machine-draft-review" aria-label={t('machineDraft.markReviewed')}>
          <IconCheck size={12} />
        </Button>
      </Tooltip>
    </Group>
  );
}
