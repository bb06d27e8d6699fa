-- Action lines in the ticket thread (helpdesk): a finished outbox step finds the line that asked
-- for it by the step's id, so that lookup is indexed.
create index ticket_messages_outbox_idx on ticket_messages (org_id, outbox_id) where outbox_id is not null;
-- The sync's word on a platform request finds the actions about it (a decision, a partial refund offer).
create index ticket_messages_action_request_idx on ticket_messages (org_id, ((event->'params'->>'platformReturnId'))) where event->>'kind' = 'action';
