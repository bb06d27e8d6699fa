import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';
import type { ConnectionTestView, MailboxInput, MailboxSyncView, MailboxView } from '../../../../integrations/email/email.dto.js';
import type { WhatsAppNumberInput, WhatsAppNumberView } from '../../../../integrations/whatsapp/whatsapp.dto.js';
import type { BusinessAccountInput, BusinessAccountView, BusinessTestView, CommentPollView, VideoSourceView, VisibilityView } from '../../../../integrations/video-comments/comments.dto.js';

export type { ConnectionTestView, MailboxInput, MailboxSyncView, MailboxView, WhatsAppNumberInput, WhatsAppNumberView };
export type { BusinessAccountInput, BusinessAccountView, BusinessTestView, CommentPollView, VideoSourceView, VisibilityView };

export const channelKeys = {
  mailbox: (shopId: string) => ['channels', 'mailbox', shopId] as const,
  whatsapp: (shopId: string) => ['channels', 'whatsapp', shopId] as const,
  tiktokComments: (shopId: string) => ['channels', 'tiktok-comments', shopId] as const,
  commentVisibility: (commentId: string) => ['channels', 'comment-visibility', commentId] as const,
  commentSource: (commentId: string) => ['channels', 'comment-source', commentId] as const,
};

const enc = encodeURIComponent;

export const useMailbox = (shopId: string) =>
  useQuery({ queryKey: channelKeys.mailbox(shopId), queryFn: ({ signal }) => api.get<{ mailbox: MailboxView | null }>(`/api/shops/${enc(shopId)}/mailbox`, { signal }).then((r) => r.mailbox) });

export const useWhatsAppNumber = (shopId: string) =>
  useQuery({ queryKey: channelKeys.whatsapp(shopId), queryFn: ({ signal }) => api.get<{ number: WhatsAppNumberView | null }>(`/api/shops/${enc(shopId)}/whatsapp`, { signal }).then((r) => r.number) });

/** The shop's business account, and whether "Connect with TikTok" is offered by this installation. */
export const useTikTokCommentsAccount = (shopId: string) =>
  useQuery({ queryKey: channelKeys.tiktokComments(shopId), queryFn: ({ signal }) => api.get<{ account: BusinessAccountView | null; oauthAvailable: boolean }>(`/api/shops/${enc(shopId)}/tiktok-comments`, { signal }) });

/** The traffic source (analytics' creator/shop video) a buyer's comment sits under. */
export const useCommentSource = (commentId: string | undefined) =>
  useQuery({ queryKey: channelKeys.commentSource(commentId ?? ''), enabled: !!commentId, queryFn: ({ signal }) => api.get<VideoSourceView>(`/api/video-comments/${enc(commentId!)}/source`, { signal }) });

/** Whether a buyer's video comment is hidden (the server's word, so it survives a reload). */
export const useCommentVisibility = (commentId: string | undefined) =>
  useQuery({ queryKey: channelKeys.commentVisibility(commentId ?? ''), enabled: !!commentId, queryFn: ({ signal }) => api.get<VisibilityView>(`/api/video-comments/${enc(commentId!)}/visibility`, { signal }) });

export const channelsApi = {
  saveMailbox: (shopId: string, body: MailboxInput) => api.put<MailboxView>(`/api/shops/${enc(shopId)}/mailbox`, body),
  removeMailbox: (shopId: string) => api.delete<{ removed: true }>(`/api/shops/${enc(shopId)}/mailbox`),
  testMailbox: (shopId: string) => api.post<ConnectionTestView>(`/api/shops/${enc(shopId)}/mailbox/test`, {}),
  syncMailbox: (shopId: string) => api.post<MailboxSyncView>(`/api/shops/${enc(shopId)}/mailbox/sync`, {}),
  saveWhatsApp: (shopId: string, body: WhatsAppNumberInput) => api.put<WhatsAppNumberView>(`/api/shops/${enc(shopId)}/whatsapp`, body),
  removeWhatsApp: (shopId: string) => api.delete<{ removed: true }>(`/api/shops/${enc(shopId)}/whatsapp`),
  saveTikTokComments: (shopId: string, body: BusinessAccountInput) => api.put<BusinessAccountView>(`/api/shops/${enc(shopId)}/tiktok-comments`, body),
  testTikTokComments: (shopId: string) => api.post<BusinessTestView>(`/api/shops/${enc(shopId)}/tiktok-comments/test`, {}),
  authorizeTikTokComments: (shopId: string) => api.post<{ url: string }>(`/api/shops/${enc(shopId)}/tiktok-comments/authorize`, {}),
  pollTikTokComments: (shopId: string) => api.post<CommentPollView>(`/api/shops/${enc(shopId)}/tiktok-comments/poll`, {}),
  setCommentVisibility: (commentId: string, hidden: boolean) => api.post<VisibilityView>(`/api/video-comments/${enc(commentId)}/visibility`, { hidden }),
};
