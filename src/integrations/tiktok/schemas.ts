import { z } from 'zod';
import { Decimal, Id, OptId, UnixSeconds } from './json.js';

/**
 * Zod shapes of the TikTok Shop payloads we use. All objects are loose: unknown fields are kept
 * (and reported as drift by parseResponse). Enums are plain strings on purpose: the platform's
 * docs, SDK and webhooks disagree on spellings, so we store raw values and map them leniently.
 */
const str = z.string();
const optStr = z.string().optional().nullable();

export const Envelope = z.looseObject({
  code: z.number().int(),
  message: z.string().default(''),
  request_id: z.string().optional().default(''),
  data: z.unknown().optional().nullable(),
});
export type Envelope = z.infer<typeof Envelope>;

export const TokenData = z.looseObject({
  access_token: str,
  access_token_expire_in: UnixSeconds,
  refresh_token: str,
  refresh_token_expire_in: UnixSeconds,
  open_id: optStr,
  seller_name: optStr,
  seller_base_region: optStr,
  user_type: z.number().int().optional(),
  granted_scopes: z.array(str).optional(),
});
export type TokenData = z.infer<typeof TokenData>;

export const AuthorizedShop = z.looseObject({
  id: Id,
  name: str,
  region: str,
  code: optStr,
  cipher: str,
  seller_type: optStr,
});
export const AuthorizedShopsData = z.looseObject({ shops: z.array(AuthorizedShop).default([]) });
export type AuthorizedShop = z.infer<typeof AuthorizedShop>;

export const Payment = z.looseObject({
  currency: str,
  sub_total: Decimal.optional(),
  shipping_fee: Decimal.optional(),
  seller_discount: Decimal.optional(),
  platform_discount: Decimal.optional(),
  original_total_product_price: Decimal.optional(),
  tax: Decimal.optional(),
  total_amount: Decimal,
});

export const LineItem = z.looseObject({
  id: Id,
  sku_id: Id,
  product_id: Id,
  product_name: str,
  sku_name: optStr,
  seller_sku: optStr,
  sku_image: optStr,
  original_price: Decimal,
  sale_price: Decimal,
  seller_discount: Decimal.optional(),
  platform_discount: Decimal.optional(),
  currency: str,
  display_status: optStr,
  package_status: optStr,
  tracking_number: optStr,
  shipping_provider_name: optStr,
  is_gift: z.boolean().optional(),
  product_category: optStr,
});
export type LineItem = z.infer<typeof LineItem>;

export const Order = z.looseObject({
  id: Id,
  status: str,
  user_id: Id,
  buyer_email: optStr,
  buyer_nickname: optStr,
  buyer_message: optStr,
  create_time: UnixSeconds,
  paid_time: UnixSeconds.optional(),
  update_time: UnixSeconds,
  delivery_time: UnixSeconds.optional(),
  cancel_reason: optStr,
  is_on_hold_order: z.boolean().optional(),
  shipping_provider: optStr,
  shipping_provider_id: optStr,
  tracking_number: optStr,
  fulfillment_type: optStr,
  shipping_type: optStr,
  order_type: optStr,
  is_sample_order: z.boolean().optional(),
  recipient_address: z.looseObject({ region_code: optStr, name: optStr, full_address: optStr, postal_code: optStr }).optional(),
  payment: Payment,
  line_items: z.array(LineItem),
});
export type Order = z.infer<typeof Order>;

export const OrderSearchData = z.looseObject({
  orders: z.array(Order).default([]),
  next_page_token: z.string().default(''),
  total_count: z.number().int().optional(),
});
export const OrderDetailData = z.looseObject({ orders: z.array(Order).default([]) });

export const SellerNextAction = z.looseObject({ action: str, deadline: UnixSeconds.optional() });

export const ReturnLineItem = z.looseObject({
  return_line_item_id: Id,
  order_line_item_id: Id,
  sku_id: OptId,
  sku_name: optStr,
  product_name: optStr,
  seller_sku: optStr,
  product_image: z.unknown().optional(),
  refund_amount: z.looseObject({ currency: str, refund_total: Decimal.optional() }).optional(),
});

