import { marketOf, SELLER_CANCEL_REASONS, SELLER_CREATE_REASONS, sellerCancelReasons, sellerCreateReasons } from '../reasons.js';

/**
 * Reason codes the sandbox accepts, by the step they belong to. The names are the platform's
 * (Partner Center "Return reasons", "Refund reasons" and "Cancel reasons" tables, US market, with
 * the UK's `_uk` variants); the display texts are our own short wording. EU shops use the unsuffixed
 * names, as the other non-UK markets in those tables do.
 */
export type RejectStage = 'request' | 'parcel' | 'cancel';
export type ReasonProblem = { code: number; message: string };

const UK_SUFFIXED = /^(reverse_reject_request_reason_\d|reverse_reject_return_parcel_reason_\d|order_manage_list_action_respond_popup_reject_reason_[a-z_]+)$/;

const REJECT: Record<RejectStage, [string, string][]> = {
  request: [
    ['reverse_reject_request_reason_1', 'The buyer’s reason does not apply'],
    ['reverse_reject_request_reason_2', 'Change-of-mind returns are not accepted'],
    ['reverse_reject_request_reason_3', 'Not eligible for return (used or broken)'],
    ['reverse_reject_request_reason_4', 'Delivery is on schedule'],
    ['reverse_reject_request_reason_5', 'Agreed otherwise with the buyer'],
    ['seller_reject_apply_item_is_correct', 'The item sent is correct'],
    ['seller_reject_apply_products_will_be_sent_separately', 'Items ship in separate parcels'],
    ['seller_reject_apply_reason_is_unclear_or_lack_of_evidence', 'Reason unclear or not supported by evidence'],
    ['seller_reject_apply_product_functions_well/buyer_use_in_wrong_way', 'The product works; it was used the wrong way'],
    ['seller_reject_apply_package_has_not_exceeded_estimated_delivery_time', 'Shipped; the parcel cannot be recalled'],
  ],
  parcel: [
    ['reverse_reject_return_parcel_reason_1', 'The returned item is not the one sent'],
    ['reverse_reject_return_parcel_reason_2', 'Not eligible for return (used or broken)'],
    ['reverse_reject_return_parcel_reason_3', 'Items or parts are missing'],
    ['reverse_reject_return_parcel_reason_4', 'The parcel has not arrived'],
    ['reverse_reject_return_parcel_reason_5', 'The item came back damaged or used'],
    ['seller_reject_apply_you_have_reached_an_agreement_with_the_buyer', 'Agreed otherwise with the buyer'],
  ],
  cancel: [
    ['order_manage_list_action_respond_popup_reject_reason_invalid_cancellation_reason', 'The cancellation reason does not apply'],
    ['order_manage_list_action_respond_popup_reject_reason_delivered', 'Delivery is on schedule'],
    ['order_manage_list_action_respond_popup_reject_reason_buyer_agree', 'Agreed otherwise with the buyer'],
    ['seller_reject_apply_product_has_been_packed', 'The order is already packed'],
  ],
};

/** A name the tables list twice in two spellings; the sandbox treats the odd one as taken offline. */
const RETIRED = new Set(['seller_reject_apply_reason_is_unclear_/_lack_of_evidence']);

const forRegion = (name: string, region: string) => (region === 'GB' && UK_SUFFIXED.test(name) ? `${name}_uk` : name);

export function rejectReasons(stage: RejectStage, region: string): { name: string; text: string }[] {
  return REJECT[stage].map(([name, text]) => ({ name: forRegion(name, region), text }));
}

/** The platform's answer to a reject reason (Reject Return error table), or null when it is fine. */
export function rejectReasonProblem(name: string, stage: RejectStage, region: string): ReasonProblem | null {
  if (rejectReasons(stage, region).some((r) => r.name === name)) return null;
  if (RETIRED.has(name)) return { code: 25001020, message: `reject_reason ${name} is offline; pick one from Get Reject Reasons` };
  const anyRegion = (s: RejectStage) => REJECT[s].some(([n]) => n === name || `${n}_uk` === name);
  if (anyRegion(stage)) return { code: 25001057, message: `reject_reason ${name} does not match this shop's reason type` };
  if ((Object.keys(REJECT) as RejectStage[]).some(anyRegion)) return { code: 25001016, message: `reject_reason ${name} does not match the action` };
  return { code: 25001014, message: `unknown reject_reason ${name}` };
}

const BUYER_ONLY = new Set([
  'ecom_order_shipped_refund_reason_not_arrive_on_time',
  'ecom_order_delivered_refund_reason_not_received',
  'ecom_order_delivered_refund_reason_damaged',
  'ecom_order_delivered_refund_reason_defective',
  'ecom_order_delivered_refund_and_return_reason_no_need',
  'ecom_order_delivered_refund_and_return_reason_not_match_description',
  'ecom_order_delivered_refund_and_return_reason_damaged',
]);

/** The platform's answer to a Create Return reason (Create Return error table), or null when it is fine. */
export function createReasonProblem(name: string, type: 'REFUND' | 'RETURN_AND_REFUND', orderStatus: string, region: string): ReasonProblem | null {
  const market = marketOf(region);
  if (sellerCreateReasons(market, type, orderStatus).includes(name)) return null;
  if (BUYER_ONLY.has(name.replace(/_uk$/, ''))) return { code: 25001015, message: `return_reason ${name} is a buyer's reason and cannot be used by the seller` };
  const known = Object.values(SELLER_CREATE_REASONS[market]).some((byStage) => Object.values(byStage).some((names) => names?.includes(name)));
  if (known) return { code: 25001021, message: `return_reason ${name} does not match order status ${orderStatus} and return_type ${type}` };
  return { code: 25001014, message: `unknown return_reason ${name}` };
}

/** The platform's answer to a seller Cancel Order reason (Cancel Order error table), or null when it is fine. */
export function cancelReasonProblem(name: string, orderStatus: string, region: string): ReasonProblem | null {
  const market = marketOf(region);
  if (sellerCancelReasons(market, orderStatus).includes(name)) return null;
  if (/^ecom_order_(unpaid|to_ship)_canceled_reason_/.test(name)) return { code: 25001015, message: `cancel_reason ${name} is a buyer's reason and cannot be used by the seller` };
  if (Object.values(SELLER_CANCEL_REASONS[market]).some((names) => names.includes(name))) return { code: 25001021, message: `cancel_reason ${name} does not match order status ${orderStatus}` };
  return { code: 25001014, message: `unknown cancel_reason ${name}` };
}
