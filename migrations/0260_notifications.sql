-- Notification centre (src/modules/notifications). A notification is a kind + params + subject, never
-- stored prose: the reader's UI words it in their language.

create table notifications (
  org_id text not null references organisations(org_id),
  id text not null,
  user_id text not null,
  -- The shop of the subject when it has one (brand scope); null for organisation-wide subjects.
  shop_id text,
  kind text not null,
  subject_type text not null,
  subject_id text not null,
  params jsonb not null default '{}'::jsonb,
  link text,
  read_at timestamptz,
  created_at timestamptz not null,
  primary key (org_id, id),
  foreign key (org_id, user_id) references users(org_id, id)
);
create index notifications_user_recent on notifications (org_id, user_id, created_at desc, id desc);
create index notifications_user_unread on notifications (org_id, user_id) where read_at is null;
select afterdesk_tenant_table('notifications');
select afterdesk_brand_scoped_table('notifications');

-- Brand scope hides rows without a shop from brand-limited readers; a person's own organisation-wide
-- notifications (a failed step, an approval) should reach them all the same, so null shops pass.
drop policy if exists brand_scope on notifications;
create policy brand_scope on notifications as restrictive
  using (shop_id is null or afterdesk_shop_visible(shop_id))
  with check (shop_id is null or afterdesk_shop_visible(shop_id));

-- Per person and kind; a missing row means the kind's default (in-app on, e-mail off).
create table notification_preferences (
  org_id text not null references organisations(org_id),
  user_id text not null,
  kind text not null,
  in_app boolean not null,
  email boolean not null,
  updated_at timestamptz not null,
  primary key (org_id, user_id, kind),
  foreign key (org_id, user_id) references users(org_id, id)
);
select afterdesk_tenant_table('notification_preferences');