export const ReturnOrder = z.looseObject({
  return_id: Id,
  order_id: Id,
  return_type: str,
  return_status: str,
  arbitration_status: optStr,
  role: optStr,
  return_reason: optStr,
  return_reason_text: optStr,
  return_line_items: z.array(ReturnLineItem).default([]),
  /** The request's amounts. A seller's partial refund offer is never here (see partial_refund). */
  refund_amount: z
    .looseObject({ currency: str, refund_total: Decimal.optional(), refund_subtotal: Decimal.optional(), refund_shipping_fee: Decimal.optional(), refund_tax: Decimal.optional(), retail_delivery_fee: Decimal.optional(), buyer_service_fee: Decimal.optional() })
    .optional(),
  seller_next_action_response: z.array(SellerNextAction).optional().nullable(),
  /** PARTIAL_REFUND while the seller's offer stands (return_status AWAITING_BUYER_RESPONSE). */
  seller_proposed_return_type: optStr,
  partial_refund: z.looseObject({ amount: Decimal.optional(), currency: optStr }).optional().nullable(),
  buyer_rejected_partial_refund: z.boolean().optional().nullable(),
  return_tracking_number: optStr,
  shipment_type: optStr,
  handover_method: optStr,
  return_method: optStr,
  can_buyer_keep_item: z.boolean().optional(),
  create_time: UnixSeconds,
  update_time: UnixSeconds,
});
export type ReturnOrder = z.infer<typeof ReturnOrder>;
export const ReturnSearchData = z.looseObject({
  return_orders: z.array(ReturnOrder).default([]),
  next_page_token: z.string().default(''),
  total_count: z.number().int().optional(),
});

export const ReturnRecord = z.looseObject({
  event: optStr,
  role: optStr,
  description: optStr,
  reason_text: optStr,
  note: optStr,
  images: z.array(z.looseObject({ url: optStr, width: z.number().optional(), height: z.number().optional() })).optional().nullable(),
  videos: z.array(z.looseObject({ url: optStr, cover: optStr })).optional().nullable(),
  create_time: UnixSeconds,
});
export type ReturnRecord = z.infer<typeof ReturnRecord>;
export const ReturnRecordsData = z.looseObject({ records: z.array(ReturnRecord).default([]) });

export const Cancellation = z.looseObject({
  cancel_id: Id,
  order_id: Id,
  cancel_type: str,
  cancel_status: str,
  role: optStr,
  cancel_reason: optStr,
  cancel_reason_text: optStr,
  cancel_line_items: z.array(z.looseObject({ order_line_item_id: Id, sku_id: OptId, refund_amount: z.looseObject({ currency: str, refund_total: Decimal.optional() }).optional() })).default([]),
  refund_amount: z.looseObject({ currency: str, refund_total: Decimal.optional() }).optional(),
  seller_next_action_response: z.array(SellerNextAction).optional().nullable(),
  create_time: UnixSeconds,
  update_time: UnixSeconds,
});
export type Cancellation = z.infer<typeof Cancellation>;
export const CancellationSearchData = z.looseObject({
  cancellations: z.array(Cancellation).default([]),
  next_page_token: z.string().default(''),
  total_count: z.number().int().optional(),
});

/** A participant as the 202309 conversation list returns it (`buyer_platform` only for Indonesian buyers). */
export const Participant = z.looseObject({
  im_user_id: OptId,
  user_id: OptId,
  nickname: optStr,
  avatar: optStr,
  role: str,
  buyer_platform: optStr,
});
export const LatestMessage = z.looseObject({
  id: OptId,
  index: OptId,
  type: optStr,
  content: optStr,
  create_time: UnixSeconds.optional(),
  is_visible: z.boolean().optional(),
  sender: z.looseObject({ im_user_id: OptId, nickname: optStr, role: optStr, avatar: optStr }).optional().nullable(),
});
/** One row of Get Conversations (202309). */
export const Conversation = z.looseObject({
  id: Id,
  participants: z.array(Participant).default([]),
  participant_count: z.number().int().optional(),
  latest_message: LatestMessage.optional().nullable(),
  unread_count: z.number().int().optional(),
  can_send_message: z.boolean().optional(),
  create_time: UnixSeconds,
});
export type Conversation = z.infer<typeof Conversation>;
export const ConversationListData = z.looseObject({ conversations: z.array(Conversation).default([]), next_page_token: z.string().default('') });

/**
 * Get Conversation (202601): `data` wraps the object in `conversation`, which has fewer fields
 * than a list row (no latest_message, no can_send_message) and names the participant's platform
 * `platform` rather than `buyer_platform`.
 */
export const ConversationDetail = z.looseObject({
  id: Id,
  participants: z
    .array(z.looseObject({ im_user_id: OptId, user_id: OptId, nickname: optStr, avatar: optStr, role: str, platform: optStr }))
    .default([]),
  participant_count: z.number().int().optional(),
  unread_count: z.number().int().optional(),
  create_time: UnixSeconds,
});
export type ConversationDetail = z.infer<typeof ConversationDetail>;
export const ConversationDetailData = z.looseObject({ conversation: ConversationDetail });

/** What the chat mapping needs from either shape: the id and who takes part. */
export interface ConversationRef {
  id: string;
  participants: { role: string; user_id?: string | undefined; nickname?: string | null | undefined }[];
}

