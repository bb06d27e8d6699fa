import { Alert, Anchor, Badge, Button, Group, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconChartBar, IconEye, IconEyeOff, IconVideo } from '@tabler/icons-react';
import { Link } from 'react-router-dom';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../../lib/format';
import { useApiMutation } from '../../lib/mutation';
import { useSession } from '../../lib/session';
import { channelKeys, channelsApi, useCommentSource, useCommentVisibility } from '../channels/api';
import type { MessageView } from './api';

/** The longest public reply under a TikTok comment (the server refuses longer ones). */
export const COMMENT_REPLY_MAX = 150;

/** Under a buyer's video comment: the video it was written under, and hiding the comment. */
export function VideoCommentBar({ m }: { m: MessageView }) {
  const { t } = useTranslation('inbox');
  const vc = m.channelMeta?.videoComment;
  const cache = useQueryClient();
  const state = useCommentVisibility(m.direction === 'inbound' ? vc?.commentId : undefined);
  const hidden = state.data?.hidden ?? false;
  const toggle = useApiMutation({
    mutationFn: (hide: boolean) => channelsApi.setCommentVisibility(vc!.commentId, hide),
    onSuccess: (r) => {
      cache.setQueryData(channelKeys.commentVisibility(r.commentId), r);
      notifications.show({ color: 'teal', message: r.hidden ? t('videoComment.hiding') : t('videoComment.showing') });
    },
  });
  if (!vc || m.direction !== 'inbound') return null;
  return (
    <Group gap="xs" mt={6} wrap="wrap" data-testid="video-comment-bar">
      <IconVideo size={14} color="var(--mantine-color-pink-7)" />
      {vc.videoUrl ? (
        <Anchor size="xs" href={vc.videoUrl} target="_blank" rel="noreferrer noopener">
          {vc.caption ? t('videoComment.onVideo', { caption: vc.caption }) : t('videoComment.openVideo')}
        </Anchor>
      ) : (
        <Text size="xs" c="dimmed">
          {vc.caption ?? vc.videoId}
        </Text>
      )}
      {hidden ? (
        <Badge size="xs" variant="light" color={state.data?.pending ? 'yellow' : 'gray'} data-testid="video-comment-hidden">
          {state.data?.pending ? t('videoComment.hidingPending') : t('videoComment.hiddenBadge')}
        </Badge>
      ) : state.data?.pending ? (
        <Badge size="xs" variant="light" color="yellow" data-testid="video-comment-hidden">
          {t('videoComment.showingPending')}
        </Badge>
      ) : null}
      <Button size="compact-xs" variant="subtle" color="gray" leftSection={hidden ? <IconEye size={12} /> : <IconEyeOff size={12} />} loading={toggle.isPending || state.isLoading} onClick={() => toggle.mutate(!hidden)} data-testid="video-comment-visibility">
        {hidden ? t('videoComment.show') : t('videoComment.hide')}
      </Button>
      <VideoSource commentId={vc.commentId} />
    </Group>
  );
}

/** The video as a traffic source in analytics: what it sold and returned, complaints from its comments. */
function VideoSource({ commentId }: { commentId: string }) {
  const { t } = useTranslation('inbox');
  const fmt = useFormat();
  const { can } = useSession();
  const q = useCommentSource(commentId);
  const s = q.data;
  if (!s) return null;
  const text = s.attributed
    ? t('videoComment.source', { orders: fmt.number(s.orders), returns: fmt.number(s.returns), complaints: fmt.number(s.commentComplaints) })
    : t('videoComment.sourceNone', { complaints: fmt.number(s.commentComplaints) });
  return (
    <Group gap={4} wrap="nowrap" data-testid="video-comment-source">
      <IconChartBar size={12} color="var(--mantine-color-dimmed)" />
      {can(['owner', 'supervisor']) ? (
        <Anchor size="xs" component={Link} to={`/analytics?shop=${encodeURIComponent(s.shopId)}&sourceType=${s.sourceType}&sourceId=${encodeURIComponent(s.sourceId)}`}>
          {text}
        </Anchor>
      ) : (
        <Text size="xs" c="dimmed">
          {text}
        </Text>
      )}
    </Group>
  );
}

/** Above the composer on a comment ticket: the reply is public, short, and without files. */
export function PublicReplyWarning({ length }: { length: number }) {
  const { t } = useTranslation('inbox');
  const over = length > COMMENT_REPLY_MAX;
  return (
    <Alert variant="light" color={over ? 'red' : 'yellow'} p="xs" mb={6} data-testid="public-reply-warning">
      <Group justify="space-between" gap="xs" wrap="nowrap">
        <Text size="xs">{t('videoComment.publicWarning', { max: COMMENT_REPLY_MAX })}</Text>
        <Text size="xs" fw={700} c={over ? 'red' : 'dimmed'} style={{ whiteSpace: 'nowrap' }} data-testid="comment-length">
          {length}/{COMMENT_REPLY_MAX}
        </Text>
      </Group>
    </Alert>
  );
}

const WHATSAPP_WINDOW_MS = 24 * 3_600_000;

/** On a WhatsApp ticket whose buyer has been silent for over 24 hours: free-form replies are refused. */
export function WhatsAppWindowNotice({ lastInboundAt }: { lastInboundAt: string | null }) {
  const { t } = useTranslation('inbox');
  const fmt = useFormat();
  const closedAt = lastInboundAt ? new Date(new Date(lastInboundAt).getTime() + WHATSAPP_WINDOW_MS) : null;
  if (closedAt && closedAt.getTime() > Date.now()) return null;
  return (
    <Alert variant="light" color="orange" p="xs" mb={6} data-testid="whatsapp-window-closed">
      <Text size="xs">{closedAt ? t('whatsappWindow.closed', { at: fmt.dateTime(closedAt.toISOString()) }) : t('whatsappWindow.none')}</Text>
    </Alert>
  );
}
