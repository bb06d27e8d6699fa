import { z } from 'zod';
import { pageOf, pageQuery } from '../../platform/pagination.dto.js';
import { BUYER_LANGUAGES, KNOWLEDGE_FIELDS, KNOWLEDGE_LANGUAGES, TOPICS } from './knowledge.lists.dto.js';

export { BUYER_LANGUAGES, KNOWLEDGE_FIELDS, KNOWLEDGE_LANGUAGES, TOPICS };
export type { BuyerLanguage, KnowledgeField, KnowledgeLanguage, Topic, TranslationStatus } from './knowledge.lists.dto.js';

const Id = z.string().min(1).max(64);

export const SkuView = z.object({
  id: z.string(),
  externalId: z.string(),
  sellerSku: z.string().nullable(),
  name: z.string().nullable(),
  price: z.object({ amount: z.number(), currency: z.string() }).nullable(),
});
export type SkuView = z.infer<typeof SkuView>;

export const ProductListItem = z.object({
  id: z.string(),
  shopId: z.string(),
  externalId: z.string(),
  title: z.string(),
  status: z.string(),
  imageUrl: z.string().nullable(),
  skuCount: z.number(),
  entries: z.number(),
  outOfDate: z.number(),
  syncedAt: z.string(),
});
export type ProductListItem = z.infer<typeof ProductListItem>;
export const ProductPage = pageOf(ProductListItem);
export const ProductListQuery = z.strictObject({ ...pageQuery, shopId: Id.optional(), q: z.string().max(200).optional() });
export type ProductListQuery = z.infer<typeof ProductListQuery>;

export const ProductView = z.object({
  id: z.string(),
  shopId: z.string(),
  platform: z.string(),
  externalId: z.string(),
  title: z.string(),
  description: z.string(),
  status: z.string(),
  category: z.string().nullable(),
  brand: z.string().nullable(),
  attributes: z.array(z.object({ name: z.string(), values: z.array(z.string()) })),
  sizeChartUrl: z.string().nullable(),
  imageUrls: z.array(z.string()),
  warranty: z.string().nullable(),
  skus: z.array(SkuView),
  /** Topics the listing itself answers (before any knowledge). */
  listingTopics: z.array(z.enum(TOPICS)),
  syncedAt: z.string(),
  externalUpdatedAt: z.string().nullable(),
});
export type ProductView = z.infer<typeof ProductView>;

export const KnowledgeEntryView = z.object({
  id: z.string(),
  productId: z.string(),
  field: z.enum(KNOWLEDGE_FIELDS),
  key: z.string(),
  language: z.enum(KNOWLEDGE_LANGUAGES),
  title: z.string(),
  body: z.string(),
  version: z.number(),
  translatedFromVersion: z.number().nullable(),
  status: z.enum(['source', 'current', 'out_of_date', 'note']),
  authorId: z.string(),
  authorName: z.string().nullable(),
  updatedAt: z.string(),
});
export type KnowledgeEntryView = z.infer<typeof KnowledgeEntryView>;
export const KnowledgeEntryList = z.object({ items: z.array(KnowledgeEntryView) });

export const SaveEntry = z.strictObject({
  field: z.enum(KNOWLEDGE_FIELDS),
  /** Several FAQ entries per product are told apart by key; other fields have one text per language. */
  key: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/).optional(),
  language: z.enum(KNOWLEDGE_LANGUAGES),
  title: z.string().trim().min(1).max(300),
  body: z.string().trim().min(1).max(5000),
});
export type SaveEntry = z.infer<typeof SaveEntry>;

export const EntryVersionView = z.object({ version: z.number(), title: z.string(), body: z.string(), authorId: z.string(), authorName: z.string().nullable(), createdAt: z.string() });
export const EntryVersionList = z.object({ items: z.array(EntryVersionView) });

export const TicketParams = z.strictObject({ ticketId: Id });
export const ShopParams = z.strictObject({ shopId: Id });

export const SuggestionView = z.object({
  entryId: z.string(),
  field: z.enum(KNOWLEDGE_FIELDS),
  key: z.string(),
  title: z.string(),
  /** The answer with the ticket's variables filled in (what goes into the reply). */
  text: z.string(),
  /** Placeholders this ticket has no value for (sending stops until they are filled). */
  unresolved: z.array(z.string()),
  score: z.number(),
  rank: z.number(),
});
export type SuggestionView = z.infer<typeof SuggestionView>;
export const SuggestionsView = z.object({
  productId: z.string().nullable(),
  productTitle: z.string().nullable(),
  language: z.string(),
  question: z.string().nullable(),
  items: z.array(SuggestionView),
});
export type SuggestionsView = z.infer<typeof SuggestionsView>;
export const SuggestQuery = z.strictObject({ q: z.string().max(2000).optional() });

export const RecordUse = z.strictObject({ ticketId: Id, rank: z.number().int().min(1).max(50) });
export const UseRecorded = z.object({ id: z.string(), uses: z.number() });

export const SyncResult = z.object({ products: z.number(), skus: z.number() });

export const GapQuery = z.strictObject({ shopId: Id, days: z.coerce.number().int().min(1).max(365).optional() });
export const GapView = z.object({
  productId: z.string(),
  title: z.string(),
  asks: z.number(),
  missing: z.array(z.object({ topic: z.enum(TOPICS), asks: z.number(), examples: z.array(z.object({ ticketId: z.string(), text: z.string(), language: z.string() })) })),
});
export type GapView = z.infer<typeof GapView>;
export const GapReport = z.object({ items: z.array(GapView), messages: z.number(), since: z.string() });
export type GapReport = z.infer<typeof GapReport>;
export const CreateGapTask = z.strictObject({ shopId: Id, productId: Id, days: z.number().int().min(1).max(365).optional() });
export const GapTaskView = z.object({ taskId: z.string(), title: z.string() });

/** Export/import rows for translators (CLI). */
export const KnowledgeRow = z.object({
  product_external_id: z.string().min(1),
  field: z.enum(KNOWLEDGE_FIELDS),
  key: z.string(),
  language: z.enum(KNOWLEDGE_LANGUAGES),
  title: z.string().min(1),
  body: z.string().min(1),
  version: z.coerce.number().optional(),
  status: z.string().optional(),
});
export type KnowledgeRow = z.infer<typeof KnowledgeRow>;

export { BUYER_LANGUAGES as SUGGESTION_LANGUAGES };
