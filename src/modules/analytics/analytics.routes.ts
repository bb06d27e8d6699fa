import { stringify as toCsv } from 'csv-stringify/sync';
import { z } from 'zod';
import { actorOf, binaryResponse, errors, IdParams, type Http } from '../../platform/http.js';
import { pageOf, pageQuery } from '../../platform/pagination.dto.js';
import {
  AdCampaignView, AnnotationView, CreateAnnotation, CreateExclusion, CreateFeedbackTask, DrillQuery, DrillView, ExclusionView, FeedbackTaskView, FEEDBACK_STATUSES, ImportAdsReport, ImportRates, ImportResult,
  AnalyticsSettings, AnalyticsSettingsView, OperationsQuery, OperationsView, OutcomesQuery, OutcomesView, ReconQuery, ReconView, RatesResult, ReasonTrendRow, SetThreshold, ShopHealthView, RecommendationView, ReportQuery, ReportView, UpdateFeedbackTask, WeeklyQuery, WeeklyView,
} from './analytics.dto.js';
import type { AnalyticsService } from './analytics.service.js';

const Period = z.strictObject({ shopId: z.string().min(1).max(64).optional(), from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(), to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional() });

export function analyticsRoutes(app: Http, svc: AnalyticsService): void {
  const tags = ['analytics'];
  app.get('/api/analytics/report', { schema: { operationId: 'analytics.report', tags, summary: 'Return, refund, complaint and dispute rates by source, product, SKU, reason or market, with flags and definitions', querystring: ReportQuery, response: { 200: ReportView, ...errors(404) } } }, async (req) =>
    svc.report(actorOf(req), req.query),
  );
  app.get('/api/analytics/weekly', { schema: { operationId: 'analytics.weekly', tags, summary: 'Return rate per delivery week (provisional cohorts marked) with the annotations of the period', querystring: WeeklyQuery, response: { 200: WeeklyView, ...errors(404) } } }, async (req) =>
    svc.weekly(actorOf(req), req.query),
  );
  app.get('/api/analytics/drilldown', { schema: { operationId: 'analytics.drilldown', tags, summary: "One source's order lines with their returns, refunds, reasons and tickets (at most 500, returned first)", querystring: DrillQuery, response: { 200: DrillView, ...errors(404) } } }, async (req) =>
    svc.drilldown(actorOf(req), req.query),
  );
  app.get('/api/analytics/recommendations', { schema: { operationId: 'analytics.recommendations', tags, summary: 'Flagged sources not yet excluded, worst first', querystring: Period, response: { 200: z.object({ items: z.array(RecommendationView) }), ...errors(404) } } }, async (req) => ({
    items: await svc.recommendations(actorOf(req), req.query),
  }));
  app.get('/api/analytics/recommendations.csv', { schema: { operationId: 'analytics.recommendationsCsv', tags, summary: 'The exclusion list as CSV: campaign ids, creator handles, video ids and live session ids to pause', querystring: Period, response: { 200: binaryResponse('text/csv', 'Exclusion recommendations'), ...errors(404) } } }, async (req, reply) => {
    const csv = svc.recommendationsCsv(await svc.recommendations(actorOf(req), req.query));
    reply.header('content-disposition', 'attachment; filename="exclusions.csv"');
    reply.type('text/csv; charset=utf-8');
    return reply.send(csv as never);
  });
  app.get('/api/analytics/reason-trends', { schema: { operationId: 'analytics.reasonTrends', tags, summary: 'Return reasons per product and source with example buyer messages', querystring: Period, response: { 200: z.object({ items: z.array(ReasonTrendRow) }), ...errors(404) } } }, async (req) => ({
    items: await svc.reasonTrends(actorOf(req), req.query),
  }));
  app.get('/api/analytics/exclusions', { schema: { operationId: 'analytics.exclusions', tags, summary: 'Sources already excluded', response: { 200: z.object({ items: z.array(ExclusionView) }), ...errors() } } }, async (req) => ({ items: await svc.listExclusions(actorOf(req)) }));
  app.post('/api/analytics/exclusions', { schema: { operationId: 'analytics.exclude', tags, summary: 'Record that a source was paused on the platform (drawn on the charts)', body: CreateExclusion, response: { 201: ExclusionView, ...errors(404) } } }, async (req, reply) => {
    reply.code(201);
    return svc.exclude(actorOf(req), req.body);
  });
  app.post('/api/analytics/ads-reports', { schema: { operationId: 'analytics.importAdsReport', tags, summary: 'Import an Ads Manager / GMV Max order report (CSV) with a column mapping; its orders are attributed to the campaigns', body: ImportAdsReport, response: { 200: ImportResult, ...errors(404) } } }, async (req) =>
    svc.importAdsReport(actorOf(req), req.body),
  );
  app.get('/api/analytics/ad-campaigns', { schema: { operationId: 'analytics.adCampaigns', tags, summary: "Ad campaigns of the period (at most 500, most spend first): the Marketing API's spend and conversions beside the returns of the orders attributed to each", querystring: Period, response: { 200: z.object({ items: z.array(AdCampaignView) }), ...errors(404) } } }, async (req) => ({
    items: await svc.adCampaigns(actorOf(req), req.query),
  }));
  app.post('/api/analytics/fx-rates', { schema: { operationId: 'analytics.importRates', tags, summary: 'Import exchange rates (CSV date,base,currency,rate); no rate is ever fetched from the network', body: ImportRates, response: { 200: RatesResult, ...errors() } } }, async (req) =>
    svc.importRates(actorOf(req), req.body.csv),
  );
  app.get('/api/feedback-tasks', { schema: { operationId: 'feedbackTasks.list', tags, summary: 'Feedback tasks for listing, product and content owners, newest first', querystring: z.strictObject({ status: z.enum(FEEDBACK_STATUSES).optional(), ...pageQuery }), response: { 200: pageOf(FeedbackTaskView), ...errors() } } }, async (req) =>
    svc.listTasks(actorOf(req), { status: req.query.status, limit: req.query.limit ?? 50, cursor: req.query.cursor }),
  );
  app.post('/api/feedback-tasks', { schema: { operationId: 'feedbackTasks.create', tags, summary: 'Create a feedback task', body: CreateFeedbackTask, response: { 201: FeedbackTaskView, ...errors(404) } } }, async (req, reply) => {
    reply.code(201);
    return svc.createTask(actorOf(req), req.body);
  });
  app.patch('/api/feedback-tasks/:id', { schema: { operationId: 'feedbackTasks.update', tags, summary: 'Assign a feedback task or change its status', params: IdParams, body: UpdateFeedbackTask, response: { 200: FeedbackTaskView, ...errors(404) } } }, async (req) =>
    svc.updateTask(actorOf(req), req.params.id, req.body),
  );
  app.get('/api/analytics/shop-health', { schema: { operationId: 'analytics.shopHealth', tags, summary: "Shop health per shop, last 30 days: the platform's customer-service KPIs and the metrics computed here, against per-market limits with their source", querystring: z.strictObject({ shopId: z.string().min(1).max(64).optional() }), response: { 200: z.object({ items: z.array(ShopHealthView) }), ...errors(404) } } }, async (req) => ({
    items: await svc.shopHealth(actorOf(req), req.query),
  }));
  app.get('/api/analytics/operations', { schema: { operationId: 'analytics.operations', tags, summary: 'SLA attainment by shop, channel, agent, policy and first-reply promise; reply and resolution time distributions; repurchase and spend of buyers who complained vs not', querystring: OperationsQuery, response: { 200: OperationsView, ...errors(404) } } }, async (req) =>
    svc.operations(actorOf(req), req.query),
  );
  app.put('/api/analytics/shop-health/thresholds', { schema: { operationId: 'analytics.setThreshold', tags, summary: 'Set a per-market shop health limit with its source (owner)', body: SetThreshold, response: { 204: z.null(), ...errors() } } }, async (req, reply) => {
    await svc.setThreshold(actorOf(req), req.body);
    reply.code(204);
    return null;
  });
  app.post('/api/analytics/annotations', { schema: { operationId: 'analytics.annotate', tags, summary: 'Add an annotation (incident, listing change, note) that charts draw', body: CreateAnnotation, response: { 201: AnnotationView, ...errors(404) } } }, async (req, reply) => {
    reply.code(201);
    return svc.annotate(actorOf(req), req.body);
  });
  app.get('/api/analytics/outcomes', { schema: { operationId: 'analytics.outcomes', tags, summary: 'Return cycle time by step against the target, after-sales cost share, coupon ROI, dispute win rate, appeal success and CSAT by agent/channel/reason, with definitions', querystring: OutcomesQuery, response: { 200: OutcomesView, ...errors(404) } } }, async (req) =>
    svc.outcomes(actorOf(req), req.query),
  );
  app.put('/api/analytics/settings', { schema: { operationId: 'analytics.setSettings', tags, summary: 'Analytics settings of the organisation: the return cycle target in days and a target in hours per return step (owner)', body: AnalyticsSettings, response: { 200: AnalyticsSettingsView, ...errors() } } }, async (req) =>
    svc.setSettings(actorOf(req), req.body),
  );
  app.get('/api/analytics/reconciliation', { schema: { operationId: 'analytics.reconciliation', tags, summary: "Refunds we paid or approved matched with the refund lines of the platform's finance statements; mismatches first", querystring: ReconQuery, response: { 200: ReconView, ...errors(404) } } }, async (req) =>
    svc.reconciliation(actorOf(req), req.query),
  );
  app.get('/api/analytics/reconciliation.csv', { schema: { operationId: 'analytics.reconciliationCsv', tags, summary: 'The refund reconciliation as CSV', querystring: ReconQuery, response: { 200: binaryResponse('text/csv', 'Refund reconciliation'), ...errors(404) } } }, async (req, reply) => {
    const r = await svc.reconciliation(actorOf(req), req.query);
    const csv = toCsv(r.items.map((x) => ({ shop_id: x.shopId, order_id: x.externalOrderId, sku_id: x.skuId, currency: x.currency, ours_minor: x.ours ?? '', statement_minor: x.statement ?? '', difference_minor: x.difference, statements: x.statementIds.join(' '), status: x.status })), { header: true, columns: ['shop_id', 'order_id', 'sku_id', 'currency', 'ours_minor', 'statement_minor', 'difference_minor', 'statements', 'status'] });
    reply.header('content-disposition', 'attachment; filename="refund-reconciliation.csv"');
    reply.type('text/csv; charset=utf-8');
    return reply.send(csv as never);
  });
}