export const Message = z.looseObject({
  id: Id,
  index: OptId,
  type: str,
  content: z.string(),
  sender: z.looseObject({ im_user_id: OptId, nickname: optStr, role: str, avatar: optStr }),
  is_visible: z.boolean().optional(),
  /** Only with need_data=true: extra detail such as a logistics card's tracking (times in ms). */
  data: z.unknown().optional(),
  create_time: UnixSeconds,
});
export type Message = z.infer<typeof Message>;
export const MessageListData = z.looseObject({ messages: z.array(Message).default([]), next_page_token: z.string().default(''), unsupported_msg_tips: optStr });
export const EmptyData = z.looseObject({});
/** Get Reject Reasons: the names a reject of this return or cancellation may carry, with display text. */
export const RejectReasonsData = z.looseObject({ reasons: z.array(z.looseObject({ name: str, text: optStr })).default([]) });
export type RejectReason = z.infer<typeof RejectReasonsData>['reasons'][number];
export const SendMessageData = z.looseObject({ message_id: Id });
export const CreateReturnData = z.looseObject({ return_id: Id, return_status: optStr });
export const CancelOrderData = z.looseObject({ cancel_id: Id, cancel_status: optStr });
export const WebhookListData = z.looseObject({ webhooks: z.array(z.looseObject({ event_type: str, address: str })).default([]) });

/** Webhook envelope (after the signature check). `type` is the numeric event type. */
export const WebhookEvent = z.looseObject({
  type: z.number().int(),
  tts_notification_id: OptId,
  shop_id: Id,
  timestamp: UnixSeconds.optional(),
  data: z.record(z.string(), z.unknown()).default({}),
});
export type WebhookEvent = z.infer<typeof WebhookEvent>;

export const WEBHOOK_TYPES: Record<number, string> = {
  1: 'ORDER_STATUS_CHANGE',
  2: 'REVERSE_STATUS_UPDATE',
  3: 'RECIPIENT_ADDRESS_UPDATE',
  4: 'PACKAGE_UPDATE',
  5: 'PRODUCT_STATUS_CHANGE',
  6: 'SELLER_DEAUTHORIZATION',
  7: 'UPCOMING_AUTHORIZATION_EXPIRATION',
  11: 'CANCELLATION_STATUS_CHANGE',
  12: 'RETURN_STATUS_CHANGE',
  13: 'NEW_CONVERSATION',
  14: 'NEW_MESSAGE',
  15: 'PRODUCT_INFORMATION_CHANGE',
  16: 'PRODUCT_CREATION',
};

// Product API 202309 (Search Products, Get Product): the fields buyers ask about.
const ProductImage = z.looseObject({ uri: optStr, urls: z.array(str).optional(), thumb_urls: z.array(str).optional(), width: z.number().optional(), height: z.number().optional() });
export const ProductSku = z.looseObject({
  id: Id,
  seller_sku: optStr,
  price: z.looseObject({ currency: str, sale_price: Decimal.optional(), tax_exclusive_price: Decimal.optional() }).optional().nullable(),
  inventory: z.array(z.looseObject({ quantity: z.number().optional(), warehouse_id: optStr })).optional(),
  sales_attributes: z.array(z.looseObject({ id: optStr, name: optStr, value_id: optStr, value_name: optStr })).optional(),
});
export const ProductSearchItem = z.looseObject({
  id: Id,
  title: str,
  status: str,
  skus: z.array(ProductSku).optional(),
  create_time: UnixSeconds.optional(),
  update_time: UnixSeconds.optional(),
});
export const ProductSearchData = z.looseObject({
  products: z.array(ProductSearchItem).default([]),
  next_page_token: z.string().default(''),
  total_count: z.number().int().optional(),
});
export const ProductDetailData = z.looseObject({
  id: Id,
  title: str,
  status: str,
  description: z.string().default(''),
  category_chains: z.array(z.looseObject({ id: optStr, parent_id: optStr, local_name: optStr, is_leaf: z.boolean().optional() })).optional(),
  brand: z.looseObject({ id: optStr, name: optStr }).optional().nullable(),
  main_images: z.array(ProductImage).optional(),
  size_chart: z.looseObject({ image: ProductImage.optional().nullable(), template: z.looseObject({ id: optStr }).optional().nullable() }).optional().nullable(),
  product_attributes: z.array(z.looseObject({ id: optStr, name: str, values: z.array(z.looseObject({ id: optStr, name: str })).default([]) })).optional(),
  skus: z.array(ProductSku).default([]),
  create_time: UnixSeconds.optional(),
  update_time: UnixSeconds.optional(),
});
export type ProductDetailData = z.infer<typeof ProductDetailData>;
