-- Automations on ticket updates (helpdesk): a rule runs at one moment — a buyer opening a ticket
-- (every rule so far), the buyer writing again, a status change, a tag added, an SLA warning, or a
-- ticket left quiet for some hours (conditions.idleHours).
alter table automation_rules add column trigger text not null default 'created'
  check (trigger in ('created', 'buyer_replied', 'status_changed', 'tag_added', 'sla_warning', 'idle'));
drop index if exists automation_rules_active;
create index automation_rules_active on automation_rules (org_id, trigger, position) where active;
-- Loop protection counts a rule's recent firings on a ticket from its system lines.
create index ticket_messages_automation_idx on ticket_messages (org_id, ticket_id, ((event->'params'->>'ruleId'))) where event->>'kind' = 'automation';
