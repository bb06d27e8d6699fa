import type { PrivacyRegistration } from '../privacy/index.js';

/**
 * Analytics keeps no buyer's data: facts and rollups count order lines by product and traffic
 * source; attribution names campaigns, creators' public handles, videos and LIVE sessions. Buyer
 * messages shown in reason trends are read live from the helpdesk (where erasure reaches them) and
 * never copied into tasks.
 */
export const analyticsPrivacy: PrivacyRegistration = {
  module: 'analytics',
  tables: [],
  exempt: [
    { table: 'analytics_line_facts', reason: 'per order line: product, traffic source, delivery, return outcome and the platform reason category; the order row (orders module) links the buyer' },
    { table: 'analytics_weekly', reason: 'counts per shop, week, source and product' },
    { table: 'analytics_source_weekly', reason: 'counts per shop, week and source' },
    { table: 'attribution_claims', reason: 'which campaign, creator video or LIVE session claims an order id; creator handles are public business accounts' },
    { table: 'live_sessions', reason: "the shop's own LIVE sessions (title, host account, times)" },
    { table: 'analytics_exclusions', reason: 'traffic sources the seller paused' },
    { table: 'analytics_annotations', reason: 'incidents and listing changes drawn on charts; titles written by staff about products and sources' },
    { table: 'finance_statements', reason: "the shop's settlement statements (amounts, dates, payment status)" },
    { table: 'finance_refund_lines', reason: 'refund amounts the platform booked per order id, SKU and statement; no buyer data' },
    { table: 'finance_order_checks', reason: 'when an order id\'s statement transactions were last read' },
    { table: 'analytics_settings', reason: 'organisation settings (return cycle targets)' },
    { table: 'ad_campaign_days', reason: "the Marketing API's spend, conversions, impressions and clicks per campaign and day; no buyer data" },
    { table: 'feedback_tasks', reason: 'work for listing and content owners; names products, reasons and sources, never a buyer (messages stay in tickets)' },
  ],
  export: async () => ({}),
  erase: async () => ({ counts: {} }),
};
