-- Numbered in the SLA range, not the settings range 0070–0089: those run before 0250 creates the table.
-- Settings (issue 12): an SLA policy's name per language, shown to each person in their UI language.
-- `name` stays the policy's one unique name (used when no translation is given).
alter table sla_policies add column names jsonb not null default '{}'::jsonb;
