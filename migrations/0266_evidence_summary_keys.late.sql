-- Late: the evidence tables come from 0300, after this number range.
-- Evidence summaries in the reader's language (evidence): beside the English summary (kept as
-- written, part of the hashed record) a summary key and its values, taken from the record's kind
-- and data when it is written. Records written before this have none stored; readers derive the
-- same from their data.
alter table evidence_records add column summary_key text;
alter table evidence_records add column summary_params jsonb;
