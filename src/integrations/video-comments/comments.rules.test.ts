import { beforeAll, describe, expect, it } from 'vitest';
import { languageModelReady } from '../../modules/helpdesk/index.js';
import { commentOfThread, commentThreadId, findOwnReply, triageComment } from './comments.rules.js';

describe('video comment triage', () => {
  beforeAll(() => languageModelReady());
  it('turns complaints into tickets with the remedy category, in five languages', () => {
    expect(triageComment('Mine arrived completely broken, the screen is cracked')).toMatchObject({ ticket: true, language: 'en', category: 'severe_damage' });
    expect(triageComment('Falscher Artikel geliefert, wie bekomme ich mein Geld zurück?')).toMatchObject({ ticket: true, language: 'de', category: 'wrong_item' });
    expect(triageComment("Il manque le câble dans ma commande, c'est incomplet")).toMatchObject({ ticket: true, language: 'fr', category: 'missing_item' });
    expect(triageComment('Il mio ordine non è ancora arrivato, sto ancora aspettando da due settimane')).toMatchObject({ ticket: true, language: 'it' });
    expect(triageComment('La talla es demasiado pequeña, quiero una devolución')).toMatchObject({ ticket: true, language: 'es', category: 'size_fit' });
  });

  it('keeps praise, product questions and noise out of the inbox', () => {
    expect(triageComment('Love this!! 😍😍').ticket).toBe(false);
    expect(triageComment('What size is the model wearing?').ticket).toBe(false);
    expect(triageComment('Gibt es das auch in einer anderen Farbe?').ticket).toBe(false);
    expect(triageComment('🔥🔥🔥').ticket).toBe(false);
  });

  it('takes an after-sales question without a category as "other"', () => {
    expect(triageComment('I asked for a refund a week ago and nobody answers')).toMatchObject({ ticket: true, category: 'other', matched: ['refund', 'nobody answers'] });
  });

  it('threads a reply under its top-level comment', () => {
    expect(commentThreadId({ comment_id: 'c1', video_id: 'v1' })).toBe('ttcomment:c1');
    expect(commentThreadId({ comment_id: 'c1', video_id: 'v1', parent_comment_id: 'v1' })).toBe('ttcomment:c1');
    expect(commentThreadId({ comment_id: 'c2', video_id: 'v1', parent_comment_id: 'c1' })).toBe('ttcomment:c1');
    expect(commentOfThread('ttcomment:c1')).toBe('c1');
    expect(commentOfThread('+49151')).toBeNull();
  });

  it('recognises our own reply after an unclear send, and only that one', () => {
    const queued = new Date('2026-05-01T10:00:00Z');
    const replies = [
      { comment_id: 'r-old', text: 'So sorry!', owner: true, create_time: Date.parse('2026-04-01T10:00:00Z') / 1000 },
      { comment_id: 'r-buyer', text: 'So sorry!', owner: false, create_time: Date.parse('2026-05-01T10:00:05Z') / 1000 },
      { comment_id: 'r-ours', text: 'So  sorry!', owner: true, create_time: Date.parse('2026-05-01T10:00:05Z') / 1000 },
    ];
    expect(findOwnReply(replies, { text: 'So sorry!', notBefore: queued })).toBe('r-ours');
    expect(findOwnReply(replies.slice(0, 2), { text: 'So sorry!', notBefore: queued })).toBeNull();
  });
});
